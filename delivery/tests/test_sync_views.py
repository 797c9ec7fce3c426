"""The rider page's updates under a key (the one the phone's queue makes, or the page's own): plain forms and htmx,
sent twice, late or after the delivery changed hands; and the page as an installable web app."""

import json
import re
import uuid
from html import unescape
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from delivery.models import Delivery, DeliveryStatus, DeliveryZone, RiderUpdate, RiderUpdateOutcome
from delivery.services import delivery_assign
from delivery.slots import DeliverySlot
from delivery.tests.factories import books, delivery_in, rider
from delivery.views_offline import OFFLINE_ASSETS, THEME_COLOUR
from orders.workflows import order_cancel

pytestmark = pytest.mark.django_db

S = DeliveryStatus
HTMX = {"HTTP_HX_REQUEST": "true"}
RIDER = reverse("delivery:rider")


def move_url(delivery) -> str:
    return reverse("delivery:rider_move", args=[delivery.pk])


@pytest.fixture
def ravi(client):
    user = rider(name="Ravi Kumar")
    client.force_login(user)
    return user


def elsewhere_rider():
    zone, _ = DeliveryZone.objects.get_or_create(name="Whitefield", defaults={"pincodes": "560066"})
    return rider(zone=zone)


def keyed(to, key=None, **fields) -> dict:
    return {"to": to, "idempotency_key": str(key or uuid.uuid4()), "made_at": "2026-05-04T00:40:12.345Z", **fields}


def status_of(delivery) -> str:
    return Delivery.objects.get(pk=delivery.pk).status


# Sent twice


def test_an_htmx_tap_sent_twice_with_its_key_moves_once_and_both_answers_show_the_card(client, ravi):
    delivery = delivery_in(S.ASSIGNED, today=True)
    data = keyed(S.PICKED_UP)

    first = client.post(move_url(delivery), data, **HTMX)
    after = books(delivery)
    second = client.post(move_url(delivery), data, **HTMX)

    for response in (first, second):
        body = response.content.decode()
        assert response.status_code == 200
        assert body.lstrip().startswith(f'<article id="delivery-{delivery.pk}"')
        assert "Picked up." in body and 'hx-swap-oob="true"' in body
    assert books(delivery) == after
    update = RiderUpdate.objects.get()
    assert (update.key, update.outcome, update.rider) == (uuid.UUID(data["idempotency_key"]), "APPLIED", ravi)
    assert update.made_at.isoformat() == "2026-05-04T00:40:12.345000+00:00"


def test_a_plain_form_sent_twice_with_the_pages_key_moves_once_and_says_so_both_times(client, ravi):
    delivery = delivery_in(S.ASSIGNED)
    page = client.get(RIDER, {"date": delivery.delivery_date.isoformat()}).content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})">\s*<input [^>]*value="PICKED_UP"', page).group(1)
    data = {"to": S.PICKED_UP, "idempotency_key": key}

    first = client.post(move_url(delivery), data, follow=True)
    second = client.post(move_url(delivery), data, follow=True)

    for response in (first, second):
        assert f"Order {delivery.order.number}: Picked up." in response.content.decode()
    assert status_of(delivery) == S.PICKED_UP
    assert RiderUpdate.objects.filter(key=key).count() == 1
    assert delivery.history.filter(to_status=S.PICKED_UP).count() == 1


def test_without_a_key_a_double_tap_is_still_refused_as_before(client, ravi):
    delivery = delivery_in(S.ASSIGNED)

    client.post(move_url(delivery), {"to": S.PICKED_UP}, **HTMX)
    again = client.post(move_url(delivery), {"to": S.PICKED_UP}, **HTMX)

    assert again.status_code == 422
    assert RiderUpdate.objects.count() == 0


def test_each_form_the_page_draws_carries_its_own_key(client, ravi):
    delivery_in(S.ASSIGNED, today=True)
    delivery_in(S.ASSIGNED, today=True)

    page = client.get(RIDER).content.decode()

    keys = re.findall(r'name="idempotency_key" value="([0-9a-f-]{36})"', page)
    assert len(keys) >= 3  # two cards' next step (and their copies for offline use), picked up all
    assert len(set(keys)) == len(keys)


# Late and out of order


def test_taps_queued_offline_arrive_out_of_order_and_end_where_the_rider_left_the_delivery(client, ravi):
    delivery = delivery_in(S.PICKED_UP, today=True)

    delivered = client.post(move_url(delivery), keyed(S.DELIVERED), **HTMX)
    on_my_way = client.post(move_url(delivery), keyed(S.IN_TRANSIT), **HTMX)

    assert (delivered.status_code, on_my_way.status_code) == (200, 200)
    assert status_of(delivery) == S.DELIVERED
    assert "Handed over" in on_my_way.content.decode()
    assert list(RiderUpdate.objects.values_list("outcome", flat=True)) == ["APPLIED", "APPLIED"]


