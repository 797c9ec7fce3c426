"""Each zone's route: where new households join, staff reordering it (service and admin page), and the rider page,
route sheets and manifest following it from day to day."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import AddressFactory, UserFactory
from catalog.tests.factories import ProductFactory
from delivery.models import DeliveryZone, RouteStop
from delivery.routes import RouteError, route_stop_move, route_stop_place
from delivery.slots import upcoming_slots
from delivery.tests.factories import rider
from milkshop.tests.threads import run_at_once
from orders.tests.factories import cart_with, customer_with_address, delivery_zone, place_order
from orders.workflows import order_place
from payments.models import PaymentMethod
from subscriptions.generation import generate_subscription_orders
from subscriptions.tests.factories import milk, subscribe

pytestmark = pytest.mark.django_db

KORAMANGALA, ADUGODI = "560034", "560030"
RIDER = reverse("delivery:rider")
MANIFEST = reverse("delivery:manifest")


@pytest.fixture
def zone() -> DeliveryZone:
    """The test zone, serving two PIN codes."""
    zone = delivery_zone()
    zone.pincodes = f"{KORAMANGALA} {ADUGODI}"
    zone.save()
    return zone


def household(name: str, *, area: str = "Koramangala", pincode: str = KORAMANGALA, **address):
    user = UserFactory(name=name)
    AddressFactory(user=user, area=area, pincode=pincode, is_default=True, **address)
    return user


def joins(name: str, **address):
    """A new household orders, and so joins its zone's route."""
    user = household(name, **address)
    place_order(user=user)
    return user


def route_of(zone: DeliveryZone) -> list[str]:
    stops = list(RouteStop.objects.filter(zone=zone).select_related("user").order_by("position"))
    assert [stop.position for stop in stops] == list(range(1, len(stops) + 1))  # dense, from 1
    return [stop.user.name for stop in stops]


def stop_of(user, zone: DeliveryZone) -> RouteStop:
    return RouteStop.objects.select_related("user", "zone").get(user=user, zone=zone)


# Where households join


def test_new_households_join_after_their_area_else_their_pin_code_else_at_the_end(zone):
    joins("Asha")  # Koramangala 560034
    joins("Bala", area="Adugodi", pincode=ADUGODI)  # a PIN code not in the route yet: at the end
    joins("Chitra", area="Ejipura")  # 560034 but another area: after the last 560034 stop
    joins("Dev")  # Koramangala 560034: after the last Koramangala stop
    joins("Esha", area="Adugodi", pincode=ADUGODI)
    joins("Farah", area="Ejipura")

    assert route_of(zone) == ["Asha", "Dev", "Chitra", "Farah", "Bala", "Esha"]
    stop = RouteStop.objects.get(zone=zone, position=4)
    assert (stop.area, stop.pincode) == ("Ejipura", KORAMANGALA)


def test_a_household_ordering_again_keeps_its_stop(zone):
    asha = joins("Asha")
    joins("Bala")

    place_order(user=asha)
    place_order(user=asha, slot=upcoming_slots()[1])

    assert route_of(zone) == ["Asha", "Bala"]


def test_newcomers_join_a_reordered_route_beside_their_neighbours(zone, staff):
    for name in ("Asha", "Bala", "Chitra"):
        joins(name)
    joins("Dev", area="Adugodi", pincode=ADUGODI)
    route_stop_place(stop=RouteStop.objects.get(zone=zone, position=4), position=1, by=staff)
    assert route_of(zone) == ["Dev", "Asha", "Bala", "Chitra"]

    joins("Esha", area="Adugodi", pincode=ADUGODI)
    joins("Farah")

    assert route_of(zone) == ["Dev", "Esha", "Asha", "Bala", "Chitra", "Farah"]


def test_two_zones_keep_routes_of_their_own(zone, staff):
    other = DeliveryZone.objects.create(name="Indiranagar", pincodes="560038")
    rider(zone=other)
    joins("Asha")
    joins("Ishaan", area="Indiranagar", pincode="560038")
    joins("Bala")
    joins("Jaya", area="Indiranagar", pincode="560038")

    route_stop_move(stop=RouteStop.objects.get(zone=other, position=2), direction="up", by=staff)

    assert route_of(zone) == ["Asha", "Bala"]
    assert route_of(other) == ["Jaya", "Ishaan"]


# Staff reordering


