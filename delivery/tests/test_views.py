"""The rider page, customer tracking and the staff manifest, through HTTP."""

import csv
import io
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.tests.factories import ProductFactory
from delivery.models import Delivery, DeliveryStatus, FailureReason
from delivery.services import delivery_assign
from delivery.slots import upcoming_slots
from delivery.tests.factories import books, delivery_in, rider
from orders.models import Order, OrderLine, OrderStatus
from orders.tests.factories import customer_with_address, place_order
from orders.workflows import delivery_transition, order_cancel
from payments.models import PaymentMethod

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
RIDER = reverse("delivery:rider")
MANIFEST = reverse("delivery:manifest")


def move_url(delivery) -> str:
    return reverse("delivery:rider_move", args=[delivery.pk])


@pytest.fixture
def ravi(client):
    user = rider(name="Ravi Kumar")
    client.force_login(user)
    return user


def day_of(delivery) -> str:
    return delivery.delivery_date.isoformat()


# Who may open the rider page


def test_the_rider_page_needs_a_login_and_the_riders_group(client):
    assert reverse("account_login") in client.get(RIDER)["Location"]

    client.force_login(customer_with_address())
    assert client.get(RIDER).status_code == 403


def test_riders_and_staff_find_their_deliveries_link_and_customers_do_not(client):
    client.force_login(customer_with_address())
    assert 'href="/rider/"' not in client.get("/").content.decode()

    client.force_login(rider())
    assert f'<a href="{RIDER}">Deliveries</a>' in client.get("/").content.decode()

    client.force_login(UserFactory(is_staff=True))
    assert f'<a href="{MANIFEST}">Deliveries</a>' in client.get("/").content.decode()


# What a rider sees


def test_a_rider_sees_their_day_by_slot_in_route_order_with_what_they_need_at_the_door(client, ravi):
    morning, evening = [slot for slot in upcoming_slots() if slot.date == upcoming_slots()[0].date][:2]
    far = customer_with_address(name="Zoya Khan", phone="+919811122233")
    far.addresses.update(area="Whitefield", line1="9 Far Road", landmark="Blue gate", instructions="Ring twice")
    near = customer_with_address(name="Anil Bose")
    near.addresses.update(area="Adugodi", line1="1 Near Street")
    place_order(user=near, slot=morning)  # first in the zone's route, so first on the rider's
    place_order(user=far, slot=morning, lines=[(ProductFactory(name="Cow Milk", unit="1 L"), 3)])
    place_order(slot=evening)
    someone_elses = place_order(slot=morning, user=customer_with_address(name="Not For Ravi"))
    delivery_assign(delivery=someone_elses.delivery, rider=rider())

    page = client.get(RIDER, {"date": morning.date.isoformat()}).content.decode()

    assert page.index("Morning") < page.index("Anil Bose") < page.index("Zoya Khan") < page.index("Evening")
    assert "Not For Ravi" not in page
    assert 'href="tel:+919811122233"' in page
    for detail in ["9 Far Road", "Whitefield", "Blue gate", "Ring twice", "3 ×</strong> Cow Milk", "1 L"]:
        assert detail in page
    assert "Collect <strong>₹96.00</strong> cash" in page
    assert "<strong>0</strong> done" in page and "<strong>3</strong> to go" in page


def test_progress_counts_done_remaining_and_cash(client, ravi):
    delivered = delivery_in(DeliveryStatus.DELIVERED, method=PaymentMethod.CASH)
    delivery_in(DeliveryStatus.FAILED, method=PaymentMethod.CASH)
    delivery_in(DeliveryStatus.PICKED_UP, method=PaymentMethod.CASH)

    page = client.get(RIDER, {"date": day_of(delivered)}).content.decode()

    assert "<strong>2</strong> done" in page
    assert "<strong>1</strong> to go" in page
    assert "<strong>₹64.00</strong> cash collected" in page
    assert "₹64.00 cash still to collect" in page


def test_another_day_can_be_chosen_and_a_bad_date_means_today(client, ravi):
    delivery = delivery_in(DeliveryStatus.ASSIGNED)

    assert delivery.order.number in client.get(RIDER, {"date": day_of(delivery)}).content.decode()
    assert client.get(RIDER, {"date": "not-a-day"}).status_code == 200


# A rider's taps