def test_a_tap_for_a_delivery_reassigned_meanwhile_is_404_for_htmx_with_what_happened(client, ravi, staff):
    delivery = delivery_in(S.ASSIGNED, today=True)
    delivery_assign(delivery=delivery, rider=elsewhere_rider(), by=staff)
    client.force_login(ravi)
    before = books(delivery)

    response = client.post(move_url(delivery), keyed(S.PICKED_UP), **HTMX)

    body = response.content.decode()
    assert response.status_code == 404
    assert f'<article id="delivery-{delivery.pk}"' in body
    assert 'role="alert">This delivery was reassigned to another rider.' in body
    assert delivery.order.recipient_name not in body and delivery.order.number not in body
    assert books(delivery) == before
    assert RiderUpdate.objects.get().outcome == RiderUpdateOutcome.REFUSED


def test_a_plain_tap_for_a_delivery_reassigned_meanwhile_comes_back_to_the_round_with_what_happened(
    client, ravi, staff
):
    delivery = delivery_in(S.ASSIGNED, today=True)
    delivery_assign(delivery=delivery, rider=elsewhere_rider(), by=staff)
    client.force_login(ravi)

    response = client.post(move_url(delivery), keyed(S.PICKED_UP), follow=True)

    assert response.redirect_chain[-1][0] == RIDER
    assert "This delivery was reassigned to another rider." in response.content.decode()
    assert status_of(delivery) == S.ASSIGNED


def test_a_tap_for_a_delivery_cancelled_meanwhile_is_refused_in_the_card(client, ravi, staff):
    delivery = delivery_in(S.ASSIGNED, today=True)
    order_cancel(order=delivery.order, by=staff, reason="Customer phoned")
    client.force_login(ravi)

    response = client.post(move_url(delivery), keyed(S.PICKED_UP), **HTMX)

    assert response.status_code == 422
    assert "The shop cancelled the delivery of order" in response.content.decode()
    assert status_of(delivery) == S.CANCELLED


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_another_riders_delivery_is_not_reached_with_a_key_either(client, headers):
    owner = rider()
    theirs = delivery_in(S.IN_TRANSIT)
    assert theirs.rider == owner
    before = books(theirs)
    client.force_login(elsewhere_rider())

    response = client.post(move_url(theirs), keyed(S.DELIVERED), **headers)

    assert response.status_code == (404 if headers else 302)
    assert theirs.order.number not in response.content.decode()
    assert books(theirs) == before


# Bad input


BAD = {
    "a key that is no UUID": ({"idempotency_key": "not-a-key"}, "Idempotency key: Enter a valid UUID."),
    "a time that is none": ({"made_at": "yesterday-ish"}, "Made at: Enter a valid date/time."),
    "a huge note": ({"note": "x" * 10_000}, "Note: Ensure this value has at most 255 characters"),
}


@pytest.mark.parametrize("fields, message", BAD.values(), ids=BAD.keys())
def test_bad_input_is_refused_in_the_card_and_nothing_is_kept(client, ravi, fields, message):
    delivery = delivery_in(S.ASSIGNED)
    before = books(delivery)

    response = client.post(move_url(delivery), {**keyed(S.PICKED_UP), **fields}, **HTMX)

    assert response.status_code == 422
    assert message in unescape(response.content.decode())
    assert books(delivery) == before
    assert RiderUpdate.objects.count() == 0


def test_a_tap_from_a_phone_whose_clock_is_far_off_still_counts(client, ravi):
    delivery = delivery_in(S.ASSIGNED)

    response = client.post(move_url(delivery), keyed(S.PICKED_UP, made_at="0001-01-01T00:00:00+05:30"), **HTMX)

    assert response.status_code == 200
    assert status_of(delivery) == S.PICKED_UP
    assert RiderUpdate.objects.get().made_at is None


def test_a_huge_body_is_refused_without_a_server_error(client, ravi):
    delivery = delivery_in(S.ASSIGNED)

    response = client.post(move_url(delivery), {**keyed(S.PICKED_UP), "note": "x" * 3_000_000}, **HTMX)

    assert response.status_code == 400
    assert status_of(delivery) == S.ASSIGNED


# Picked up all


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_picked_up_all_sent_twice_with_its_key_picks_up_once(client, ravi, headers):
    first, second = delivery_in(S.ASSIGNED, today=True), delivery_in(S.ASSIGNED, today=True)
    data = {"date": first.delivery_date.isoformat(), "slot": first.slot, "idempotency_key": str(uuid.uuid4())}
    said = f"2 picked up for the {DeliverySlot(date=first.delivery_date, name=first.slot).window_label.lower()} run."

    answers = [client.post(reverse("delivery:rider_pickup"), data, follow=not headers, **headers) for _ in range(2)]

    for answer in answers:
        assert answer.status_code == 200 and said in answer.content.decode()
    assert {status_of(first), status_of(second)} == {S.PICKED_UP}
    assert first.history.count() + second.history.count() == 4
    update = RiderUpdate.objects.get()
    assert (update.delivery, update.payload["pickup"]["slot"]) == (None, first.slot)


