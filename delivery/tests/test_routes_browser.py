"""Staff reorder a zone's route on a phone-sized screen with JavaScript switched off: plain forms do it all."""

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Browser, expect

from accounts.models import STAFF_GROUP
from accounts.tests.factories import PASSWORD, UserFactory
from delivery.models import RouteStop
from orders.tests.factories import customer_with_address, delivery_zone, place_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_staff_move_a_household_down_the_route_without_javascript(live_server, browser: Browser):
    staff = UserFactory(email="vikram@example.in", is_staff=True)
    staff.groups.add(Group.objects.get(name=STAFF_GROUP))
    for name in ("Asha Rao", "Bala Iyer", "Chitra Das"):
        place_order(user=customer_with_address(name=name))
    zone = delivery_zone()

    page = browser.new_context(viewport=PHONE, java_script_enabled=False).new_page()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/delivery/deliveryzone/")
    page.get_by_label("Email").fill("vikram@example.in")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="3 stops").click()
    expect(page.get_by_role("heading", name="Route of Koramangala")).to_be_visible()

    page.get_by_role("button", name="Move Asha Rao down").click()

    expect(page.get_by_text("Asha Rao is now stop 2.")).to_be_visible()
    assert re.search(r"#stop-\d+$", page.url)
    rows = page.locator("#route-stops tbody tr")
    expect(rows.nth(0)).to_contain_text("Bala Iyer")
    expect(rows.nth(1)).to_contain_text("Asha Rao")
    page.screenshot(path="/tmp/routes-admin-phone.png", full_page=True)
    names = RouteStop.objects.filter(zone=zone).order_by("position").values_list("user__name", flat=True)
    assert list(names) == ["Bala Iyer", "Asha Rao", "Chitra Das"]