def test_each_tap_swaps_only_that_card_and_the_progress(client, ravi):
    delivery = delivery_in(DeliveryStatus.ASSIGNED, method=PaymentMethod.CASH)

    response = client.post(move_url(delivery), {"to": DeliveryStatus.PICKED_UP}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<article id="delivery-{delivery.pk}"')
    assert "Picked up." in body
    assert 'id="rider-progress"' in body and 'hx-swap-oob="true"' in body
    assert "<html" not in body
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.PICKED_UP


def test_a_rider_picks_up_goes_and_delivers_cash_on_delivery(client, ravi):
    delivery = delivery_in(DeliveryStatus.ASSIGNED, method=PaymentMethod.CASH)

    client.post(move_url(delivery), {"to": DeliveryStatus.PICKED_UP}, **HTMX)
    client.post(move_url(delivery), {"to": DeliveryStatus.IN_TRANSIT}, **HTMX)
    delivered = {"to": DeliveryStatus.DELIVERED, "cash_collected": "64.00", "proof_code": delivery.proof_code}
    response = client.post(move_url(delivery), delivered, **HTMX)

    assert "₹64.00 cash collected" in response.content.decode()
    order = Order.objects.get(pk=delivery.order_id)
    assert (order.status, order.payment_status) == (OrderStatus.DELIVERED, "SUCCESS")


def test_an_illegal_tap_is_refused_with_a_message_in_the_card(client, ravi):
    delivery = delivery_in(DeliveryStatus.ASSIGNED)
    before = books(delivery)

    response = client.post(move_url(delivery), {"to": DeliveryStatus.DELIVERED}, **HTMX)

    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert "cannot be marked delivered" in response.content.decode()
    assert books(delivery) == before


@pytest.mark.parametrize("start", [DeliveryStatus.ASSIGNED, DeliveryStatus.IN_TRANSIT])
def test_a_rider_is_offered_no_cancel_and_cannot_post_one(client, ravi, start):
    delivery = delivery_in(start)
    before = books(delivery)

    page = client.get(RIDER, {"date": day_of(delivery)}).content.decode()
    response = client.post(move_url(delivery), {"to": DeliveryStatus.CANCELLED, "note": "Gate locked"}, **HTMX)

    assert f'value="{DeliveryStatus.CANCELLED}"' not in page and "Cancel" not in page
    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert books(delivery) == before


@pytest.mark.parametrize(("cash", "message"), [({}, "Collect ₹64.00"), ({"cash_collected": "50.00"}, "not ₹50.00")])
def test_delivering_cash_on_delivery_from_the_card_needs_the_exact_cash(client, ravi, cash, message):
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT, method=PaymentMethod.CASH)
    before = books(delivery)

    response = client.post(
        move_url(delivery), {"to": DeliveryStatus.DELIVERED, "proof_code": delivery.proof_code, **cash}, **HTMX
    )

    assert response.status_code == 422
    assert message in response.content.decode()
    assert books(delivery) == before


def test_a_double_tap_is_refused_rather_than_moving_twice(client, ravi):
    delivery = delivery_in(DeliveryStatus.ASSIGNED)

    client.post(move_url(delivery), {"to": DeliveryStatus.PICKED_UP}, **HTMX)
    again = client.post(move_url(delivery), {"to": DeliveryStatus.PICKED_UP}, **HTMX)

    assert again.status_code == 422
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.PICKED_UP


def test_failing_from_the_card_needs_a_reason(client, ravi):
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT)

    refused = client.post(move_url(delivery), {"to": DeliveryStatus.FAILED}, **HTMX)
    done = client.post(
        move_url(delivery), {"to": DeliveryStatus.FAILED, "failure_reason": FailureReason.REFUSED, "note": ""}, **HTMX
    )

    assert refused.status_code == 422 and "Choose why" in refused.content.decode()
    assert done.status_code == 200 and "Refused by the customer" in done.content.decode()


def test_without_javascript_a_tap_posts_and_comes_back_to_the_card(client, ravi):
    delivery = delivery_in(DeliveryStatus.ASSIGNED)

    response = client.post(move_url(delivery), {"to": DeliveryStatus.PICKED_UP})
    refused = client.post(move_url(delivery), {"to": DeliveryStatus.PICKED_UP}, follow=True)

    assert response["Location"] == f"{RIDER}?date={day_of(delivery)}#delivery-{delivery.pk}"
    assert "cannot be marked picked up" in refused.content.decode()