# The page, offline


def test_todays_cards_keep_a_copy_of_the_card_their_next_tap_leaves_and_the_last_step_needs_none(client, ravi):
    waiting = delivery_in(S.ASSIGNED, today=True)
    picked = delivery_in(S.PICKED_UP, today=True)
    going = delivery_in(S.IN_TRANSIT, today=True)

    page = client.get(RIDER).content.decode()

    def states(delivery) -> list[str]:
        return re.findall(rf'<article id="delivery-{delivery.pk}" [^>]*data-status="(\w+)"', page)

    assert states(waiting) == [S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT]  # the card, then its copies nested
    assert states(picked) == [S.PICKED_UP, S.IN_TRANSIT]
    assert states(going) == [S.IN_TRANSIT]
    assert page.count('<template class="card-next" data-status="PICKED_UP">') == 1
    assert page.count('<template class="card-next" data-status="IN_TRANSIT">') == 2
    copy = page.split(f'<article id="delivery-{picked.pk}"')[2]
    assert "On the way</span>" in copy and "Delivered" in copy.split("</article>")[0]


def test_another_days_cards_keep_no_copies(client, ravi):
    delivery = delivery_in(S.ASSIGNED)
    assert delivery.delivery_date > timezone.localdate()

    page = client.get(RIDER, {"date": delivery.delivery_date.isoformat()}).content.decode()

    assert page.count(f'<article id="delivery-{delivery.pk}"') == 1
    assert "card-next" not in page


def test_the_rider_page_is_an_installable_app_with_its_offline_banner(client, ravi):
    page = client.get(RIDER).content.decode()

    assert f'<link rel="manifest" href="{reverse("delivery:rider_manifest")}">' in page
    assert f'<meta name="theme-color" content="{THEME_COLOUR}">' in page
    assert 'src="/static/js/rider-offline.js"' in page
    assert (
        f'<div id="rider-sync" class="rider-sync" role="status" data-service-worker="{reverse("delivery:rider_sw")}"'
        f' data-scope="{RIDER}"></div>'
    ) in page


def test_only_the_rider_page_links_the_manifest(client, ravi):
    assert 'rel="manifest"' not in client.get("/").content.decode()


def test_the_manifest_installs_the_rider_page_standalone_with_its_icons():
    response = Client().get(reverse("delivery:rider_manifest"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (RIDER, RIDER, "standalone")
    assert manifest["theme_color"] == THEME_COLOUR
    assert f"--pico-primary: {THEME_COLOUR};" in Path(finders.find("css/milkshop.css")).read_text()
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        with Image.open(path) as image:
            assert (image.format, f"{image.width}x{image.height}") == ("PNG", icon["sizes"])
        assert Client().get(icon["src"]).status_code == 200


def test_the_service_worker_is_served_for_the_rider_scope_never_cached_with_what_it_keeps():
    response = Client().get(reverse("delivery:rider_sw"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == RIDER
    assert response["Cache-Control"] == "no-cache"
    source = response.content.decode()
    assert f"const PAGE = {json.dumps(RIDER)};" in source
    assets = json.loads(re.search(r"const ASSETS = (\[.*\]);", source).group(1))
    assert len(assets) == len(OFFLINE_ASSETS)
    for asset in assets:
        assert Client().get(asset).status_code == 200, asset
    assert re.search(r'const VERSION = "[0-9a-f]{12}";', source)


def test_the_app_files_are_the_same_for_everyone_and_take_no_post(client, ravi):
    for name in ("delivery:rider_manifest", "delivery:rider_sw"):
        url = reverse(name)
        assert client.get(url).content == Client().get(url).content
        assert client.post(url).status_code == 405


def test_staff_read_the_riders_updates_in_the_admin_and_change_none(client, ravi, staff):
    delivery = delivery_in(S.ASSIGNED, today=True)
    delivery_assign(delivery=delivery, rider=elsewhere_rider(), by=staff)
    rider_client = Client()
    rider_client.force_login(ravi)
    rider_client.post(move_url(delivery), keyed(S.PICKED_UP), **HTMX)
    update = RiderUpdate.objects.get()
    client.force_login(staff)

    listed = client.get(reverse("admin:delivery_riderupdate_changelist"), {"outcome__exact": "REFUSED"})
    shown = client.get(reverse("admin:delivery_riderupdate_change", args=[update.pk]))

    assert "This delivery was reassigned to another rider." in listed.content.decode()
    assert shown.status_code == 200 and str(update.key) in shown.content.decode()
    assert client.get(reverse("admin:delivery_riderupdate_add")).status_code == 403
    client.post(reverse("admin:delivery_riderupdate_delete", args=[update.pk]), {"post": "yes"})
    assert RiderUpdate.objects.filter(pk=update.pk).exists()
