"""A signed-in customer's cart and order pages are kept in memory, and drawn again as soon as anything on them changes."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from catalog.models import Product
from catalog.tests.factories import ProductFactory
from delivery.models import DeliveryStatus
from delivery.services import delivery_assign
from delivery.tests.factories import place_order_today, rider
from orders.models import Order
from orders.tests.factories import cart_with, customer_with_address
from orders.workflows import delivery_transition, order_cancel

pytestmark = pytest.mark.django_db

CART = reverse("cart:detail")


@pytest.fixture(autouse=True)
def personal_pages_kept(settings):
    settings.CACHE_PERSONAL_PAGES = True


@pytest.fixture
def customer(client):
    user = customer_with_address(name="Asha Rao")
    client.force_login(user)
    return user


@pytest.fixture
def order(customer):
    return place_order_today(user=customer)


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_second_look_at_an_order_costs_only_the_sign_in_queries(client, order, django_assert_max_num_queries):
    first = page(client, order.get_absolute_url())

    with django_assert_max_num_queries(2):  # the session (unless it is in Redis) and the user
        second = page(client, order.get_absolute_url())

    per_request = re.compile(r'(?:value=|nonce=|"X-CSRFToken": )"([A-Za-z0-9_-]{20,})"')
    assert per_request.sub("", first) == per_request.sub("", second)
    assert per_request.findall(first) != per_request.findall(second)
    assert "-of-this-request" not in second


def test_nobody_else_gets_a_customers_kept_page(client, order):
    page(client, order.get_absolute_url())
    page(client, CART)
    other = Client()
    other.force_login(customer_with_address(name="Ravi Kumar"))

    assert other.get(order.get_absolute_url()).status_code == 404
    cart = other.get(CART).content.decode()
    assert "Asha" not in cart
    assert "Ravi" in cart
    assert Client().get(order.get_absolute_url()).status_code == 302  # to the log-in page


def cancel(order):
    order_cancel(order=order, by=None, reason="Changed my mind")


def pick_up(order):
    delivery = delivery_assign(delivery=order.delivery, rider=rider())
    delivery_transition(delivery=delivery, to=DeliveryStatus.PICKED_UP)


def bulk_update(order):
    Order.objects.filter(pk=order.pk).update(instructions="Ring twice")


def fill_cart_elsewhere(order):
    cart_with(order.user, (ProductFactory(name="Paneer 200 g"), 3))


def rename(order):
    order.user.name = "Meera Menon"
    order.user.save()


def rename_in_bulk(order):
    User.objects.filter(pk=order.user_id).update(name="Meera Menon")


@pytest.mark.parametrize(
    ("change", "shows"),
    [
        (cancel, '<span class="status status-cancelled">'),
        (pick_up, "Picked up from the dairy"),
        (bulk_update, "Ring twice"),
        (fill_cart_elsewhere, '<span class="badge cart-count">3<'),
        (rename, "Meera"),
        (rename_in_bulk, "Meera"),
    ],
    ids=[
        "order cancelled",
        "delivery picked up",
        "bulk update",
        "cart filled elsewhere",
        "customer renamed",
        "customer renamed in bulk",
    ],
)
def test_the_order_page_follows_every_change_at_once(client, order, change, shows):
    assert shows not in page(client, order.get_absolute_url())

    change(order)

    assert shows in page(client, order.get_absolute_url())


def test_the_cart_page_follows_the_customers_changes_and_the_catalogs(client, customer):
    milk = ProductFactory(name="Cow Milk", price=Decimal("32.00"), stock=10)
    client.post(reverse("cart:add", args=[milk.pk]), {"qty": "2"})
    page(client, CART)  # the message "Added …" is shown (and the page not kept) once
    assert "₹64.00" in page(client, CART)

    client.post(reverse("cart:update", args=[milk.pk]), {"qty": "3"})
    page(client, CART)
    assert "₹96.00" in page(client, CART)

    Product.objects.filter(pk=milk.pk).update(price=Decimal("30.00"))
    assert "₹90.00" in page(client, CART)

    client.post(reverse("cart:remove", args=[milk.pk]))
    page(client, CART)
    assert "Your cart is empty" in page(client, CART)


def test_a_waiting_message_is_shown_once_on_a_kept_page(client, customer):
    milk = ProductFactory(name="Cow Milk")
    page(client, CART)
    client.post(reverse("cart:add", args=[milk.pk]), {"qty": "1"})

    assert "Added 1 × Cow Milk to your cart." in page(client, CART)
    assert "Added 1 × Cow Milk" not in page(client, CART)


def test_staff_always_get_a_fresh_page(client, staff, django_assert_max_num_queries):
    page(client, CART)
    cart_with(staff, (ProductFactory(name="Paneer 200 g"), 1))

    assert "Paneer 200 g" in page(client, CART)
