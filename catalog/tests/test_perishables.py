"""Perishables sell from each delivery date's own supply: an order for one date never takes another date's."""

import pytest
from django.db.models import Sum
from django.urls import reverse

from catalog.models import DailySupply, StockMovement
from catalog.tests.factories import ProductFactory, slots_apart
from milkshop.tests.apiclient import error_of
from orders.models import Order
from orders.tests.factories import cart_with, customer_with_address, delivery_zone, place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh():
    return ProductFactory(name="Fresh Milk", perishable=True, daily_supply=5)


def supply_on(product, day) -> DailySupply:
    return DailySupply.objects.get(product=product, date=day)


def test_an_order_for_one_date_never_uses_another_dates_supply(fresh):
    first, later = slots_apart()

    place_order(lines=[(fresh, 3)], slot=first)
    place_order(lines=[(fresh, 1)], slot=later)

    assert (supply_on(fresh, first.date).ordered, supply_on(fresh, first.date).left) == (3, 2)
    assert (supply_on(fresh, later.date).ordered, supply_on(fresh, later.date).left) == (1, 4)
    fresh.refresh_from_db()
    assert fresh.stock == 0
    for slot in (first, later):
        moved = StockMovement.objects.filter(product=fresh, date=slot.date).aggregate(total=Sum("quantity"))
        assert moved["total"] == supply_on(fresh, slot.date).left


@pytest.fixture
def customer(client):
    delivery_zone()
    user = customer_with_address()
    client.force_login(user)
    return user


def checkout(client, customer, slot):
    address = customer.addresses.get(is_default=True).pk
    return client.post(reverse("orders:checkout"), {"address": address, "slot": slot.key, "method": "CASH"})


def test_checkout_for_a_sold_out_date_shows_the_line_error_and_another_date_still_sells(client, customer, fresh):
    first, later = slots_apart()
    place_order(lines=[(fresh, 5)], slot=later)
    cart_with(customer, (fresh, 2))

    refused = checkout(client, customer, later)

    page = refused.content.decode()
    assert refused.status_code == 200
    assert f"Some items in your cart cannot be ordered for {later.label}." in page
    assert "Fresh Milk is out of stock." in page
    assert not Order.objects.filter(user=customer).exists()

    placed = checkout(client, customer, first)

    order = Order.objects.get(user=customer)
    assert placed["Location"] == order.get_absolute_url()
    assert order.delivery_date == first.date
    assert (supply_on(fresh, first.date).left, supply_on(fresh, later.date).left) == (3, 0)


def test_the_api_refuses_a_sold_out_date_with_409_and_another_date_still_sells(me, fresh):
    first, later = slots_apart()
    place_order(lines=[(fresh, 4)], slot=later)
    me.post("/cart/add", {"productId": fresh.pk, "qty": 2})

    refused = me.post("/order/create", {"deliverySlot": later.starts_at.isoformat(), "paymentMethod": "CASH"})

    assert refused.status_code == 409
    assert error_of(refused)["fields"] == {f"cartItems.{fresh.pk}": ["Only 1 of Fresh Milk left."]}
    assert not Order.objects.filter(user=me.user).exists()

    placed = me.post("/order/create", {"deliverySlot": first.starts_at.isoformat(), "paymentMethod": "CASH"})

    assert placed.status_code == 201
    assert placed.json()["deliveryDate"] == first.date.isoformat()
    assert (supply_on(fresh, first.date).left, supply_on(fresh, later.date).left) == (3, 1)