def test_moving_a_stop_up_and_down_swaps_it_with_its_neighbour(zone, staff):
    asha, bala, chitra = joins("Asha"), joins("Bala"), joins("Chitra")

    moved = route_stop_move(stop=stop_of(chitra, zone), direction="up", by=staff)
    assert moved.position == 2
    assert route_of(zone) == ["Asha", "Chitra", "Bala"]

    route_stop_move(stop=stop_of(asha, zone), direction="down", by=staff)
    assert route_of(zone) == ["Chitra", "Asha", "Bala"]
    assert stop_of(bala, zone).position == 3


@pytest.mark.parametrize(
    "who, direction, message",
    [
        ("Asha", "up", "Asha is already the first stop of the Koramangala route."),
        ("Bala", "down", "Bala is already the last stop of the Koramangala route."),
        ("Asha", "sideways", "Move a stop up or down."),
    ],
)
def test_a_stop_at_the_end_of_the_route_goes_no_further(zone, staff, who, direction, message):
    users = {"Asha": joins("Asha"), "Bala": joins("Bala")}

    with pytest.raises(RouteError) as refused:
        route_stop_move(stop=stop_of(users[who], zone), direction=direction, by=staff)

    assert str(refused.value) == message
    assert route_of(zone) == ["Asha", "Bala"]


def test_a_stop_goes_to_the_number_given_and_those_between_make_room(zone, staff):
    for name in ("Asha", "Bala", "Chitra", "Dev", "Esha"):
        joins(name)
    bala = RouteStop.objects.get(zone=zone, position=2)

    route_stop_place(stop=bala, position=4, by=staff)
    assert route_of(zone) == ["Asha", "Chitra", "Dev", "Bala", "Esha"]

    route_stop_place(stop=RouteStop.objects.get(zone=zone, position=5), position=1, by=staff)
    assert route_of(zone) == ["Esha", "Asha", "Chitra", "Dev", "Bala"]

    for position in (0, 6):
        with pytest.raises(RouteError, match="Choose a stop number from 1 to 5."):
            route_stop_place(stop=bala, position=position, by=staff)
    assert route_of(zone) == ["Esha", "Asha", "Chitra", "Dev", "Bala"]


def test_only_staff_allowed_to_change_routes_reorder_them(zone):
    asha = joins("Asha")
    joins("Bala")
    no_permission = UserFactory(is_staff=True)
    for who in (asha, rider(), no_permission):
        with pytest.raises(RouteError, match="Only staff who may change routes can reorder them."):
            route_stop_move(stop=stop_of(asha, zone), direction="down", by=who)
    assert route_of(zone) == ["Asha", "Bala"]


# The nightly run: many households at once


@pytest.mark.parametrize("count", [5, 50])
def test_the_nightly_run_places_many_new_households_in_queries_that_do_not_grow(
    zone, settings, django_assert_max_num_queries, count
):
    settings.DELIVERY_SLOT_CAPACITY = 500
    rider()
    joins("Early Koramangala", line1="00 Main Road")
    joins("Early Adugodi", line1="00 Main Road", area="Adugodi", pincode=ADUGODI)
    product = milk(stock=1000)
    subscriptions = []
    for n in range(count):
        address = {"area": "Adugodi", "pincode": ADUGODI} if n % 2 else {}
        user = household(f"Household {n:02}", line1=f"{n:02} Main Road", **address)
        subscriptions.append(subscribe(user=user, product=product, payment_method=PaymentMethod.CASH))
    day = subscriptions[0].start_date

    with django_assert_max_num_queries(50):
        report = generate_subscription_orders(day=day)

    assert report.created == count
    route = route_of(zone)
    adugodi = [f"Household {n:02}" for n in range(1, count, 2)]
    koramangala = [f"Household {n:02}" for n in range(0, count, 2)]
    assert route == ["Early Koramangala", *koramangala, "Early Adugodi", *adugodi]  # by PIN code, then address
    assert generate_subscription_orders(day=day + timedelta(days=1)).created == count
    assert route_of(zone) == route


@pytest.mark.django_db(transaction=True)
def test_households_checking_out_at_once_in_one_zone_each_get_their_own_stop(zone):
    """Different slots and products, so only the zone's route lock stands between them."""
    rider()
    slots = upcoming_slots()[:4]
    customers = [customer_with_address(name=f"Household {n}") for n in range(len(slots))]
    carts = [cart_with(customer, (ProductFactory(stock=5), 1)) for customer in customers]

    def checkout(customer, cart, slot):
        address = customer.addresses.get(is_default=True)
        return lambda: order_place(user=customer, cart=cart, address=address, slot=slot, method=PaymentMethod.CASH)

    outcomes = run_at_once([checkout(*args) for args in zip(customers, carts, slots, strict=True)])

    assert [outcome.error for outcome in outcomes] == [None] * len(slots)
    assert sorted(route_of(zone)) == [customer.name for customer in customers]


