from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.formats import date_format

from catalog.models import Product
from catalog.services import product_update
from catalog.tests.factories import CategoryFactory, ProductFactory, slots_apart
from delivery.slots import upcoming_slots
from orders.tests.factories import place_order

pytestmark = pytest.mark.django_db

CATALOG = reverse("catalog:catalog")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def shelf():
    milk = CategoryFactory(name="Milk")
    curd = CategoryFactory(name="Curd")
    return {
        "cow": ProductFactory(name="Cow Milk", category=milk, stock=10),
        "buffalo": ProductFactory(name="Buffalo Milk", category=milk, stock=0),
        "toned": ProductFactory(name="Toned Milk", category=milk, stock=5, is_active=False),
        "curd": ProductFactory(name="Fresh Curd", category=curd, stock=3),
        "lassi": ProductFactory(name="Mango Lassi", category=CategoryFactory(name="Drinks"), stock=7),
    }


def listed(response) -> set[str]:
    return {product.name for product in response.context["page"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"Cow Milk", "Buffalo Milk", "Fresh Curd", "Mango Lassi"}),
        ({"category": "milk"}, {"Cow Milk", "Buffalo Milk"}),
        ({"q": "milk"}, {"Cow Milk", "Buffalo Milk"}),
        ({"q": "CURD"}, {"Fresh Curd"}),
        ({"in_stock": "on"}, {"Cow Milk", "Fresh Curd", "Mango Lassi"}),
        ({"category": "milk", "in_stock": "on"}, {"Cow Milk"}),
        ({"category": "milk", "q": "lassi"}, set()),
        ({"category": "no-such-category", "q": "lassi"}, {"Mango Lassi"}),
    ],
)
def test_filters_and_search_return_exactly_the_right_products(client, shelf, query, expected):
    assert listed(client.get(CATALOG, query)) == expected


def test_inactive_products_are_not_listed_but_their_page_says_unavailable(client, shelf):
    response = client.get(reverse("catalog:product", args=[shelf["toned"].slug]))

    assert response.status_code == 200
    assert "no longer available" in response.content.decode()
    assert reverse("cart:add", args=[shelf["toned"].pk]) not in response.content.decode()


def test_out_of_stock_products_are_shown_as_such_without_an_add_button(client, shelf):
    page = client.get(CATALOG, {"category": "milk"}).content.decode()

    assert "Out of stock" in page
    assert reverse("cart:add", args=[shelf["buffalo"].pk]) not in page
    assert reverse("cart:add", args=[shelf["cow"].pk]) in page


def test_htmx_filter_request_returns_only_the_product_list(client, shelf):
    response = client.get(CATALOG, {"q": "curd"}, **HTMX)

    page = response.content.decode()
    assert page.lstrip().startswith('<section id="product-list"')
    assert "<html" not in page
    assert "Fresh Curd" in page
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_plain_filter_request_returns_the_whole_page(client, shelf):
    page = client.get(CATALOG, {"q": "curd"}).content.decode()

    assert "<html" in page
    assert 'id="product-list"' in page
    assert 'value="curd"' in page


def test_history_restore_gets_the_whole_page(client, shelf):
    page = client.get(CATALOG, {"q": "curd"}, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX).content.decode()

    assert "<html" in page


def test_catalog_is_paginated_and_keeps_the_filters(client, settings):
    settings.CATALOG_PAGE_SIZE = 2
    milk = CategoryFactory(name="Milk")
    for n in range(5):
        ProductFactory(name=f"Milk {n}", category=milk)

    response = client.get(CATALOG, {"category": "milk", "page": 3})

    assert listed(response) == {"Milk 4"}
    assert "Page 3 of 3" in response.content.decode()
    assert "?category=milk&amp;page=2" in response.content.decode()


def test_product_page_shows_price_in_rupees_and_add_to_cart(client, shelf):
    page = client.get(reverse("catalog:product", args=[shelf["cow"].slug])).content.decode()

    assert "₹32.00" in page
    assert 'name="qty"' in page
    assert reverse("cart:add", args=[shelf["cow"].pk]) in page


