"""A visitor shops in headless Chromium: filters, adds, changes a quantity, all without page loads."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from catalog.tests.factories import CategoryFactory, ProductFactory
from orders.tests.factories import place_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_filters_adds_two_products_and_changes_a_quantity(live_server, page: Page):
    milk, curd = CategoryFactory(name="Milk"), CategoryFactory(name="Curd")
    cow = ProductFactory(name="Cow Milk", category=milk, price=Decimal("32.00"), stock=10)
    ProductFactory(name="Buffalo Milk", category=milk, price=Decimal("38.00"), stock=10)
    ProductFactory(name="Fresh Curd", category=curd, price=Decimal("35.00"), stock=10)

    page.goto(live_server.url)
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Category").select_option("milk")
    expect(page).to_have_url(f"{live_server.url}/?q=&category=milk")
    expect(page.locator("#product-list")).not_to_contain_text("Fresh Curd")

    page.get_by_role("button", name="Add to cart: Cow Milk, 500 ml").click()
    expect(page.get_by_text("Added 1 × Cow Milk to your cart.")).to_be_visible()
    page.get_by_role("button", name="Add to cart: Buffalo Milk, 500 ml").click()
    expect(page.locator(".cart-count")).to_have_text("2")
    assert page.evaluate("window.notReloaded") is True

    page.locator("#cart-link").click()
    expect(page.locator(".cart-total")).to_contain_text("₹70.00")
    page.evaluate("window.notReloaded = true")

    page.get_by_label("Quantity of Cow Milk").fill("3")
    page.get_by_label("Quantity of Cow Milk").press("Tab")

    expect(page.locator(".cart-total")).to_contain_text("₹134.00")
    expect(page.locator(".cart-count")).to_have_text("4")
    expect(page.locator(".cart-items")).to_have_text("4")
    assert page.evaluate("window.notReloaded") is True

    # Someone else bought most of the milk since this page was drawn.
    place_order(lines=[(cow, 8)])
    page.get_by_label("Quantity of Cow Milk").fill("4")
    page.get_by_label("Quantity of Cow Milk").press("Tab")
    expect(page.get_by_role("alert")).to_contain_text("Only 2 of Cow Milk left in stock.")
    expect(page.locator(".cart-total")).to_contain_text("₹134.00")
    expect(page.locator("#cart")).to_contain_text("Only 2 left: lower the quantity to check out.")