# The rider page, route sheets and manifest follow the route


def _slots_on_two_days():
    slots = upcoming_slots()
    first = slots[0]
    return first, next(slot for slot in slots if slot.date > first.date and slot.name == first.name)


def test_the_rider_page_route_sheets_and_csv_follow_the_route_and_keep_it_the_next_day(client, zone, staff):
    ravi = rider(name="Ravi Kumar")
    today, tomorrow = _slots_on_two_days()
    asha, bala, chitra = (household(name) for name in ("Asha", "Bala", "Chitra"))
    for user in (asha, bala, chitra):
        place_order(user=user, slot=today)
    assert route_of(zone) == ["Asha", "Bala", "Chitra"]

    route_stop_move(stop=stop_of(chitra, zone), direction="up", by=staff)
    route_stop_move(stop=stop_of(chitra, zone), direction="up", by=staff)
    for user in (asha, bala, chitra):
        place_order(user=user, slot=tomorrow)

    manifest = client.get(MANIFEST, {"date": today.date.isoformat(), "slot": today.name})
    sheet = manifest.context["manifest"].sheets[0]
    assert [delivery.order.recipient_name for delivery in sheet.run.deliveries] == ["Chitra", "Asha", "Bala"]
    assert [delivery.stop for delivery in sheet.run.deliveries] == [1, 2, 3]
    assert "route 1" in manifest.content.decode()
    routes = client.get(MANIFEST, {"date": today.date.isoformat(), "slot": today.name, "csv": "routes"})
    rows = list(csv.reader(io.StringIO(routes.content.decode("utf-8-sig"))))
    assert [(row[1], row[2], row[5]) for row in rows[1:]] == [
        ("1", "1", "Chitra"),
        ("2", "2", "Asha"),
        ("3", "3", "Bala"),
    ]

    client.force_login(ravi)
    for slot in (today, tomorrow):
        page = client.get(RIDER, {"date": slot.date.isoformat()}).content.decode()
        assert page.index("Chitra") < page.index("Asha") < page.index("Bala")
        assert "stop 1 of the route" in page


def test_households_without_a_stop_come_after_the_route_by_area_and_address(client, zone):
    ravi = rider()
    slot = upcoming_slots()[0]
    for name, area in (("Asha", "Koramangala"), ("Bala", "Adugodi"), ("Chitra", "Ejipura"), ("Dev", "Koramangala")):
        place_order(user=household(name, area=area), slot=slot)
    # As for households that ordered before routes were kept, and so have no stop.
    RouteStop.objects.filter(user__name__in=["Chitra", "Bala"]).delete()

    client.force_login(ravi)
    page = client.get(RIDER, {"date": slot.date.isoformat()}).content.decode()

    assert page.index("Asha") < page.index("Dev") < page.index("Bala") < page.index("Chitra")


# The admin page


def route_url(zone: DeliveryZone) -> str:
    return reverse("admin:delivery_deliveryzone_route", args=[zone.pk])


def test_staff_see_the_route_in_order_from_the_zone_list_and_page(client, zone, staff):
    for name in ("Asha", "Bala", "Chitra"):
        joins(name)

    listing = client.get(reverse("admin:delivery_deliveryzone_changelist")).content.decode()
    change = client.get(reverse("admin:delivery_deliveryzone_change", args=[zone.pk])).content.decode()
    page = client.get(route_url(zone))

    assert f'<a href="{route_url(zone)}">3 stops</a>' in listing
    assert f'href="{route_url(zone)}"' in change
    body = page.content.decode()
    assert page.status_code == 200
    assert body.index("Asha") < body.index("Bala") < body.index("Chitra")
    stops = RouteStop.objects.filter(zone=zone).order_by("position")
    for stop in stops:
        assert f'id="stop-{stop.pk}"' in body
        assert f'name="stop" value="{stop.pk}"' in body
    assert body.count('name="action" value="up"') == 3 and body.count("csrfmiddlewaretoken") >= 6
    assert f'<form method="post" action="{route_url(zone)}">' in body  # plain forms: no JavaScript needed


