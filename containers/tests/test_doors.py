"""Empties and deposits through every door: the rider page, the manifest, the API, the admin and the customer's
cart, checkout, order, invoice and wallet pages."""

import csv
import io
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from billing.documents import document_context
from catalog.tests.factories import ProductFactory
from containers.models import ContainerMovement, DepositRelease, MovementKind
from containers.tests.factories import DEPOSIT, books, bottled_milk, deliver, glass_bottle, held, take_to_the_door
from delivery.models import Delivery, DeliveryStatus
from delivery.tests.factories import rider
from milkshop.tests.apiclient import ApiClient, error_of
from orders.models import Order
from orders.tests.factories import cart_with, customer_with_address, delivery_zone, fund_wallet, place_order
from orders.workflows import containers_record
from payments.models import PaymentMethod

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
FUNDS = Decimal("1000.00")


@pytest.fixture
def ravi():
    return rider(zone=delivery_zone(), name="Ravi Kumar")


@pytest.fixture
def customer(ravi):
    customer = customer_with_address(name="Meera Iyer")
    fund_wallet(customer, FUNDS)
    return customer


@pytest.fixture
def milk():
    return bottled_milk()


@pytest.fixture
def swap(customer, milk):
    """The customer holds 2 bottles; their next order of 2 is at the door."""
    deliver(place_order(user=customer, lines=[(milk, 2)], method=PaymentMethod.WALLET))
    order = place_order(user=customer, lines=[(milk, 2)], method=PaymentMethod.WALLET)
    return take_to_the_door(order)


def move_url(delivery) -> str:
    return reverse("delivery:rider_move", args=[delivery.pk])


def rider_page(client, delivery) -> str:
    client.force_login(delivery.rider)
    return client.get(reverse("delivery:rider"), {"date": delivery.delivery_date.isoformat()}).content.decode()


# The rider page


def test_the_delivered_form_asks_for_the_empties_with_the_expected_number_filled_in(client, swap):
    page = rider_page(client, swap)

    assert "Empties to collect: <strong>2</strong>" in page
    assert (
        f'<input id="empties-{swap.pk}" name="empties_collected" type="number" inputmode="numeric" step="1" '
        'min="0" max="4" value="2" required>'
    ) in page
    assert '<label for="empties-' in page


def test_a_first_bottled_delivery_asks_too_and_a_stop_without_bottles_does_not(client, customer, milk):
    bottled = take_to_the_door(place_order(user=customer, lines=[(milk, 2)], method=PaymentMethod.WALLET))
    other = customer_with_address()
    fund_wallet(other, FUNDS)
    plain = take_to_the_door(place_order(user=other, lines=[(ProductFactory(), 1)], method=PaymentMethod.WALLET))

    page = rider_page(client, bottled)

    assert f'id="empties-{bottled.pk}" name="empties_collected"' in page
    assert 'min="0" max="2" value="0"' in page
    assert f'id="empties-{plain.pk}"' not in page


def test_the_rider_records_fewer_empties_and_the_card_says_so(client, customer, swap):
    client.force_login(swap.rider)

    response = client.post(move_url(swap), {"to": DeliveryStatus.DELIVERED, "empties_collected": "1"}, **HTMX)

    assert response.status_code == 200, response.content.decode()
    assert "1 empty collected" in response.content.decode()
    assert held(customer, glass_bottle()) == 3


def test_without_javascript_the_expected_empties_are_taken_back(client, customer, swap):
    client.force_login(swap.rider)

    response = client.post(move_url(swap), {"to": DeliveryStatus.DELIVERED, "empties_collected": "2"})

    assert response.status_code == 302
    assert held(customer, glass_bottle()) == 2
    assert books(customer, glass_bottle()).add_up()


@pytest.mark.parametrize(
    ("empties", "message"),
    [
        ("-1", "Empties collected: Ensure this value is greater than or equal to 0."),
        ("501", "Empties collected: Ensure this value is less than or equal to 500."),
        ("two", "Empties collected: Enter a whole number."),
        ("5", "had 2 empties and was given 2 full: at most 4 can be collected, not 5."),
    ],
)
def test_impossible_empties_are_refused_on_the_card_and_nothing_is_applied(client, customer, swap, empties, message):
    client.force_login(swap.rider)
    before = books(customer, glass_bottle())

    response = client.post(move_url(swap), {"to": DeliveryStatus.DELIVERED, "empties_collected": empties}, **HTMX)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert Delivery.objects.get(pk=swap.pk).status == DeliveryStatus.IN_TRANSIT
    assert books(customer, glass_bottle()) == before


