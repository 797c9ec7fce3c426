"""A customer checks out in headless Chromium: once paying online through the demo gateway, once in cash."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from catalog.tests.factories import CategoryFactory, ProductFactory
from orders.models import Order
from orders.tests.factories import customer_with_address, delivery_zone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def shop(live_server, page: Page):
    delivery_zone()
    customer = customer_with_address(email="anita@example.in", name="Anita Desai")
    milk = CategoryFactory(name="Milk")
    ProductFactory(name="Cow Milk", category=milk, price=Decimal("62.00"), stock=20)
    ProductFactory(name="Buffalo Milk", category=milk, price=Decimal("74.00"), stock=20)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("anita@example.in")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("Welcome back, Anita.")).to_be_visible()
    return customer


def fill_cart_and_open_checkout(page: Page):
    page.get_by_role("button", name="Add to cart: Cow Milk").click()
    expect(page.locator(".cart-count")).to_have_text("1")
    page.get_by_role("button", name="Add to cart: Buffalo Milk").click()
    expect(page.locator(".cart-count")).to_have_text("2")
    page.locator("#cart-link").click()
    page.get_by_role("button", name="Check out").click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    expect(page.locator(".cart-total")).to_contain_text("₹136.00")


def test_checkout_with_the_demo_gateway_confirms_the_order(shop, page: Page):
    fill_cart_and_open_checkout(page)
    page.get_by_label("UPI").check()
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_role("heading", name="Pay ₹136.00")).to_be_visible()
    page.get_by_role("button", name="Approve payment").click()

    order = Order.objects.get()
    expect(page).to_have_url(f"{page.url.split('/orders/')[0]}/orders/{order.number}/")
    expect(page.get_by_text("Payment of ₹136.00 received.")).to_be_visible()
    expect(page.locator(".status")).to_have_text("Confirmed")
    timeline = page.get_by_role("list").filter(has_text="Order placed")
    expect(timeline).to_contain_text("Awaiting payment")
    expect(timeline).to_contain_text("Paid by UPI")
    expect(page.get_by_role("link", name=re.compile(r"^Bill of supply BOS.[0-9]{4}.00001$"))).to_be_visible()


def test_checkout_with_cash_on_delivery(shop, page: Page):
    fill_cart_and_open_checkout(page)
    page.get_by_label("Cash on delivery").check()
    page.get_by_role("button", name="Place order").click()

    order = Order.objects.get()
    expect(page.get_by_text(f"Order {order.number} is confirmed")).to_be_visible()
    expect(page.locator(".status")).to_have_text("Confirmed")
    expect(page.get_by_text("Payment: Cash on delivery, pending")).to_be_visible()
    expect(page.locator(".cart-count")).to_have_text("0")
