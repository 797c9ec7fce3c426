"""The products API: what is left to sell, and staff changes recorded as stock movements."""

from decimal import Decimal

import pytest

from catalog.models import MovementKind, Product, StockMovement
from catalog.tests.factories import CategoryFactory, ProductFactory, slots_apart
from milkshop.tests.apiclient import ApiClient
from orders.tests.factories import place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh():
    return ProductFactory(name="Fresh Milk", category=CategoryFactory(name="Milk"), perishable=True, daily_supply=5)


def listed_stock(client, **params) -> dict[str, int]:
    return {p["name"]: p["stock"] for p in ApiClient(client).get("/products", params).json()}


def test_a_perishable_shows_what_is_left_for_a_chosen_delivery_date(client, fresh):
    first, later = slots_apart()
    place_order(lines=[(fresh, 5)], slot=later)
    place_order(lines=[(fresh, 2)], slot=first)

    assert listed_stock(client, date=first.date.isoformat()) == {"Fresh Milk": 3}
    assert listed_stock(client, date=later.date.isoformat()) == {"Fresh Milk": 0}


def test_without_a_date_a_perishable_shows_the_most_left_for_any_open_date(client, fresh):
    first, later = slots_apart()
    place_order(lines=[(fresh, 5)], slot=first)
    place_order(lines=[(fresh, 1)], slot=later)

    assert listed_stock(client) == {"Fresh Milk": 5}  # the dates with nothing sold yet still have all 5
    assert ApiClient(client).get(f"/products/{fresh.pk}").json()["stock"] == 5
    assert listed_stock(client, date=first.date.isoformat(), inStock="true") == {}


@pytest.fixture
def staff_api(client, staff):
    return ApiClient(client).login(staff.email)


def test_a_stock_figure_sent_by_staff_is_recorded_as_a_count_after_the_sales(staff_api, staff):
    ghee = ProductFactory(stock=20)
    place_order(lines=[(ghee, 2)])

    response = staff_api.patch("/product/update", {"productId": ghee.pk, "stock": 15})

    assert response.status_code == 200
    assert response.json()["stock"] == 15
    counted = StockMovement.objects.filter(product=ghee).first()
    assert (counted.kind, counted.quantity, counted.by) == (MovementKind.COUNTED, -3, staff)
    assert sum(ghee.movements.values_list("quantity", flat=True)) == Product.objects.get(pk=ghee.pk).stock == 15


def test_a_price_change_leaves_stock_sold_since_alone(staff_api):
    ghee = ProductFactory(stock=20)
    place_order(lines=[(ghee, 2)])

    staff_api.patch("/product/update", {"productId": ghee.pk, "price": "340.00"})

    ghee.refresh_from_db()
    assert (str(ghee.price), ghee.stock) == ("340.00", 18)
    assert not ghee.movements.filter(kind=MovementKind.COUNTED).exists()


def test_a_new_products_opening_stock_is_recorded_as_received(staff_api, staff):
    CategoryFactory(name="Ghee")
    body = {"name": "Desi Ghee", "category": "Ghee", "unit": "500 g", "price": "320.00", "stock": 12}

    response = staff_api.post("/product/add", body)

    assert response.status_code == 201
    product = Product.objects.get(pk=response.json()["productId"])
    opening = product.movements.get()
    assert (product.stock, opening.kind, opening.quantity, opening.by) == (12, MovementKind.RECEIVED, 12, staff)


def test_a_new_perishable_sells_its_daily_supply(staff_api):
    CategoryFactory(name="Milk")
    body = {"name": "A2 Milk", "category": "Milk", "unit": "500 ml", "price": "45.00", "perishable": True}

    response = staff_api.post("/product/add", {**body, "dailySupply": 40})

    assert response.status_code == 201
    assert (response.json()["stock"], response.json()["dailySupply"]) == (40, 40)
    assert Product.objects.get(pk=response.json()["productId"]).stock == 0


def test_a_stock_figure_for_a_perishable_is_refused_with_what_to_do_instead(staff_api, fresh):
    response = staff_api.patch("/product/update", {"productId": fresh.pk, "stock": 15, "price": "40.00"})

    assert response.status_code == 409
    assert "set a date's supply instead" in response.json()["error"]["message"]
    fresh.refresh_from_db()
    assert fresh.price != Decimal("40.00")  # refused whole
    assert not StockMovement.objects.filter(product=fresh, kind=MovementKind.COUNTED).exists()