def test_staff_move_a_stop_with_a_plain_form_and_come_back_to_its_row(client, zone, staff):
    asha, bala = joins("Asha"), joins("Bala")
    stop = stop_of(bala, zone)

    response = client.post(route_url(zone), {"action": "up", "stop": stop.pk})

    assert response.status_code == 302
    assert response["Location"] == f"{route_url(zone)}#stop-{stop.pk}"
    assert route_of(zone) == ["Bala", "Asha"]
    page = client.get(response["Location"]).content.decode()
    assert "Bala is now stop 1." in page
    assert page.index(f'id="stop-{stop.pk}"') < page.index(f'id="stop-{stop_of(asha, zone).pk}"')

    client.post(route_url(zone), {"action": "place", "stop": stop.pk, "position": "2"})
    assert route_of(zone) == ["Asha", "Bala"]


def test_a_refused_move_comes_back_with_the_reason_and_changes_nothing(client, zone, staff):
    asha = joins("Asha")
    joins("Bala")

    response = client.post(route_url(zone), {"action": "up", "stop": stop_of(asha, zone).pk}, follow=True)
    missing = client.post(route_url(zone), {"action": "place", "stop": stop_of(asha, zone).pk}, follow=True)
    nonsense = client.post(route_url(zone), {"action": "sideways", "stop": "x"}, follow=True)

    assert "Asha is already the first stop of the Koramangala route." in response.content.decode()
    assert "Enter the stop number to move it to." in missing.content.decode()
    assert nonsense.status_code == 200 and "Select a valid choice." in nonsense.content.decode()
    assert route_of(zone) == ["Asha", "Bala"]


def test_unknown_zones_and_stops_of_other_zones_are_404(client, zone, staff):
    other = DeliveryZone.objects.create(name="Indiranagar", pincodes="560038")
    rider(zone=other)
    asha = joins("Asha")
    joins("Bala")
    elsewhere = joins("Ishaan", area="Indiranagar", pincode="560038")

    assert client.get(reverse("admin:delivery_deliveryzone_route", args=[999999])).status_code == 404
    assert client.post(route_url(zone), {"action": "down", "stop": stop_of(elsewhere, other).pk}).status_code == 404
    assert client.post(route_url(zone), {"action": "down", "stop": 999999}).status_code == 404
    assert client.post(route_url(other), {"action": "down", "stop": stop_of(asha, zone).pk}).status_code == 404
    assert route_of(zone) == ["Asha", "Bala"]


def test_only_staff_who_may_change_routes_reorder_them_on_the_page(client, zone):
    asha = joins("Asha")
    joins("Bala")
    move = {"action": "down", "stop": stop_of(asha, zone).pk}
    customer = UserFactory()
    bare_staff = UserFactory(is_staff=True)
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_routestop"))

    anonymous = Client().post(route_url(zone), move)
    client.force_login(customer)
    as_customer = client.post(route_url(zone), move)
    client.force_login(bare_staff)
    bare = (client.get(route_url(zone)).status_code, client.post(route_url(zone), move).status_code)
    client.force_login(viewer)
    looking = client.get(route_url(zone))
    viewer_post = client.post(route_url(zone), move)

    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/")
    assert as_customer.status_code == 302 and as_customer["Location"].startswith("/admin/login/")
    assert bare == (403, 403)
    assert looking.status_code == 200 and "Asha" in looking.content.decode()
    assert 'name="action" value="up"' not in looking.content.decode()
    assert viewer_post.status_code == 403
    assert route_of(zone) == ["Asha", "Bala"]


def test_a_move_without_the_csrf_token_is_refused(zone, staff):
    joins("Asha")
    bala = joins("Bala")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)

    response = browser.post(route_url(zone), {"action": "up", "stop": stop_of(bala, zone).pk})

    assert response.status_code == 403 and b"CSRF verification failed" in response.content
    assert route_of(zone) == ["Asha", "Bala"]


def test_staff_place_households_that_have_deliveries_but_no_stop(client, zone, staff):
    joins("Asha", line1="1 Main Road")
    joins("Bala", line1="2 Main Road", area="Adugodi", pincode=ADUGODI)
    joins("Chitra", line1="3 Main Road")
    joins("Dev", line1="4 Main Road", area="Adugodi", pincode=ADUGODI)
    # As for households that ordered before routes were kept, and so have no stop.
    RouteStop.objects.all().delete()

    page = client.get(route_url(zone)).content.decode()
    response = client.post(route_url(zone), {"action": "add_missing"}, follow=True)

    assert "4 households with deliveries in this zone have no stop yet" in page
    assert "4 households placed in the route." in response.content.decode()
    assert route_of(zone) == ["Bala", "Dev", "Asha", "Chitra"]  # by PIN code, area and street address
    assert "no stop yet" not in response.content.decode()