def test_picking_up_all_of_a_slot_at_once(client, ravi):
    first = delivery_in(DeliveryStatus.ASSIGNED)
    second = delivery_in(DeliveryStatus.ASSIGNED)
    data = {"date": day_of(first), "slot": first.slot}

    page = client.get(RIDER, {"date": day_of(first)}).content.decode()
    response = client.post(reverse("delivery:rider_pickup"), data, **HTMX)

    assert "Picked up all 2 waiting" in page
    assert response.content.decode().lstrip().startswith('<div id="rider-board">')
    assert set(Delivery.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {
        DeliveryStatus.PICKED_UP
    }


# Rider isolation


ACTIONS = [
    {"to": DeliveryStatus.PICKED_UP},
    {"to": DeliveryStatus.IN_TRANSIT},
    {"to": DeliveryStatus.DELIVERED, "cash_collected": "64.00"},
    {"to": DeliveryStatus.FAILED, "failure_reason": FailureReason.REFUSED},
    {"to": DeliveryStatus.CANCELLED},
]


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
@pytest.mark.parametrize("action", ACTIONS, ids=[action["to"] for action in ACTIONS])
@pytest.mark.parametrize("start", [DeliveryStatus.ASSIGNED, DeliveryStatus.PICKED_UP, DeliveryStatus.IN_TRANSIT])
def test_another_riders_delivery_is_404_for_every_action(client, start, action, headers):
    owner = rider()
    theirs = delivery_in(start, method=PaymentMethod.CASH)
    assert theirs.rider == owner
    before = books(theirs)
    client.force_login(rider())

    response = client.post(move_url(theirs), action, **headers)

    assert response.status_code == 404
    assert books(theirs) == before


def test_another_riders_deliveries_are_neither_shown_nor_picked_up_in_bulk(client):
    owner = rider()
    theirs = delivery_in(DeliveryStatus.ASSIGNED)
    assert theirs.rider == owner
    before = books(theirs)
    client.force_login(rider())

    page = client.get(RIDER, {"date": day_of(theirs)}).content.decode()
    client.post(reverse("delivery:rider_pickup"), {"date": day_of(theirs), "slot": theirs.slot})

    assert theirs.order.number not in page
    assert books(theirs) == before


def test_a_customer_cannot_use_the_rider_actions(client):
    delivery = delivery_in(DeliveryStatus.ASSIGNED)
    before = books(delivery)
    client.force_login(delivery.user)

    assert client.post(move_url(delivery), {"to": DeliveryStatus.PICKED_UP}).status_code == 403
    assert books(delivery) == before


# Customer tracking


def test_the_order_page_shows_the_delivery_timeline_and_polls_while_under_way(client):
    rider(name="Ravi Kumar")
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT, method=PaymentMethod.CASH, today=True)
    client.force_login(delivery.user)

    page = client.get(delivery.order.get_absolute_url()).content.decode()

    for label in ["Scheduled", "Picked up from the dairy", "On the way to you", "Your rider today: Ravi"]:
        assert label in page
    poll = reverse("delivery:order_delivery", args=[delivery.order.number])
    assert f'hx-get="{poll}?seen=IN_TRANSIT" hx-trigger="every 10s"' in page
    assert reverse("delivery:track", args=[delivery.tracking_token]) in page
    assert "Please keep ₹64.00 ready in cash." in page


def test_polling_stops_when_the_delivery_ends(client):
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT, today=True)
    client.force_login(delivery.user)
    url = delivery.order.get_absolute_url()
    assert 'hx-trigger="every 10s"' in client.get(url).content.decode()

    delivery_transition(delivery=delivery, to=DeliveryStatus.DELIVERED, by=delivery.rider)

    page = client.get(url).content.decode()
    assert 'hx-trigger="every 10s"' not in page
    assert '<span class="status status-delivered">Delivered</span>' in page


def test_a_delivery_on_a_later_day_is_not_polled(client):
    delivery = delivery_in(DeliveryStatus.ASSIGNED, slot=upcoming_slots()[-1])
    assert delivery.delivery_date > timezone.localdate()
    client.force_login(delivery.user)

    assert 'hx-trigger="every 10s"' not in client.get(delivery.order.get_absolute_url()).content.decode()


def test_the_poll_answers_nothing_new_with_204_and_a_change_with_the_region_and_status(client):
    delivery = delivery_in(DeliveryStatus.PICKED_UP)
    client.force_login(delivery.user)
    poll = reverse("delivery:order_delivery", args=[delivery.order.number])

    unchanged = client.get(poll, {"seen": DeliveryStatus.PICKED_UP}, **HTMX)
    delivery_transition(delivery=delivery, to=DeliveryStatus.IN_TRANSIT, by=delivery.rider)
    changed = client.get(poll, {"seen": DeliveryStatus.PICKED_UP}, **HTMX)

    assert unchanged.status_code == 204
    body = changed.content.decode()
    assert body.lstrip().startswith('<div id="delivery-tracking"')
    assert "On the way to you" in body
    assert '<p id="order-status" hx-swap-oob="true">' in body and "Out for delivery" in body