# The manifest


def test_the_manifest_shows_the_empties_expected_at_each_stop(client, staff, swap):
    query = {"date": swap.delivery_date.isoformat(), "slot": swap.slot}

    page = client.get(reverse("delivery:manifest"), query).content.decode()
    sheet = client.get(reverse("delivery:manifest"), {**query, "csv": "routes"}).content.decode("utf-8-sig")

    assert '<th scope="col" class="number">Empties</th>' in page
    assert '<td class="number"><strong>2</strong></td>' in page
    assert "empties to collect <strong>2</strong>" in page
    rows = list(csv.DictReader(io.StringIO(sheet)))
    mine = next(row for row in rows if row["Order"] == swap.order.number)
    assert (mine["Empties to collect"], mine["Empties collected"]) == ("2", "")


# The API


def test_the_api_takes_the_empties_collected(client, customer, swap):
    api = ApiClient(client).login(swap.rider.email)

    response = api.patch(
        "/delivery/update", {"deliveryId": swap.pk, "status": DeliveryStatus.DELIVERED, "emptiesCollected": 1}
    )

    assert response.status_code == 200, response.content
    assert held(customer, glass_bottle()) == 3


@pytest.mark.parametrize(("empties", "status"), [(-1, 400), (501, 400), ("lots", 400), (5, 409), (51, 409)])
def test_the_api_refuses_impossible_empties_and_applies_nothing(client, customer, swap, empties, status):
    api = ApiClient(client).login(swap.rider.email)
    before = books(customer, glass_bottle())

    response = api.patch(
        "/delivery/update", {"deliveryId": swap.pk, "status": DeliveryStatus.DELIVERED, "emptiesCollected": empties}
    )

    assert response.status_code == status
    error = error_of(response)
    if status == 400:
        assert "emptiesCollected" in error["fields"]
    else:
        assert (error["code"], "at most 4 can be collected" in error["message"]) == ("delivery_refused", True)
    assert Delivery.objects.get(pk=swap.pk).status == DeliveryStatus.IN_TRANSIT
    assert books(customer, glass_bottle()) == before


# The admin


def test_staff_record_empties_handed_in_and_the_deposit_goes_to_the_wallet(client, staff, customer, milk):
    deliver(place_order(user=customer, lines=[(milk, 2)], method=PaymentMethod.WALLET))
    bottle = glass_bottle()
    add = reverse("admin:containers_containermovement_add")

    form = client.get(add, {"user": customer.pk, "container_type": bottle.pk})
    response = client.post(
        add,
        {"user": customer.pk, "container_type": bottle.pk, "kind": MovementKind.RETURNED, "units": 2, "note": "Shop"},
        follow=True,
    )

    assert form.status_code == 200
    said = [str(message) for message in response.context["messages"]]
    assert f"{customer}: 0 × {bottle} now. ₹60.00 deposit credited to their wallet." in said
    movement = ContainerMovement.objects.get(kind=MovementKind.RETURNED)
    assert (movement.quantity, movement.by, movement.note) == (-2, staff, "Shop")
    assert books(customer, bottle).deposit_refunds == Decimal("60.00")


def test_the_admin_refuses_more_than_the_customer_holds_and_records_nothing(client, staff, customer, milk):
    deliver(place_order(user=customer, lines=[(milk, 2)], method=PaymentMethod.WALLET))
    bottle = glass_bottle()

    response = client.post(
        reverse("admin:containers_containermovement_add"),
        {"user": customer.pk, "container_type": bottle.pk, "kind": MovementKind.LOST, "units": 3},
    )

    assert response.status_code == 200
    assert "must be between 1 and 2" in response.content.decode()
    assert ContainerMovement.objects.count() == 1
    assert not DepositRelease.objects.exists()


def test_staff_see_outstanding_containers_by_customer_zone_and_rider(client, staff, customer, milk, ravi):
    deliver(place_order(user=customer, lines=[(milk, 2)], method=PaymentMethod.WALLET))
    deliver(place_order(user=customer, lines=[(milk, 2)], method=PaymentMethod.WALLET), empties=1)
    changelist = reverse("admin:containers_containerbalance_changelist")
    zone = delivery_zone()

    everyone = client.get(changelist).content.decode()
    in_zone = client.get(changelist, {"zone": zone.pk}).content.decode()
    other_rider = client.get(changelist, {"rider": rider().pk}).content.decode()
    owing = client.get(changelist, {"holding": "owed"}).content.decode()

    assert "Meera Iyer" in everyone
    assert "3 containers with the customers in this list · deposits held ₹60.00" in everyone
    assert "Meera Iyer" in in_zone
    assert "Meera Iyer" in client.get(changelist, {"rider": ravi.pk}).content.decode()
    assert "Meera Iyer" not in other_rider
    assert "Meera Iyer" in owing


