"""Staff run deliveries from the admin: find them, (re)assign riders and record outcomes, all through services."""

from decimal import Decimal

import pytest
from django.urls import reverse

from delivery.models import Delivery, DeliveryStatus, FailureReason
from delivery.services import delivery_assign
from delivery.slots import upcoming_slots
from delivery.tests.factories import books, delivery_in, rider
from orders.models import OrderStatus
from orders.tests.factories import customer_with_address, delivery_zone, place_order
from payments.models import PaymentMethod, PaymentStatus

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:delivery_delivery_changelist")


def act(client, action: str, deliveries, **fields):
    data = {"action": action, "_selected_action": [delivery.pk for delivery in deliveries], **fields}
    return client.post(CHANGELIST, data, follow=True)


def test_staff_filter_deliveries_by_date_slot_zone_rider_status_and_find_the_unassigned(client, staff):
    ravi = rider(name="Ravi Kumar")
    slot, later = upcoming_slots()[0], upcoming_slots()[1]
    assigned = place_order(slot=slot).delivery
    waiting = place_order(slot=slot).delivery
    delivery_assign(delivery=waiting, rider=None)
    other = place_order(slot=later).delivery

    unassigned_page = client.get(CHANGELIST, {"rider__isnull": "True"}).content.decode()
    by_slot = client.get(
        CHANGELIST, {"delivery_date": slot.date.isoformat(), "slot": slot.name, "rider__id__exact": ravi.pk}
    ).content.decode()
    filtered = client.get(CHANGELIST, {"zone__id__exact": delivery_zone().pk, "status__exact": DeliveryStatus.ASSIGNED})

    assert waiting.order.number in unassigned_page and assigned.order.number not in unassigned_page
    assert "Unassigned" in unassigned_page
    assert assigned.order.number in by_slot and other.order.number not in by_slot
    assert filtered.status_code == 200
    for heading in ["By delivery date", "By slot", "By zone", "By rider", "By status"]:
        assert heading in filtered.content.decode()


def test_the_delivery_page_shows_history_and_nothing_editable(client, staff):
    delivery = delivery_in(DeliveryStatus.PICKED_UP)

    page = client.get(reverse("admin:delivery_delivery_change", args=[delivery.pk])).content.decode()

    assert "Assigned to" in page and "Picked up" in page
    assert 'name="status"' not in page and 'name="rider"' not in page.split("action-select")[0]
    assert reverse("delivery:track", args=[delivery.tracking_token]) in page
    assert client.get(reverse("admin:delivery_delivery_add")).status_code == 403


def test_assign_and_reassign_to_the_chosen_rider(client, staff):
    first, second = rider(name="Ravi Kumar"), rider(name="Suresh Gowda")
    delivery = place_order().delivery
    assert delivery.rider == first

    response = act(client, "assign_to_chosen_rider", [delivery], rider=second.pk)

    delivery.refresh_from_db()
    assert delivery.rider == second
    last = delivery.history.last()
    assert (last.note, last.changed_by) == ("Assigned to Suresh Gowda", staff)
    assert "1 delivery assigned to Suresh Gowda." in response.content.decode()


def test_assigning_needs_a_chosen_rider_and_only_before_pickup(client, staff):
    delivery = delivery_in(DeliveryStatus.PICKED_UP)
    owner = delivery.rider

    missing = act(client, "assign_to_chosen_rider", [delivery])
    refused = act(client, "assign_to_chosen_rider", [delivery], rider=rider().pk)

    assert "Choose a rider beside the action first." in missing.content.decode()
    assert "only deliveries not yet picked up can change rider" in refused.content.decode()
    delivery.refresh_from_db()
    assert delivery.rider == owner


def test_unassign_then_give_to_the_least_busy_rider(client, staff):
    ravi = rider()
    delivery = place_order().delivery

    act(client, "unassign", [delivery])
    delivery.refresh_from_db()
    assert delivery.rider is None
    act(client, "assign_least_loaded", [delivery])
    delivery.refresh_from_db()
    assert delivery.rider == ravi


def test_least_busy_with_nobody_in_the_zone_says_so(client, staff):
    delivery = place_order().delivery

    response = act(client, "assign_least_loaded", [delivery])

    assert "has no active rider" in response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize(("cash", "message"), [({}, "Collect ₹64.00"), ({"cash_collected": "50.00"}, "not ₹50.00")])
def test_marking_cash_on_delivery_delivered_needs_the_exact_cash_collected(client, staff, cash, message):
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT, method=PaymentMethod.CASH)
    before = books(delivery)

    response = act(client, "mark_delivered", [delivery], **cash)

    said = messages_of(response)
    assert any(message in line for line in said) and "1 delivery delivered." not in said, said
    assert books(delivery) == before


def test_staff_record_a_cash_delivery_for_a_rider_whose_phone_died(client, staff):
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT, method=PaymentMethod.CASH)

    response = act(client, "mark_delivered", [delivery], cash_collected="64.00")

    assert "1 delivery delivered." in messages_of(response)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.cash_collected == Decimal("64.00")
    assert delivery.order.payments.get().status == PaymentStatus.SUCCESS
    assert delivery.order.status == OrderStatus.DELIVERED


def test_cancelling_from_the_admin_needs_the_reason_in_the_note(client, staff):
    delivery = delivery_in(DeliveryStatus.ASSIGNED)
    before = books(delivery)

    missing = act(client, "cancel", [delivery])
    assert "Write the reason in the note beside the action first." in messages_of(missing)
    assert books(delivery) == before

    done = act(client, "cancel", [delivery], note="Customer phoned the dairy")

    assert "1 delivery cancelled." in messages_of(done)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.order.status) == (DeliveryStatus.CANCELLED, OrderStatus.CANCELLED)
    assert delivery.history.last().changed_by == staff


def test_staff_move_deliveries_along_and_illegal_moves_are_reported(client, staff):
    delivery = delivery_in(DeliveryStatus.ASSIGNED)

    act(client, "mark_picked_up", [delivery])
    act(client, "mark_in_transit", [delivery])
    before = books(delivery)
    refused = act(client, "mark_picked_up", [delivery])

    assert before["delivery"][0] == DeliveryStatus.IN_TRANSIT
    assert "cannot be marked picked up" in refused.content.decode()
    assert books(delivery) == before


def test_failing_from_the_admin_needs_the_chosen_reason(client, staff):
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT)
    before = books(delivery)

    missing = act(client, "mark_failed", [delivery])
    assert "Choose a failure reason" in missing.content.decode()
    assert books(delivery) == before

    act(client, "mark_failed", [delivery], failure_reason=FailureReason.ADDRESS_NOT_FOUND)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.failure_reason) == (DeliveryStatus.FAILED, FailureReason.ADDRESS_NOT_FOUND)


def test_zones_list_their_riders_and_only_riders_can_be_chosen(client, staff):
    ravi = rider(name="Ravi Kumar")
    customer = customer_with_address(name="Not A Rider")
    zone = delivery_zone()

    listing = client.get(reverse("admin:delivery_deliveryzone_changelist")).content.decode()
    form = client.get(reverse("admin:delivery_deliveryzone_change", args=[zone.pk])).content.decode()

    assert "Ravi Kumar" in listing
    assert f'<option value="{ravi.pk}" selected>' in form
    assert customer.name not in form
    assert Delivery.objects.count() == 0
