"""On a phone-sized screen in headless Chromium: a rider delivers, and the customer's open order page follows."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.tests.factories import PASSWORD
from catalog.tests.factories import ProductFactory
from delivery.models import DeliveryStatus
from delivery.tests.factories import place_order_today, rider
from orders.models import Order, OrderStatus
from orders.tests.factories import customer_with_address
from payments.models import PaymentMethod, PaymentStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text(re.compile("Welcome back"))).to_be_visible()


def test_a_rider_picks_up_and_delivers_and_the_customer_sees_it_delivered(live_server, browser: Browser):
    rider(email="ravi@example.in", name="Ravi Kumar")
    customer = customer_with_address(email="asha@example.in", name="Asha Rao", phone="+919876543210")
    milk = ProductFactory(name="Cow Milk", unit="1 L", price=Decimal("62.00"), stock=20)
    order = place_order_today(user=customer, lines=[(milk, 2)], method=PaymentMethod.CASH)
    errors = []

    # The customer watches their order page on their own phone.
    customer_page = browser.new_context(viewport=PHONE).new_page()
    customer_page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    sign_in(customer_page, live_server.url, "asha@example.in")
    customer_page.goto(f"{live_server.url}{order.get_absolute_url()}")
    expect(customer_page.locator(".status")).to_have_text("Confirmed")
    expect(customer_page.locator("#delivery-tracking")).to_contain_text("Scheduled")
    code = customer_page.locator(".delivery-code strong").inner_text()  # what Asha tells the rider at the door

    page = browser.new_context(viewport=PHONE).new_page()
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    sign_in(page, live_server.url, "ravi@example.in")
    page.get_by_role("link", name="Deliveries").click()
    page.evaluate("window.loadedOnce = true")

    card = page.locator("article.delivery-card", has_text="Asha Rao")
    expect(card).to_contain_text("2 × Cow Milk")
    expect(card).to_contain_text("Collect ₹124.00 cash")
    expect(card.get_by_role("button", name=re.compile("Call Asha Rao"))).to_have_attribute("href", "tel:+919876543210")
    expect(page.locator("#rider-progress")).to_contain_text("0 done")

    card.get_by_role("button", name="Picked up").click()
    expect(card.locator(".delivery-badge")).to_have_text("Picked up")
    card.get_by_role("button", name="On my way").click()
    expect(card.locator(".delivery-badge")).to_have_text("On the way")
    card.get_by_label("Cash collected (₹)").fill("124.00")
    card.get_by_label("Delivery code").fill(code)
    card.get_by_role("button", name="Delivered, cash collected").click()

    expect(card.locator(".delivery-badge")).to_have_text("Delivered")
    expect(card).to_contain_text("₹124.00 cash collected")
    expect(page.locator("#rider-progress")).to_contain_text("1 done")
    expect(page.locator("#rider-progress")).to_contain_text("₹124.00 cash collected")
    assert page.evaluate("window.loadedOnce") is True  # every tap swapped the card, no page load
    box = card.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"]

    # The customer's open page updates itself, then stops polling.
    expect(customer_page.locator(".status")).to_have_text("Delivered", timeout=15_000)
    expect(customer_page.locator("#delivery-tracking")).to_contain_text("Delivered")
    expect(customer_page.locator("#order-status")).to_contain_text("paid")
    expect(customer_page.locator("#delivery-tracking")).not_to_have_attribute("hx-trigger", "every 10s")
    customer_page.reload()
    expect(customer_page.locator(".status")).to_have_text("Delivered")

    order = Order.objects.get(pk=order.pk)
    assert (order.status, order.payment_status) == (OrderStatus.DELIVERED, PaymentStatus.SUCCESS)
    assert order.delivery.status == DeliveryStatus.DELIVERED
    assert errors == []  # among others, no Content Security Policy violation
