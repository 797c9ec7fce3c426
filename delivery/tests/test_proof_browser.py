"""On a phone in headless Chromium: a rider gets the delivery code wrong, then leaves the order at the door with a
photo from the camera; the customer's order page shows where it was left, and the photo."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, expect

from catalog.tests.factories import ProductFactory
from delivery.models import Delivery, ProofPolicy
from delivery.tests.factories import place_order_today, rider
from delivery.tests.proof_helpers import keep_photos_in, picture, zone_asking
from delivery.tests.test_browser import PHONE, sign_in
from orders.tests.factories import customer_with_address, fund_wallet
from payments.models import PaymentMethod

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_wrong_code_then_left_at_the_door_with_a_photo(live_server, browser: Browser, monkeypatch, tmp_path):
    proofs = keep_photos_in(monkeypatch, tmp_path / "proofs")
    zone_asking(ProofPolicy.ALWAYS)
    rider(email="ravi@example.in", name="Ravi Kumar")
    customer = customer_with_address(email="asha@example.in", name="Asha Rao")
    fund_wallet(customer, Decimal("200.00"))
    milk = ProductFactory(name="Cow Milk", unit="1 L", price=Decimal("62.00"), stock=20)
    order = place_order_today(user=customer, lines=[(milk, 1)], method=PaymentMethod.WALLET)
    code = Delivery.objects.get(order=order).proof_code
    doorstep = tmp_path / "IMG_2041.jpg"
    doorstep.write_bytes(picture(size=(1200, 900)))
    errors = []  # the refused code's answer (422) is the only one the browser reports

    page = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True).new_page()
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    sign_in(page, live_server.url, "ravi@example.in")
    page.get_by_role("link", name="Deliveries").click()
    page.evaluate("window.loadedOnce = true")
    card = page.locator("article.delivery-card", has_text="Asha Rao")
    card.get_by_role("button", name="Picked up").click()
    card.get_by_role("button", name="On my way").click()

    # A misheard code: refused, with the tries left.
    card.get_by_label("Delivery code").fill(f"{(int(code) + 1) % 10_000:04d}")
    card.get_by_role("button", name="Delivered").click()
    expect(card.get_by_role("alert")).to_contain_text("4 tries left")
    expect(card.locator(".delivery-badge")).to_have_text("On the way")

    # Nobody answers now: left at the door, with a photo.
    card.get_by_text("Nobody in? Leave it at the door").click()
    card.get_by_label("Photo of the doorstep").set_input_files(str(doorstep))
    card.get_by_label("Where you left it").fill("Behind the plant pot")
    card.get_by_role("button", name="Left at the door").click()
    expect(card.locator(".delivery-badge")).to_have_text("Delivered")
    expect(card).to_contain_text("Left at the door · photo saved")
    assert page.evaluate("window.loadedOnce") is True  # the card was swapped, the page never reloaded
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    delivery = Delivery.objects.get(order=order)
    assert (delivery.left_at_door, delivery.proof_attempts) == (True, 1)
    assert (proofs / delivery.door_photo.name).is_file()

    # Asha finds it, and the photo, on her order page.
    customer_page = browser.new_context(viewport=PHONE).new_page()
    sign_in(customer_page, live_server.url, "asha@example.in")
    customer_page.goto(f"{live_server.url}{order.get_absolute_url()}")
    expect(customer_page.locator("#delivery-tracking")).to_contain_text("Left at your door")
    expect(customer_page.locator(".delivery-code")).to_have_count(0)
    with customer_page.expect_response(re.compile(r"/delivery/photo/$")) as shown:
        customer_page.get_by_role("link", name="see the rider's photo").click()
    assert shown.value.status == 200
    assert shown.value.headers["content-type"] == "image/jpeg"
    assert errors == ["Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"]