def test_subscribable_products_have_a_place_to_subscribe(client):
    product = ProductFactory(subscribable=True)

    page = client.get(reverse("catalog:product", args=[product.slug])).content.decode()

    assert 'class="subscribe-slot"' in page


def test_unknown_product_is_404(client):
    assert client.get(reverse("catalog:product", args=["no-such-milk"])).status_code == 404


@pytest.mark.parametrize("count", [5, 100])
def test_catalog_page_queries_do_not_grow_with_products(client, django_assert_max_num_queries, count):
    categories = [CategoryFactory(name=f"Shelf {n}") for n in range(3)]
    for n in range(count):
        ProductFactory(category=categories[n % 3])

    with django_assert_max_num_queries(4):
        response = client.get(CATALOG)

    assert response.status_code == 200


def test_the_cached_product_list_follows_price_and_stock_changes(client):
    milk = ProductFactory(name="Cow Milk", price=Decimal("32.00"), stock=3)
    assert "₹32.00" in client.get(CATALOG).content.decode()

    product_update(product=milk, price=Decimal("35.00"))
    assert "₹35.00" in client.get(CATALOG).content.decode()

    place_order(lines=[(milk, 3)])
    assert "Out of stock" in client.get(CATALOG).content.decode()


def test_a_perishable_sells_while_the_next_delivery_date_has_supply_left(client):
    fresh = ProductFactory(name="Fresh Milk", perishable=True, daily_supply=5)
    first, later = slots_apart()
    place_order(lines=[(fresh, 5)], slot=later)
    place_order(lines=[(fresh, 4)], slot=first)

    assert reverse("cart:add", args=[fresh.pk]) in client.get(CATALOG).content.decode()
    assert f"1 left for {date_format(first.date, 'D j M')}" in client.get(fresh.get_absolute_url()).content.decode()


def test_a_perishable_sold_out_for_the_next_date_can_still_be_had_for_a_later_one(client):
    fresh = ProductFactory(name="Fresh Milk", perishable=True, daily_supply=5)
    day = place_order(lines=[(fresh, 5)]).delivery_date

    page = client.get(fresh.get_absolute_url()).content.decode()
    assert f"Sold out for {date_format(day, 'D j M')}" in page
    assert f"5 left for {date_format(day + timedelta(days=1), 'D j M')}" in page
    assert reverse("cart:add", args=[fresh.pk]) in client.get(CATALOG).content.decode()


def test_a_perishable_sold_out_for_every_open_date_cannot_be_added(client, settings):
    settings.DELIVERY_DAYS_AHEAD = 2  # one or two dates open, whatever the hour
    fresh = ProductFactory(name="Fresh Milk", perishable=True, daily_supply=5)
    for slot in {slot.date: slot for slot in upcoming_slots()}.values():
        place_order(lines=[(fresh, Product.objects.with_left(slot.date).get(pk=fresh.pk).available)], slot=slot)

    catalog = client.get(CATALOG).content.decode()
    assert "Sold out for the coming days" in catalog
    assert reverse("cart:add", args=[fresh.pk]) not in catalog
    assert "Sold out for every day open for orders" in client.get(fresh.get_absolute_url()).content.decode()
    assert listed(client.get(CATALOG, {"in_stock": "on"})) == set()


def test_each_visitor_gets_their_own_csrf_token_in_the_cached_list(client):
    from django.test import Client

    ProductFactory(name="Cow Milk")
    first = client.get(CATALOG)
    other = Client()
    second = other.get(CATALOG)

    def token(response):
        import re

        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)

    assert token(first) != token(second)
    assert "csrf-token-of-this-request" not in second.content.decode()
    product = ProductFactory._meta.model.objects.get()
    add = other.post(reverse("cart:add", args=[product.pk]), {"qty": "1", "csrfmiddlewaretoken": token(second)})
    assert add.status_code == 302
