"""A rider's morning on a phone (390 × 844): load the bike, hand over, collect cash, report a door nobody opened."""

from decimal import Decimal

import pytest
from playwright.sync_api import Browser, expect

from catalog.tests.factories import ProductFactory
from delivery.models import Delivery, DeliveryStatus, FailureReason
from delivery.tests.factories import place_order_today, rider
from journeys.tests.shop import PHONE, console_errors, sign_in
from orders.models import OrderStatus
from orders.tests.factories import customer_with_address, fund_wallet
from payments.models import PaymentMethod, PaymentStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_rider_works_through_the_mornings_deliveries_on_a_phone(live_server, browser: Browser):
    rider(email="ravi@example.in", name="Ravi Kumar")
    milk = ProductFactory(name="Cow Milk", unit="1 L", price=Decimal("62.00"), stock=20)
    curd = ProductFactory(name="Fresh Curd", unit="400 g", price=Decimal("45.00"), stock=20)
    buffalo = ProductFactory(name="Buffalo Milk", unit="500 ml", price=Decimal("38.00"), stock=20)
    asha = customer_with_address(email="asha@example.in", name="Asha Rao")
    bala = customer_with_address(email="bala@example.in", name="Bala Subramaniam")
    fund_wallet(bala, Decimal("100.00"))
    chitra = customer_with_address(email="chitra@example.in", name="Chitra Menon")
    cash_order = place_order_today(user=asha, lines=[(milk, 2)], method=PaymentMethod.CASH)
    prepaid_order = place_order_today(user=bala, lines=[(curd, 1)], method=PaymentMethod.WALLET)
    failed_order = place_order_today(user=chitra, lines=[(buffalo, 3)], method=PaymentMethod.CASH)

    page = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True).new_page()
    errors = console_errors(page)
    sign_in(page, live_server.url, "ravi@example.in")
    page.get_by_role("link", name="Deliveries").click()
    page.evaluate("window.loadedOnce = true")
    progress = page.locator("#rider-progress")
    expect(progress).to_contain_text("0 done")
    expect(progress).to_contain_text("3 to go")
    expect(progress).to_contain_text("₹238.00 cash still to collect")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Loading the bike: one tap picks up the whole run.
    page.get_by_role("button", name="Picked up all 3 waiting").click()
    expect(page.get_by_text("3 picked up for the morning 06:00–08:00 run.")).to_be_visible()
    expect(page.locator(".delivery-badge")).to_have_text(["Picked up"] * 3)

    # Asha pays cash at the door: a wrong amount is refused, the amount due is taken.
    card = page.locator("article.delivery-card", has_text="Asha Rao")
    card.get_by_role("button", name="On my way").click()
    expect(card.locator(".delivery-badge")).to_have_text("On the way")
    cash = card.get_by_label("Cash collected (₹)")
    expect(cash).to_have_value("")  # the rider types what was handed over; nothing is filled in for them
    expect(cash).to_have_attribute("placeholder", "124.00")
    cash.fill("100")
    card.get_by_label("Delivery code").fill(cash_order.delivery.proof_code)  # Asha reads it from her messages
    card.get_by_role("button", name="Delivered, cash collected").click()
    expect(card.get_by_role("alert")).to_contain_text("₹124.00")
    expect(card.locator(".delivery-badge")).to_have_text("On the way")
    card.get_by_label("Cash collected (₹)").fill("124.00")
    card.get_by_label("Delivery code").fill(cash_order.delivery.proof_code)
    button = card.get_by_role("button", name="Delivered, cash collected")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44  # a thumb-sized target
    button.click()
    expect(card.locator(".delivery-badge")).to_have_text("Delivered")
    expect(card).to_contain_text("Handed over · ₹124.00 cash collected")
    expect(progress).to_contain_text("1 done")
    expect(progress).to_contain_text("2 to go")
    expect(progress).to_contain_text("₹124.00 cash collected")
    expect(progress).to_contain_text("₹114.00 cash still to collect")

    # Nobody opens Chitra's door.
    card = page.locator("article.delivery-card", has_text="Chitra Menon")
    card.get_by_text("Could not deliver?").click()
    card.get_by_label("Customer not available").check()
    card.get_by_role("button", name="Mark not delivered").click()
    expect(card.locator(".delivery-badge")).to_have_text("Failed")
    expect(card).to_contain_text("Not delivered: Customer not available")
    expect(progress).to_contain_text("2 done")
    expect(progress).to_contain_text("1 to go")
    expect(progress).not_to_contain_text("still to collect")

    # Bala paid from the wallet: nothing to collect.
    card = page.locator("article.delivery-card", has_text="Bala Subramaniam")
    expect(card).to_contain_text("Prepaid · nothing to collect")
    card.get_by_role("button", name="On my way").click()
    card.get_by_role("button", name="Delivered").click()
    expect(card).to_contain_text("Handed over · prepaid")
    expect(progress).to_contain_text("3 done")
    expect(progress).to_contain_text("0 to go")
    expect(progress).to_contain_text("₹124.00 cash collected")

    assert page.evaluate("window.loadedOnce") is True  # every tap swapped a region, no page load
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The refused cash amount answered 422 (htmx swaps the card with its error); nothing else went wrong.
    assert [error for error in errors if "status of 422" not in error] == []
    assert len(errors) == 1

    by_order = {delivery.order_id: delivery for delivery in Delivery.objects.select_related("order")}
    delivered, prepaid, failed = (by_order[o.pk] for o in (cash_order, prepaid_order, failed_order))
    assert (delivered.status, delivered.cash_collected) == (DeliveryStatus.DELIVERED, Decimal("124.00"))
    assert (delivered.order.status, delivered.order.payment_status) == (OrderStatus.DELIVERED, PaymentStatus.SUCCESS)
    assert prepaid.status == DeliveryStatus.DELIVERED
    assert (failed.status, failed.failure_reason) == (DeliveryStatus.FAILED, FailureReason.CUSTOMER_UNAVAILABLE)
