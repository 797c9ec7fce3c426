"""Headless Chromium against a live server: what a customer sees."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_customer_signs_up_and_lands_logged_in(live_server, page: Page):
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))

    page.goto(live_server.url)
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Name").fill("Kavya Reddy")
    page.get_by_label("Email").fill("kavya@example.in")
    page.get_by_label("Phone").fill("98450 67890")
    page.get_by_label("Password:", exact=True).fill("fresh-milk-every-day")
    page.get_by_label("Password (again):").fill("fresh-milk-every-day")
    page.get_by_role("button", name="Sign Up").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_text("Welcome back, Kavya.")).to_be_visible()
    expect(page.get_by_role("link", name="Sign up")).to_have_count(0)
    assert User.objects.get(email="kavya@example.in").phone == "+919845067890"
    assert console_errors == []


def test_a_customer_adds_an_address_without_a_page_load(live_server, page: Page):
    from accounts.services import user_create

    user_create(email="ajay@example.in", password="fresh-milk-every-day", name="Ajay Shah")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("ajay@example.in")
    page.get_by_label("Password").fill("fresh-milk-every-day")
    page.get_by_role("button", name="Sign In").click()
    page.goto(f"{live_server.url}/account/profile/")
    page.evaluate("window.loadedOnce = true")

    page.get_by_role("button", name="Add an address").click()
    form = page.get_by_role("form", name="New address")
    form.get_by_label("Address line 1").fill("12 Marine Drive")
    form.get_by_label("Area").fill("Churchgate")
    form.get_by_label("City").fill("Mumbai")
    form.get_by_label("PIN code").fill("40002")
    form.get_by_role("button", name="Save address").click()
    expect(page.get_by_text(re.compile("6-digit PIN code"))).to_be_visible()

    form.get_by_label("PIN code").fill("400020")
    form.get_by_role("button", name="Save address").click()

    expect(page.get_by_text("Address added.")).to_be_visible()
    expect(page.locator("#addresses")).to_contain_text("12 Marine Drive")
    expect(page.locator("#addresses")).to_contain_text("Default")
    assert page.evaluate("window.loadedOnce") is True
