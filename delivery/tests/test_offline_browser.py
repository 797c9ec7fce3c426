"""On a phone-sized screen in headless Chromium, with no signal: the rider page comes from the service worker's copy,
three stops are marked while offline, and once the signal is back the shop holds exactly those three changes; one
that no longer fits (staff gave the delivery to another rider meanwhile) is refused and shown after the sync.

Screenshots: artifacts/screenshots/rider-offline-*.png (CI keeps artifacts/)."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from accounts.tests.factories import PASSWORD, UserFactory
from delivery.models import DeliveryStatus, DeliveryZone, ProofPolicy, RiderUpdate, RiderUpdateOutcome
from delivery.services import delivery_assign
from delivery.tests.factories import books, delivery_in, rider
from orders.tests.factories import customer_with_address

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
# What the browser says of requests made with no signal (the header's notification count asks now and then).
OFFLINE = re.compile(r"ERR_INTERNET_DISCONNECTED|htmx:(sendError|afterRequest)")
S = DeliveryStatus


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"rider-offline-{name}.png", full_page=True, animations="disabled")


def stop(status: str, name: str):
    """A prepaid delivery of today's round, brought to status by its rider."""
    return delivery_in(status, today=True, user=customer_with_address(name=name))


def rider_page_kept_offline(browser: Browser, base_url: str, email: str) -> tuple[Page, list]:
    """The rider signed in on their phone with /rider/ open and its service worker in control; then no signal."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and not OFFLINE.search(message.text) and errors.append(message.text),
    )
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_text(re.compile("Welcome back"))).to_be_visible()
    page.goto(f"{base_url}/rider/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
    kept = page.evaluate("caches.match(location.href).then((kept) => kept && kept.text())")
    assert kept and "rider-board" in kept

    context.set_offline(True)
    page.reload()
    # The page shown is the worker's copy, not a fresh one from the shop (every rendering makes new keys).
    shown = page.evaluate("document.documentElement.outerHTML")
    keys = re.compile(r'name="idempotency_key" value="([0-9a-f-]{36})"')
    assert keys.findall(shown) == keys.findall(kept)
    expect(page.locator("#rider-sync")).to_have_text("You are offline. Updates you make will wait on this phone.")
    return page, errors


def card(page: Page, name: str):
    return page.locator("article.delivery-card", has_text=name)


def test_three_stops_marked_offline_reach_the_shop_exactly_once_when_the_signal_returns(live_server, browser):
    rider(email="ravi@example.in", name="Ravi Kumar")
    asha = stop(S.PICKED_UP, "Asha Rao")
    bilal = stop(S.IN_TRANSIT, "Bilal Shaikh")
    chitra = stop(S.PICKED_UP, "Chitra Iyer")
    untouched = stop(S.PICKED_UP, "Dev Menon")
    before = {delivery.pk: books(delivery) for delivery in (asha, bilal, chitra, untouched)}

    page, errors = rider_page_kept_offline(browser, live_server.url, "ravi@example.in")
    expect(card(page, "Asha Rao")).to_contain_text("2 ×")
    screenshot(page, "kept")

    card(page, "Asha Rao").get_by_role("button", name="On my way", exact=True).click()
    card(page, "Bilal Shaikh").get_by_role("button", name="Delivered", exact=True).click()
    card(page, "Chitra Iyer").get_by_role("button", name="On my way", exact=True).click()

    banner = page.locator("#rider-sync")
    expect(banner).to_have_text("You are offline — 3 updates waiting.")
    expect(banner).to_have_attribute("role", "status")
    expect(card(page, "Asha Rao").locator(".delivery-badge")).to_have_text("On the way")
    expect(card(page, "Asha Rao")).to_contain_text("On the way: waiting to sync.")
    expect(
        card(page, "Asha Rao").get_by_role("button", name="Delivered", exact=True)
    ).to_be_visible()  # the next tap, offline
    expect(card(page, "Bilal Shaikh").locator(".delivery-badge")).to_have_text("Delivered")
    expect(card(page, "Dev Menon").locator(".delivery-badge")).to_have_text("Picked up")
    screenshot(page, "waiting")
    assert RiderUpdate.objects.count() == 0  # nothing reached the shop

    page.context.set_offline(False)

    expect(banner).to_have_text("3 updates sent.", timeout=15_000)
    expect(card(page, "Asha Rao")).not_to_contain_text("waiting to sync")
    expect(page.locator("#rider-progress")).to_contain_text("1 done")
    screenshot(page, "synced")

    updates = RiderUpdate.objects.order_by("pk")
    assert [(u.delivery_id, u.payload["changes"]["to"], u.outcome) for u in updates] == [
        (asha.pk, S.IN_TRANSIT, RiderUpdateOutcome.APPLIED),
        (bilal.pk, S.DELIVERED, RiderUpdateOutcome.APPLIED),
        (chitra.pk, S.IN_TRANSIT, RiderUpdateOutcome.APPLIED),
    ]
    assert all(u.made_at and u.made_at <= u.received_at for u in updates)
    for delivery, status in ((asha, S.IN_TRANSIT), (bilal, S.DELIVERED), (chitra, S.IN_TRANSIT)):
        after = books(delivery)
        assert after["delivery"][0] == status
        assert after["history"] == before[delivery.pk]["history"] + 1
    assert books(untouched) == before[untouched.pk]
    assert errors == []


def test_picked_up_all_and_a_doorstep_photo_wait_offline_and_arrive_whole(live_server, browser):
    rider(email="ravi@example.in", name="Ravi Kumar")
    zone = DeliveryZone.objects.get(name="Koramangala")
    zone.proof_policy = ProofPolicy.ALWAYS
    zone.save()
    first, second = stop(S.ASSIGNED, "Indu Pillai"), stop(S.ASSIGNED, "Jatin Shah")
    door = stop(S.IN_TRANSIT, "Kavya Reddy")
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(photo, format="PNG")

    page, errors = rider_page_kept_offline(browser, live_server.url, "ravi@example.in")
    page.get_by_role("button", name="Picked up all 2 waiting", exact=True).click()
    kavya = card(page, "Kavya Reddy")
    kavya.get_by_text("Nobody in? Leave it at the door").click()
    kavya.get_by_label("Photo of the doorstep").set_input_files(
        {"name": "door.png", "mimeType": "image/png", "buffer": photo.getvalue()}
    )
    kavya.get_by_label("Where you left it").fill("On the shoe rack")
    kavya.get_by_role("button", name="Left at the door", exact=True).click()

    expect(page.locator("#rider-sync")).to_have_text("You are offline — 2 updates waiting.")
    for name in ("Indu Pillai", "Jatin Shah"):
        expect(card(page, name).locator(".delivery-badge")).to_have_text("Picked up")
        expect(card(page, name).get_by_role("button", name="On my way", exact=True)).to_be_visible()
    expect(kavya).to_contain_text("Left at the door: waiting to sync.")
    expect(page.get_by_role("button", name="Picked up all 2 waiting", exact=True)).to_have_count(0)

    page.reload()  # still offline: the kept page, with what waits shown again
    expect(page.locator("#rider-sync")).to_have_text("You are offline — 2 updates waiting.")
    expect(card(page, "Indu Pillai").locator(".delivery-badge")).to_have_text("Picked up")
    expect(card(page, "Kavya Reddy")).to_contain_text("Left at the door: waiting to sync.")
    screenshot(page, "photo-waiting")

    page.context.set_offline(False)

    expect(page.locator("#rider-sync")).to_have_text("2 updates sent.", timeout=15_000)
    expect(card(page, "Kavya Reddy")).to_contain_text("Left at the door · photo saved")
    pickup, left = RiderUpdate.objects.order_by("pk")
    assert (pickup.delivery, pickup.outcome, pickup.payload["pickup"]["slot"]) == (None, "APPLIED", first.slot)
    assert (left.delivery_id, left.outcome, left.payload["changes"]["door_photo"]["file"]) == (
        door.pk,
        "APPLIED",
        "door.png",
    )
    for delivery in (first, second, door):
        delivery.refresh_from_db()
    assert (first.status, second.status) == (S.PICKED_UP, S.PICKED_UP)
    assert (door.status, door.left_at_door, door.failure_note) == (S.DELIVERED, True, "")
    with door.door_photo.open() as kept, Image.open(kept) as picture:
        assert (picture.format, picture.size) == ("PNG", (64, 48))
    assert errors == []


def test_an_update_that_no_longer_fits_is_refused_and_shown_after_the_sync(live_server, browser):
    rider(email="ravi@example.in", name="Ravi Kumar")
    farah = stop(S.ASSIGNED, "Farah Khan")
    gopal = stop(S.PICKED_UP, "Gopal Rao")
    hema = stop(S.IN_TRANSIT, "Hema Nair")
    staff = UserFactory(is_staff=True)
    zone, _ = DeliveryZone.objects.get_or_create(name="Whitefield", defaults={"pincodes": "560066"})
    other = rider(zone=zone, name="Sunil Das")

    page, errors = rider_page_kept_offline(browser, live_server.url, "ravi@example.in")
    card(page, "Farah Khan").get_by_role("button", name="Picked up", exact=True).click()
    card(page, "Gopal Rao").get_by_role("button", name="On my way", exact=True).click()
    card(page, "Hema Nair").get_by_role("button", name="Delivered", exact=True).click()
    expect(page.locator("#rider-sync")).to_have_text("You are offline — 3 updates waiting.")
    # Meanwhile, at the dairy, staff give Farah's order to another rider.
    delivery_assign(delivery=farah, rider=other, by=staff)

    page.context.set_offline(False)

    banner = page.locator("#rider-sync")
    expect(banner).to_contain_text("2 updates sent. 1 update refused by the shop:", timeout=15_000)
    expect(banner.get_by_role("listitem")).to_have_text(
        f"Order {farah.order.number}: this delivery was reassigned to another rider."
    )
    expect(card(page, "Farah Khan")).to_have_count(0)  # the round, loaded afresh, no longer has it
    expect(card(page, "Hema Nair").locator(".delivery-badge")).to_have_text("Delivered")
    screenshot(page, "refused")

    outcomes = dict(RiderUpdate.objects.values_list("delivery_id", "outcome"))
    assert outcomes == {
        farah.pk: RiderUpdateOutcome.REFUSED,
        gopal.pk: RiderUpdateOutcome.APPLIED,
        hema.pk: RiderUpdateOutcome.APPLIED,
    }
    farah.refresh_from_db()
    gopal.refresh_from_db()
    hema.refresh_from_db()
    assert (farah.status, farah.rider) == (S.ASSIGNED, other)
    assert (gopal.status, hema.status) == (S.IN_TRANSIT, S.DELIVERED)
    # The one the browser notes: the shop's 404 for a delivery that is not Ravi's any more.
    assert errors == ["Failed to load resource: the server responded with a status of 404 (Not Found)"]
