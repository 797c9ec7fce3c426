"""A customer subscribes to daily milk, skips a day and sets a vacation, watching the calendar follow."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from orders.tests.factories import customer_with_address, delivery_zone
from subscriptions.models import SkippedDate, Vacation
from subscriptions.services import first_changeable_date
from subscriptions.tests.factories import milk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"


def day_cell(page: Page, day):
    spoken = page.locator(".visually-hidden", has_text=f"{day:%A} {day.day} {day:%B}:")  # the screen reader's name
    return page.locator(".calendar-day").filter(has=spoken)


def test_subscribe_skip_a_day_and_set_a_vacation(live_server, page: Page):
    delivery_zone()
    customer_with_address(email="rohan@example.in", name="Rohan Mehta")
    product = milk(name="Cow Milk", unit="1 L")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("rohan@example.in")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    page.goto(f"{live_server.url}{product.get_absolute_url()}")
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_label("Quantity each delivery").fill("2")
    page.get_by_label("Quantity each delivery").press("Tab")
    expect(page.locator("#preview")).to_contain_text("2 × Cow Milk")
    expect(page.locator(".monthly-cost")).to_have_text("₹1,920.00")
    page.locator("form.subscribe-form").get_by_role("button", name="Subscribe").click()

    first = first_changeable_date("MORNING")
    expect(page.get_by_text("Subscribed:")).to_be_visible()
    expect(day_cell(page, first)).to_contain_text("2")

    page.evaluate("window.notReloaded = true")
    day_cell(page, first).get_by_role("link").click()
    page.get_by_role("button", name="Skip this day").click()
    expect(page.get_by_text(f"Skipped {first:%a %d %b}.")).to_be_visible()
    expect(day_cell(page, first)).to_contain_text("Skipped")
    assert SkippedDate.objects.filter(date=first).exists()

    away_from, away_to = first + timedelta(days=3), first + timedelta(days=5)
    page.get_by_text("Going away?").click()
    page.get_by_label("First day away").fill(away_from.isoformat())
    page.get_by_label("Last day away").fill(away_to.isoformat())
    page.get_by_role("button", name="Set vacation").click()
    expect(page.get_by_text("Vacation set")).to_be_visible()
    for offset in range(3):
        expect(day_cell(page, away_from + timedelta(days=offset))).to_contain_text("Vacation")
    expect(day_cell(page, away_to + timedelta(days=1))).to_contain_text("2")
    assert Vacation.objects.get().end_date == away_to
    assert page.evaluate("window.notReloaded") is True