def test_the_poll_of_someone_elses_order_is_404(client):
    delivery = delivery_in(DeliveryStatus.PICKED_UP)
    client.force_login(customer_with_address())

    poll = reverse("delivery:order_delivery", args=[delivery.order.number])
    assert client.get(poll, **HTMX).status_code == 404


def test_the_public_tracking_link_shows_progress_without_personal_details(client):
    customer = customer_with_address(name="Kavya Reddy", phone="+919845067890")
    customer.addresses.update(line1="12 Secret Lane", landmark="Pink house")
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT, user=customer)

    response = client.get(reverse("delivery:track", args=[delivery.tracking_token]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "On the way to you" in page and delivery.scheduled_slot.label in page
    for secret in ["Kavya", "Reddy", "9845067890", "12 Secret Lane", "Pink house", customer.email, "Ravi"]:
        assert secret not in page
    assert delivery.rider.name not in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_an_unknown_tracking_token_is_404(client):
    delivery_in(DeliveryStatus.ASSIGNED)

    assert client.get(reverse("delivery:track", args=["not-the-token"])).status_code == 404


def test_the_public_tracking_region_polls_too(client):
    delivery = delivery_in(DeliveryStatus.PICKED_UP)
    url = reverse("delivery:track", args=[delivery.tracking_token])

    assert client.get(url, {"seen": DeliveryStatus.PICKED_UP}, **HTMX).status_code == 204
    region = client.get(url, {"seen": DeliveryStatus.ASSIGNED}, **HTMX).content.decode()
    assert region.lstrip().startswith('<section id="tracking"')


# The manifest


def test_the_manifest_is_for_staff_only(client):
    assert reverse("account_login") in client.get(MANIFEST)["Location"]
    for user in [customer_with_address(), rider()]:
        client.force_login(user)
        assert client.get(MANIFEST).status_code == 403


def _confirmed_line_totals(slot) -> dict[tuple[str, str], int]:
    lines = (
        OrderLine.objects.filter(order__delivery_date=slot.date, order__delivery_slot=slot.name)
        .exclude(order__status__in=[OrderStatus.CREATED, OrderStatus.CANCELLED])
        .values("product_name", "unit")
        .annotate(total=Sum("qty"))
    )
    return {(line["product_name"], line["unit"]): line["total"] for line in lines}


def test_manifest_totals_equal_the_sum_of_the_days_confirmed_order_lines(client, staff):
    rider()
    slot, other_slot = upcoming_slots()[:2]
    cow, curd, ghee = (
        ProductFactory(name="Cow Milk", unit="1 L"),
        ProductFactory(name="Curd", unit="400 g"),
        ProductFactory(name="Ghee", unit="500 ml"),
    )
    place_order(slot=slot, lines=[(cow, 2), (curd, 1)])
    place_order(slot=slot, lines=[(cow, 3)])
    delivery_in(DeliveryStatus.DELIVERED, slot=slot, lines=[(curd, 4)])
    place_order(slot=slot, lines=[(ghee, 1)], method=PaymentMethod.CARD)  # unpaid: not confirmed
    order_cancel(order=place_order(slot=slot, lines=[(ghee, 2)]), by=None, reason="test")
    place_order(slot=other_slot, lines=[(cow, 7)])

    response = client.get(MANIFEST, {"date": slot.date.isoformat(), "slot": slot.name})

    manifest = response.context["manifest"]
    assert {(line.product_name, line.unit): line.qty for line in manifest.packing} == _confirmed_line_totals(slot)
    assert _confirmed_line_totals(slot) == {("Cow Milk", "1 L"): 5, ("Curd", "400 g"): 5}
    assert manifest.deliveries == 3


def test_manifest_route_sheets_per_rider_with_the_unassigned_first(client, staff):
    ravi, suresh = rider(name="Ravi Kumar"), rider(name="Suresh Gowda")
    slot = upcoming_slots()[0]
    orders = [place_order(slot=slot) for _ in range(4)]
    delivery_assign(delivery=orders[0].delivery, rider=None)

    response = client.get(MANIFEST, {"date": slot.date.isoformat(), "slot": slot.name})

    sheets = response.context["manifest"].sheets
    assert [sheet.rider for sheet in sheets] == [None, ravi, suresh]
    assert [len(sheet.run.deliveries) for sheet in sheets] == [1, 1, 2]  # Ravi's first went back to the pool
    page = response.content.decode()
    assert "1 without a rider" in page and "rider__isnull=True" in page
    assert page.index("Unassigned") < page.index("Ravi Kumar") < page.index("Suresh Gowda")


def test_manifest_csv_downloads(client, staff):
    rider(name="Ravi Kumar")
    customer = customer_with_address(name="=HYPERLINK(evil)")
    slot = upcoming_slots()[0]
    place_order(user=customer, slot=slot, lines=[(ProductFactory(name="Cow Milk", unit="1 L"), 2)])
    params = {"date": slot.date.isoformat(), "slot": slot.name}

    routes = client.get(MANIFEST, {**params, "csv": "routes"})
    packing = client.get(MANIFEST, {**params, "csv": "packing"})

    assert routes["Content-Type"] == "text/csv; charset=utf-8"
    assert f"manifest-{slot.date.isoformat()}-{slot.name.lower()}-routes.csv" in routes["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(routes.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Rider", "Stop", "Route stop", "Order"]
    assert rows[1][0] == "Ravi Kumar" and rows[1][1] == "1" and rows[1][2] == "1"
    assert rows[1][5] == "'=HYPERLINK(evil)"  # never run as a spreadsheet formula
    assert rows[1][rows[0].index("Cash to collect")] == "64.00"
    assert list(csv.reader(io.StringIO(packing.content.decode("utf-8-sig")))) == [
        ["Product", "Unit", "Quantity", "Orders"],
        ["Cow Milk", "1 L", "2", "1"],
    ]


def test_the_manifest_defaults_to_a_slot_of_today_and_prints(client, staff):
    response = client.get(MANIFEST)

    page = response.content.decode()
    assert response.status_code == 200
    assert "data-print" in page and "delivery/manifest.js" in page
    assert "No deliveries in this slot." in page


# Constant queries


@pytest.fixture
def many_deliveries(settings):
    settings.DELIVERY_SLOT_CAPACITY = 500

    def make(count: int, rider_user):
        slot = upcoming_slots()[0]
        products = [ProductFactory(stock=1000) for _ in range(3)]
        for n in range(count):
            place_order(slot=slot, lines=[(products[n % 3], 1), (products[(n + 1) % 3], 2)])
        assert Delivery.objects.filter(rider=rider_user).count() == count
        return slot

    return make


@pytest.mark.parametrize("count", [5, 100])
def test_the_rider_page_queries_do_not_grow_with_deliveries(
    client, ravi, many_deliveries, django_assert_max_num_queries, count
):
    slot = many_deliveries(count, ravi)

    with django_assert_max_num_queries(6):
        response = client.get(RIDER, {"date": slot.date.isoformat()})

    assert response.content.decode().count('<article id="delivery-') == count


@pytest.mark.parametrize("count", [5, 100])
def test_a_riders_tap_queries_do_not_grow_with_deliveries(
    client, ravi, many_deliveries, django_assert_max_num_queries, count
):
    many_deliveries(count, ravi)
    delivery = Delivery.objects.first()

    with django_assert_max_num_queries(25):
        response = client.post(move_url(delivery), {"to": DeliveryStatus.PICKED_UP}, **HTMX)

    assert response.status_code == 200


@pytest.mark.parametrize("count", [5, 100])
def test_the_manifest_queries_do_not_grow_with_deliveries(
    client, staff, many_deliveries, django_assert_max_num_queries, count
):
    slot = many_deliveries(count, rider())

    with django_assert_max_num_queries(5):
        response = client.get(MANIFEST, {"date": slot.date.isoformat(), "slot": slot.name})
    with django_assert_max_num_queries(5):
        client.get(MANIFEST, {"date": slot.date.isoformat(), "slot": slot.name, "csv": "routes"})

    assert response.context["manifest"].deliveries == count
    assert sum(line.qty for line in response.context["manifest"].packing) == 3 * count


def test_the_cash_field_is_left_for_the_rider_to_fill_with_the_amount_due_as_a_plain_number_hint(client, ravi):
    delivery = delivery_in(
        DeliveryStatus.IN_TRANSIT, lines=[(ProductFactory(price=Decimal("1234.50")), 1)], method="CASH"
    )

    page = client.get(RIDER, {"date": day_of(delivery)}).content.decode()

    field = page[page.index(f'<input id="cash-{delivery.pk}"') :].split(">", 1)[0]
    assert 'placeholder="1234.50" required' in field
    assert "value=" not in field
