"""Deliveries through their own services: made for confirmed orders, given to the least busy rider, reassigned."""

from decimal import Decimal

import pytest

from delivery.models import Delivery, DeliveryStatus
from delivery.services import DeliveryError, delivery_assign, delivery_assign_least_loaded, delivery_create_for_order
from delivery.slots import upcoming_slots
from delivery.tests.factories import delivery_in, rider
from orders.models import Order
from orders.tests.factories import customer_with_address, fund_wallet, place_order
from orders.workflows import order_cancel, payment_succeeded
from payments.models import PaymentMethod

pytestmark = pytest.mark.django_db


def test_a_cash_order_gets_its_delivery_at_confirmation_with_the_zone_rider():
    ravi = rider(name="Ravi")

    order = place_order(method=PaymentMethod.CASH)

    delivery = Delivery.objects.get(order=order)
    assert (delivery.status, delivery.rider, delivery.user) == (DeliveryStatus.ASSIGNED, ravi, order.user)
    assert (delivery.delivery_date, delivery.slot, delivery.zone) == (
        order.delivery_date,
        order.delivery_slot,
        order.zone,
    )
    assert len(delivery.tracking_token) >= 32
    first = delivery.history.get()
    assert (first.from_status, first.to_status, first.note) == ("", DeliveryStatus.ASSIGNED, "Assigned to Ravi")


def test_an_unpaid_online_order_has_no_delivery_until_payment_confirms_it():
    rider()
    order = place_order(method=PaymentMethod.CARD)
    assert not Delivery.objects.filter(order=order).exists()

    payment_succeeded(payment_id=order.payments.get().pk, reference="pay_1")

    assert Delivery.objects.get(order=order).status == DeliveryStatus.ASSIGNED


def test_a_zone_without_riders_leaves_the_delivery_unassigned_for_staff():
    delivery = place_order().delivery

    assert delivery.rider is None
    assert delivery.is_unassigned
    assert delivery.history.get().note == "Waiting for a rider"


def test_each_order_goes_to_the_least_loaded_rider_of_its_slot():
    first, second = rider(), rider()
    slot, other_slot = upcoming_slots()[:2]
    # Work in another slot does not count against anyone.
    for _ in range(3):
        delivery_assign(delivery=place_order(slot=other_slot).delivery, rider=first)

    riders = [place_order(slot=slot).delivery.rider for _ in range(4)]

    assert riders == [first, second, first, second]


def test_inactive_or_former_riders_get_nothing_and_cancelled_deliveries_do_not_count():
    gone = rider()
    gone.is_active = False
    gone.save()
    left = rider()
    left.groups.clear()  # no longer in the Riders group, though still listed on the zone
    quiet, busy = rider(), rider()
    slot = upcoming_slots()[0]
    kept, cancelled = place_order(slot=slot), place_order(slot=slot)
    delivery_assign(delivery=kept.delivery, rider=quiet)
    delivery_assign(delivery=cancelled.delivery, rider=busy)
    order_cancel(order=cancelled, by=None, reason="test")

    # quiet has one delivery and busy only a cancelled one; a tie would go to quiet, added first.
    assert place_order(slot=slot).delivery.rider == busy


def test_asking_again_for_an_orders_delivery_returns_the_one_it_has():
    order = place_order()

    assert delivery_create_for_order(order=order) == order.delivery
    assert Delivery.objects.filter(order=order).count() == 1


def test_subscription_orders_get_deliveries_balanced_across_riders_in_the_same_run():
    from subscriptions.generation import generate_subscription_orders
    from subscriptions.tests.factories import subscribe

    first, second = rider(), rider()
    subscriptions = [subscribe() for _ in range(4)]
    for subscription in subscriptions:
        fund_wallet(subscription.user, Decimal("500.00"))

    generate_subscription_orders(day=subscriptions[0].start_date)
    generate_subscription_orders(day=subscriptions[0].start_date)

    orders = list(Order.objects.filter(subscription__in=subscriptions).order_by("pk"))
    riders = [Delivery.objects.get(order=order).rider for order in orders]
    assert sorted(user.pk for user in riders) == sorted([first.pk, first.pk, second.pk, second.pk])
    assert Delivery.objects.count() == 4


def test_staff_reassign_and_unassign_before_pickup_with_history():
    ravi, suresh = rider(name="Ravi"), rider(name="Suresh")
    delivery = place_order().delivery
    assert delivery.rider == ravi

    delivery_assign(delivery=delivery, rider=suresh)
    assert delivery.rider == suresh
    delivery_assign(delivery=delivery, rider=None)
    assert delivery.rider is None
    delivery_assign_least_loaded(delivery=delivery)
    assert delivery.rider == ravi

    notes = list(delivery.history.values_list("note", flat=True))
    assert notes == ["Assigned to Ravi", "Assigned to Suresh", "Waiting for a rider", "Assigned to Ravi"]


def test_only_active_riders_can_be_assigned_and_only_before_pickup():
    customer = customer_with_address()
    delivery = delivery_in(DeliveryStatus.PICKED_UP)

    with pytest.raises(DeliveryError, match="not an active rider"):
        delivery_assign(delivery=delivery, rider=customer)
    with pytest.raises(DeliveryError, match="only deliveries not yet picked up"):
        delivery_assign(delivery=delivery, rider=rider())