def test_a_products_container_is_chosen_in_the_product_admin(client, staff):
    bottle = glass_bottle()
    product = ProductFactory()

    page = client.get(reverse("admin:catalog_product_change", args=[product.pk])).content.decode()
    form = client.get(reverse("admin:catalog_product_change", args=[product.pk])).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "image"}
    data.update({"category": product.category_id, "container": bottle.pk})
    response = client.post(reverse("admin:catalog_product_change", args=[product.pk]), data)

    assert 'name="container"' in page
    assert response.status_code == 302, response.content.decode()[:2000]
    product.refresh_from_db()
    assert product.container == bottle


# The customer's pages


def test_the_cart_and_checkout_show_the_deposit_as_its_own_line(client, customer, milk):
    cart_with(customer, (milk, 2))
    client.force_login(customer)

    cart = client.get(reverse("cart:detail")).content.decode()
    checkout = client.get(reverse("orders:checkout")).content.decode()

    assert "Glass bottle 1 L deposit × 2: <strong>₹60.00</strong>" in cart
    assert "Total: <strong>₹280.00</strong>" in cart
    assert "Glass bottle 1 L deposit × 2 <small>(₹30.00 each" in checkout
    assert "Total: <strong>₹280.00</strong>" in checkout


def test_checkout_charges_the_deposit_and_the_order_page_and_invoice_show_it(client, customer, milk):
    from delivery.selectors import open_slot_options

    cart_with(customer, (milk, 2))
    client.force_login(customer)
    slot = open_slot_options()[0].slot

    response = client.post(
        reverse("orders:checkout"),
        {"address": customer.addresses.get().pk, "slot": slot.key, "method": PaymentMethod.WALLET},
    )

    order = Order.objects.get(user=customer)
    assert response.status_code == 302, response.content.decode()
    assert order.total_amount == Decimal("280.00")
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Glass bottle 1 L deposit × 2" in page
    assert "<strong>₹60.00</strong>" in page
    document = order.tax_documents.get()
    invoice = render_to_string("billing/pdf/document.html", document_context(document=document))
    assert "Refundable container deposit (not a supply)" in invoice
    assert "Glass bottle 1 L" in invoice
    assert document.total == Decimal("220.00")  # the milk alone: a deposit is not a supply


def test_the_wallet_page_shows_the_bottles_the_deposit_held_and_its_refunds(client, customer, milk):
    deliver(place_order(user=customer, lines=[(milk, 2)], method=PaymentMethod.WALLET))
    deliver(place_order(user=customer, lines=[(milk, 1)], method=PaymentMethod.WALLET))
    client.force_login(customer)

    page = client.get(reverse("payments:wallet")).content.decode()

    assert "You have <strong>1</strong> × Glass bottle 1 L" in page
    assert "deposit held <strong>₹30.00</strong>" in page
    assert "Deposit refund <small>Deposit back: 1 × Glass bottle 1 L returned" in page
    assert books(customer, glass_bottle()).deposit_refunds == DEPOSIT


def test_a_cached_cart_is_drawn_again_when_only_the_containers_change(client, settings, customer, milk):
    settings.CACHE_PERSONAL_PAGES = True
    deliver(place_order(user=customer, lines=[(milk, 2)], method=PaymentMethod.WALLET))
    cart_with(customer, (milk, 2))
    client.force_login(customer)
    assert "deposit ×" not in client.get(reverse("cart:detail")).content.decode()  # two empties to swap

    containers_record(customer=customer, container_type=glass_bottle(), kind=MovementKind.RETURNED, qty=2, by=None)

    assert "Glass bottle 1 L deposit × 2" in client.get(reverse("cart:detail")).content.decode()


def test_the_product_page_tells_of_the_bottle_and_its_deposit(client, milk):
    page = client.get(milk.get_absolute_url()).content.decode()

    assert "Comes in a returnable Glass bottle 1 L: ₹30.00 deposit for each one" in page
