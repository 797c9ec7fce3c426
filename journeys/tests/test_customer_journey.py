"""A new customer's whole first week in headless Chromium, through the real pages only.

Sign up, find milk in the catalog, pay for an order by card on the demo gateway, watch the rider (in a second
browser, on the rider's own page) deliver it, subscribe to daily milk, skip a day, go on vacation, top up the wallet.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from catalog.tests.factories import CategoryFactory, ProductFactory
from delivery.models import DeliveryStatus
from delivery.tests.factories import rider
from journeys.tests.shop import DESKTOP, PHONE, console_errors, sign_in
from orders.models import Order, OrderStatus
from orders.tests.factories import TEST_PINCODE, delivery_zone
from payments.models import PaymentMethod, PaymentStatus
from payments.selectors import wallet_balance
from subscriptions.models import SkippedDate, Subscription, Vacation
from subscriptions.services import first_changeable_date

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "milk-before-breakfast-2026"


def day_cell(page: Page, day):
    spoken = page.locator(".visually-hidden", has_text=f"{day:%A} {day.day} {day:%B}:")  # the screen reader's name
    return page.locator(".calendar-day").filter(has=spoken)


def open_account_menu(page: Page, link: str) -> None:
    page.locator("details.dropdown > summary").click()
    page.get_by_role("link", name=link).click()


def test_a_new_customer_orders_gets_it_delivered_subscribes_and_tops_up(live_server, browser: Browser):
    delivery_zone()
    rider(email="ravi@example.in", name="Ravi Kumar")
    milk, curd = CategoryFactory(name="Milk"), CategoryFactory(name="Curd")
    ProductFactory(name="Cow Milk", unit="1 L", category=milk, price=Decimal("62.00"), stock=30, subscribable=True)
    ProductFactory(name="Buffalo Milk", unit="500 ml", category=milk, price=Decimal("38.00"), stock=30)
    ProductFactory(name="Fresh Curd", unit="400 g", category=curd, price=Decimal("45.00"), stock=30)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors = console_errors(page)

    # Sign up.
    page.goto(live_server.url)
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Name").fill("Kavya Reddy")
    page.get_by_label("Email").fill("kavya@example.in")
    page.get_by_label("Phone").fill("98450 67890")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again):").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_text("Welcome back, Kavya.")).to_be_visible()

    # Browse: the category filter, then a search within it, then the product's own page.
    page.get_by_label("Category").select_option("milk")
    expect(page.locator("#product-list")).not_to_contain_text("Fresh Curd")
    expect(page.locator(".result-count")).to_have_text("2 products")
    page.get_by_role("searchbox").fill("cow")
    expect(page.locator(".result-count")).to_have_text("1 product")
    expect(page.locator("#product-list")).not_to_contain_text("Buffalo Milk")
    page.get_by_role("link", name="Cow Milk").click()
    expect(page.get_by_role("heading", name="Cow Milk", level=1)).to_be_visible()
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart: Cow Milk, 1 L").click()
    expect(page.locator(".cart-count")).to_have_text("2")

    # Cart, then checkout: a first-time customer adds the address on the way.
    page.locator("#cart-link").click()
    expect(page.locator(".cart-total")).to_contain_text("₹124.00")
    page.get_by_role("button", name="Check out").click()
    expect(page.get_by_text("You have no delivery address yet.")).to_be_visible()
    page.get_by_role("link", name="Add a new address").click()
    form = page.get_by_role("form", name="New address")
    form.get_by_label("Address line 1").fill("14 Jyoti Nivas Road")
    form.get_by_label("Area").fill("Koramangala")
    form.get_by_label("City").fill("Bengaluru")
    form.get_by_label("PIN code").fill(TEST_PINCODE)
    form.get_by_role("button", name="Save address").click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    expect(page.get_by_label(re.compile("14 Jyoti Nivas Road"))).to_be_checked()
    page.get_by_label("Card").check()
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_role("heading", name="Pay ₹124.00")).to_be_visible()
    page.get_by_role("button", name="Approve payment").click()
    order = Order.objects.get(user__email="kavya@example.in")
    expect(page).to_have_url(f"{live_server.url}/orders/{order.number}/")
    expect(page.get_by_text("Payment of ₹124.00 received.")).to_be_visible()
    expect(page.locator(".status")).to_have_text("Confirmed")
    expect(page.locator("#order-status")).to_contain_text("Card, paid")
    expect(page.locator("#delivery-tracking")).to_contain_text("Scheduled")

    # The zone's rider delivers it from the rider page, on another phone.
    rider_page = browser.new_context(viewport=PHONE).new_page()
    errors += console_errors(rider_page)
    sign_in(rider_page, live_server.url, "ravi@example.in")
    rider_page.goto(f"{live_server.url}/rider/?date={order.slot.date.isoformat()}")
    card = rider_page.locator("article.delivery-card", has_text="Kavya Reddy")
    expect(card).to_contain_text("2 × Cow Milk")
    expect(card).to_contain_text("Prepaid · nothing to collect")
    card.get_by_role("button", name="Picked up").click()
    expect(card.locator(".delivery-badge")).to_have_text("Picked up")
    card.get_by_role("button", name="On my way").click()
    expect(card.locator(".delivery-badge")).to_have_text("On the way")
    card.get_by_role("button", name="Delivered").click()
    expect(card.locator(".delivery-badge")).to_have_text("Delivered")
    rider_page.context.close()

    page.reload()
    expect(page.locator(".status")).to_have_text("Delivered")
    expect(page.locator("#delivery-tracking")).to_contain_text("Delivered")
    order.refresh_from_db()
    assert (order.status, order.payment_method, order.payment_status) == (
        OrderStatus.DELIVERED,
        PaymentMethod.CARD,
        PaymentStatus.SUCCESS,
    )
    assert order.delivery.status == DeliveryStatus.DELIVERED

    # Subscribe to daily milk from the product page, skip the first day, then go away for three days.
    page.get_by_role("link", name="Shop", exact=True).click()
    page.get_by_role("link", name="Cow Milk").click()
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_label("Quantity each delivery").fill("1")
    page.get_by_label("Cash on delivery").check()
    expect(page.locator("#preview")).to_contain_text("1 × Cow Milk")
    page.locator("form.subscribe-form").get_by_role("button", name="Subscribe").click()
    expect(page.get_by_text("Subscribed:")).to_be_visible()

    first = first_changeable_date("MORNING")
    expect(day_cell(page, first)).to_contain_text("1")
    day_cell(page, first).get_by_role("link").click()
    page.get_by_role("button", name="Skip this day").click()
    expect(page.get_by_text(f"Skipped {first:%a %d %b}.")).to_be_visible()
    expect(day_cell(page, first)).to_contain_text("Skipped")

    away_from, away_to = first + timedelta(days=2), first + timedelta(days=4)
    page.get_by_text("Going away?").click()
    page.get_by_label("First day away").fill(away_from.isoformat())
    page.get_by_label("Last day away").fill(away_to.isoformat())
    page.get_by_role("button", name="Set vacation").click()
    expect(page.get_by_text("Vacation set")).to_be_visible()
    for offset in range(3):
        expect(day_cell(page, away_from + timedelta(days=offset))).to_contain_text("Vacation")
    expect(day_cell(page, away_from - timedelta(days=1))).to_contain_text("1")
    expect(day_cell(page, away_to + timedelta(days=1))).to_contain_text("1")
    subscription = Subscription.objects.get(user__email="kavya@example.in")
    assert SkippedDate.objects.filter(subscription=subscription, date=first).exists()
    assert Vacation.objects.get(subscription=subscription).end_date == away_to

    # Top up the wallet by card on the demo gateway.
    open_account_menu(page, "Wallet")
    expect(page.locator(".wallet-balance")).to_contain_text("₹0.00")
    page.get_by_label("Amount (₹)").fill("750")
    page.get_by_label("Card").check()
    page.get_by_role("button", name="Top up").click()
    expect(page.get_by_role("heading", name="Pay ₹750.00")).to_be_visible()
    expect(page.get_by_text("Wallet top-up by Card.")).to_be_visible()
    page.get_by_role("button", name="Approve payment").click()
    expect(page.get_by_text("Payment of ₹750.00 received.")).to_be_visible()
    expect(page.locator(".wallet-balance")).to_contain_text("₹750.00")
    expect(page.locator("#history-heading + .review-lines")).to_contain_text("₹750.00")
    assert wallet_balance(user=order.user) == Decimal("750.00")

    assert errors == []  # among others, no Content Security Policy violation
