"""Proof of delivery through each door: the rider page (plain forms and htmx), the API, the admin, the doorstep photo's
views, the customer's order page, tracking page and messages."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.storage import default_storage, storages
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from delivery.models import Delivery, DeliveryStatus, ProofPolicy
from delivery.tests.factories import books, rider
from delivery.tests.proof_helpers import (
    keep_photos_in,
    on_the_way,
    photo,
    picture,
    stored_photos,
    wrong_code,
    zone_asking,
)
from milkshop.tests.apiclient import ApiClient, error_of
from notifications import sms
from notifications.models import Channel, Notification, NotificationType
from notifications.tests.helpers import assert_fits_one_sms
from orders.tests.factories import customer_with_address, delivery_zone, fund_wallet, place_order
from orders.workflows import delivery_transition
from payments.models import PaymentMethod

pytestmark = pytest.mark.django_db

ALWAYS, CASH, NEVER = ProofPolicy.ALWAYS, ProofPolicy.CASH, ProofPolicy.NEVER
COD, WALLET = PaymentMethod.CASH, PaymentMethod.WALLET
HTMX = {"HTTP_HX_REQUEST": "true"}
RIDER = reverse("delivery:rider")


@pytest.fixture(autouse=True)
def proofs(monkeypatch, tmp_path) -> Path:
    return keep_photos_in(monkeypatch, tmp_path / "proofs")


def move_url(delivery) -> str:
    return reverse("delivery:rider_move", args=[delivery.pk])


def card_of(page: str, delivery) -> str:
    start = page.index(f'<article id="delivery-{delivery.pk}"')
    return page[start : page.index("</article>", start)]


def rider_page(client, delivery) -> str:
    client.force_login(delivery.rider)
    return card_of(client.get(RIDER, {"date": delivery.delivery_date.isoformat()}).content.decode(), delivery)


def status_of(delivery) -> str:
    return Delivery.objects.values_list("status", flat=True).get(pk=delivery.pk)


def left_at_door_with_photo(delivery) -> Delivery:
    return delivery_transition(
        delivery=delivery, to=DeliveryStatus.DELIVERED, by=delivery.rider, left_at_door=True, door_photo=photo()
    )


# The rider's card


def test_the_card_asks_for_the_code_only_where_the_zone_wants_it(client):
    asked = rider_page(client, on_the_way(policy=CASH, method=COD))
    prepaid = rider_page(client, on_the_way(policy=CASH, method=WALLET))

    field = re.search(r"<input[^>]*name=\"proof_code\"[^>]*>", asked).group(0)
    for attribute in ('inputmode="numeric"', 'pattern="[0-9]{4}"', 'autocomplete="off"', "required"):
        assert attribute in field
    assert "Delivery code" in asked
    assert 'name="proof_code"' not in prepaid
    assert "Leave it at the door" not in asked  # cash to collect: never left at the door
    assert "Leave it at the door" not in prepaid  # no code asked: simply delivered


def test_where_the_code_is_always_asked_a_prepaid_order_may_be_left_at_the_door_with_a_photo(client):
    card = rider_page(client, on_the_way(policy=ALWAYS, method=WALLET))

    door = card[card.index('<details class="door-form">') :]
    door = door[: door.index("</details>")]
    assert 'enctype="multipart/form-data"' in door
    assert 'name="left_at_door" value="on"' in door
    photo_input = re.search(r"<input[^>]*name=\"door_photo\"[^>]*>", door).group(0)
    assert 'type="file"' in photo_input and 'accept="image/*"' in photo_input
    assert 'capture="environment"' in photo_input
    assert '<label for="photo-' in door


def test_a_wrong_code_on_the_plain_form_comes_back_as_a_message_with_the_tries_left(client):
    delivery = on_the_way(policy=CASH, method=COD, today=True)
    client.force_login(delivery.rider)
    before = books(delivery)

    response = client.post(
        move_url(delivery),
        {"to": "DELIVERED", "cash_collected": "64.00", "proof_code": wrong_code(delivery)},
        follow=True,
    )

    page = response.content.decode()
    assert f"That is not the delivery code of order {delivery.order.number}: 4 tries left." in page
    assert "4 tries left</small>" in card_of(page, delivery)
    assert books(delivery) == before

    client.post(move_url(delivery), {"to": "DELIVERED", "cash_collected": "64.00", "proof_code": delivery.proof_code})
    assert status_of(delivery) == DeliveryStatus.DELIVERED


def test_with_htmx_the_card_shows_the_refusal_then_the_lock(client):
    delivery = on_the_way(policy=ALWAYS, method=WALLET, today=True)
    client.force_login(delivery.rider)

    first = client.post(move_url(delivery), {"to": "DELIVERED", "proof_code": wrong_code(delivery)}, **HTMX)
    assert first.status_code == 422
    assert 'role="alert"' in first.content.decode() and "4 tries left" in first.content.decode()
    for _ in range(4):
        last = client.post(move_url(delivery), {"to": "DELIVERED", "proof_code": wrong_code(delivery)}, **HTMX)

    card = last.content.decode()
    assert "Too many wrong codes" in card
    assert 'name="proof_code"' not in card  # nothing left to type into
    assert "Left at the door</button>" in card  # still offered
    assert Delivery.objects.get(pk=delivery.pk).proof_attempts == 5


def test_the_right_code_with_htmx_delivers(client):
    delivery = on_the_way(policy=ALWAYS, method=WALLET, today=True)
    client.force_login(delivery.rider)

    response = client.post(move_url(delivery), {"to": "DELIVERED", "proof_code": delivery.proof_code}, **HTMX)

    assert response.status_code == 200
    assert "Handed over" in response.content.decode()
    assert status_of(delivery) == DeliveryStatus.DELIVERED


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_left_at_the_door_from_the_card_with_a_photo(client, headers, proofs):
    delivery = on_the_way(policy=ALWAYS, method=WALLET, today=True)
    client.force_login(delivery.rider)

    response = client.post(
        move_url(delivery),
        {"to": "DELIVERED", "left_at_door": "on", "note": "Behind the plant pot", "door_photo": photo()},
        **headers,
    )

    assert response.status_code == (200 if headers else 302)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.left_at_door
    assert (proofs / delivery.door_photo.name).is_file()
    if headers:
        assert "Left at the door. Photo saved." in response.content.decode()


def test_left_at_the_door_from_the_card_without_a_photo(client):
    delivery = on_the_way(policy=ALWAYS, method=WALLET, today=True)
    client.force_login(delivery.rider)

    response = client.post(move_url(delivery), {"to": "DELIVERED", "left_at_door": "on"}, **HTMX)

    assert response.status_code == 200
    assert "Left at the door." in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.left_at_door and not delivery.door_photo


@pytest.mark.parametrize(
    ("upload", "refusal"),
    [
        (lambda: photo("doorstep.jpg", b"<?php echo 'not a picture'; ?>"), "must be a JPEG, PNG or WebP picture"),
        (lambda: photo("doorstep.gif", picture("GIF"), "image/gif"), "must be a JPEG, PNG or WebP picture"),
        (lambda: photo("empty.jpg", b""), "The submitted file is empty"),
    ],
)
def test_a_bad_photo_from_the_card_is_refused_with_nothing_applied(client, upload, refusal, proofs):
    delivery = on_the_way(policy=ALWAYS, method=WALLET, today=True)
    client.force_login(delivery.rider)
    before = books(delivery)

    response = client.post(
        move_url(delivery), {"to": "DELIVERED", "left_at_door": "on", "door_photo": upload()}, **HTMX
    )

    assert response.status_code == 422
    assert refusal in response.content.decode()
    assert books(delivery) == before
    assert stored_photos(proofs) == set()


def test_an_oversized_photo_from_the_card_is_refused(client, settings):
    settings.DOOR_PHOTO_MAX_BYTES = 2_000
    delivery = on_the_way(policy=ALWAYS, method=WALLET, today=True)
    client.force_login(delivery.rider)

    response = client.post(
        move_url(delivery),
        {"to": "DELIVERED", "left_at_door": "on", "door_photo": photo(content=picture(size=(900, 900)))},
        **HTMX,
    )

    assert response.status_code == 422
    assert "The photo is too large" in response.content.decode()
    assert status_of(delivery) == DeliveryStatus.IN_TRANSIT


def test_a_cash_order_posted_as_left_at_the_door_is_refused(client):
    delivery = on_the_way(policy=ALWAYS, method=COD, today=True)
    client.force_login(delivery.rider)

    response = client.post(move_url(delivery), {"to": "DELIVERED", "left_at_door": "on"}, **HTMX)

    assert response.status_code == 422
    assert "cannot be left at the door" in response.content.decode()
    assert status_of(delivery) == DeliveryStatus.IN_TRANSIT


# The API


def rider_api(client, delivery) -> ApiClient:
    return ApiClient(client).login(delivery.rider.email)


def test_the_api_takes_the_code_and_counts_a_wrong_one(client):
    delivery = on_the_way(policy=CASH, method=COD)
    api = rider_api(client, delivery)
    body = {"deliveryId": delivery.pk, "status": "DELIVERED", "cashCollected": "64.00"}

    missing = api.patch("/delivery/update", body)
    wrong = api.patch("/delivery/update", {**body, "proofCode": wrong_code(delivery)})
    right = api.patch("/delivery/update", {**body, "proofCode": delivery.proof_code})

    assert missing.status_code == 409 and error_of(missing)["code"] == "proof_refused"
    assert wrong.status_code == 409
    assert error_of(wrong)["code"] == "proof_refused" and error_of(wrong)["triesLeft"] == 4
    assert "not the delivery code" in error_of(wrong)["message"]
    assert right.status_code == 200 and right.json()["status"] == "DELIVERED"


def test_the_api_refuses_a_code_too_long_to_be_one(client):
    delivery = on_the_way(policy=ALWAYS, method=WALLET)

    response = rider_api(client, delivery).patch(
        "/delivery/update", {"deliveryId": delivery.pk, "status": "DELIVERED", "proofCode": "1" * 9}
    )

    assert response.status_code == 400 and "proofCode" in error_of(response)["fields"]
    assert Delivery.objects.get(pk=delivery.pk).proof_attempts == 0


def test_the_api_leaves_a_prepaid_order_at_the_door_but_not_a_cash_one(client):
    prepaid = on_the_way(policy=ALWAYS, method=WALLET)
    cash = on_the_way(policy=ALWAYS, method=COD)
    api = rider_api(client, prepaid)

    left = api.patch("/delivery/update", {"deliveryId": prepaid.pk, "status": "DELIVERED", "leftAtDoor": True})
    refused = rider_api(Client(), cash).patch(
        "/delivery/update", {"deliveryId": cash.pk, "status": "DELIVERED", "leftAtDoor": True}
    )

    assert left.status_code == 200
    assert Delivery.objects.get(pk=prepaid.pk).left_at_door
    assert refused.status_code == 409 and "cannot be left at the door" in error_of(refused)["message"]


def post_photo(client, delivery, *, by=None, **data):
    token = ApiClient(client).login((by or delivery.rider).email).token
    return client.post(
        "/api/delivery/left-at-door", {"deliveryId": delivery.pk, **data}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_the_api_takes_the_doorstep_photo_as_multipart(client, proofs):
    delivery = on_the_way(policy=ALWAYS, method=WALLET)

    response = post_photo(client, delivery, note="Left with the neighbour", photo=photo())

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "DELIVERED"
    delivery.refresh_from_db()
    assert delivery.left_at_door and (proofs / delivery.door_photo.name).is_file()


def test_the_api_left_at_the_door_without_a_photo(client):
    delivery = on_the_way(policy=ALWAYS, method=WALLET)

    assert post_photo(client, delivery).status_code == 200
    delivery.refresh_from_db()
    assert delivery.left_at_door and not delivery.door_photo


def test_the_api_refuses_a_disguised_photo_as_bad_input(client, proofs):
    delivery = on_the_way(policy=ALWAYS, method=WALLET)
    before = books(delivery)

    response = post_photo(client, delivery, photo=photo("door.jpg", b"GIF89a but really a text file"))

    assert response.status_code == 400
    assert error_of(response)["fields"]["photo"] == ["The photo must be a JPEG, PNG or WebP picture."]
    assert books(delivery) == before
    assert stored_photos(proofs) == set()


def test_the_api_photo_of_another_riders_delivery_is_not_found(client, proofs):
    delivery = on_the_way(policy=ALWAYS, method=WALLET)

    response = post_photo(client, delivery, by=rider(), photo=photo())

    assert response.status_code == 404
    assert status_of(delivery) == DeliveryStatus.IN_TRANSIT
    assert stored_photos(proofs) == set()


# The admin


def test_staff_see_the_policy_on_the_zones_and_set_it(client, staff):
    zone = zone_asking(ALWAYS)

    listing = client.get(reverse("admin:delivery_deliveryzone_changelist")).content.decode()
    client.post(
        reverse("admin:delivery_deliveryzone_change", args=[zone.pk]),
        {"name": zone.name, "pincodes": zone.pincodes, "state": zone.state, "is_active": "on", "proof_policy": NEVER},
    )

    assert "Always" in listing and "By delivery code" in listing
    zone.refresh_from_db()
    assert zone.proof_policy == NEVER


def test_the_delivery_page_shows_the_code_the_tries_and_links_the_photo(client, staff):
    delivery = on_the_way(policy=ALWAYS, method=WALLET)
    with pytest.raises(Exception, match="4 tries left"):
        delivery_transition(
            delivery=delivery, to=DeliveryStatus.DELIVERED, by=delivery.rider, proof_code=wrong_code(delivery)
        )
    left_at_door_with_photo(delivery)

    page = client.get(reverse("admin:delivery_delivery_change", args=[delivery.pk])).content.decode()

    assert "Proof of delivery" in page
    assert delivery.proof_code in page
    assert "1 (4 left)" in page
    assert f'href="{reverse("delivery:staff_door_photo", args=[delivery.pk])}"' in page


def test_staff_mark_a_coded_delivery_delivered_from_the_admin_without_the_code(client, staff):
    delivery = on_the_way(policy=ALWAYS, method=COD)

    response = client.post(
        reverse("admin:delivery_delivery_changelist"),
        {"action": "mark_delivered", "_selected_action": [delivery.pk], "cash_collected": "64.00"},
        follow=True,
    )

    assert "1 delivery delivered." in [str(message) for message in response.context["messages"]]
    assert status_of(delivery) == DeliveryStatus.DELIVERED


def test_staff_allow_new_tries_of_a_locked_code_from_the_admin(client, staff):
    delivery = on_the_way(policy=ALWAYS, method=WALLET)
    for _ in range(5):
        with pytest.raises(Exception, match="code"):
            delivery_transition(
                delivery=delivery, to=DeliveryStatus.DELIVERED, by=delivery.rider, proof_code=wrong_code(delivery)
            )

    response = client.post(
        reverse("admin:delivery_delivery_changelist"),
        {"action": "reset_code_tries", "_selected_action": [delivery.pk]},
        follow=True,
    )

    said = [str(message) for message in response.context["messages"]]
    assert "1 delivery allowed new tries of the delivery code." in said
    delivery.refresh_from_db()
    assert delivery.proof_attempts == 0
    delivered = delivery_transition(
        delivery=delivery, to=DeliveryStatus.DELIVERED, by=delivery.rider, proof_code=delivery.proof_code
    )
    assert delivered.status == DeliveryStatus.DELIVERED


# The photo's views


def test_only_staff_open_the_photo_through_the_staff_view(client, proofs):
    delivery = left_at_door_with_photo(on_the_way(policy=ALWAYS, method=WALLET))
    url = reverse("delivery:staff_door_photo", args=[delivery.pk])
    staff = UserFactory(is_staff=True)

    client.force_login(staff)
    shown = client.get(url)
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/jpeg"
    assert b"".join(shown.streaming_content) == (proofs / delivery.door_photo.name).read_bytes()
    assert "no-cache" in shown["Cache-Control"] or "private" in shown["Cache-Control"]

    for who in (delivery.rider, delivery.user, customer_with_address()):
        client.force_login(who)
        assert client.get(url).status_code == 403
    assert Client().get(url)["Location"].startswith(reverse("account_login"))


def test_a_delivery_without_a_photo_has_none_to_show(client, staff):
    delivery = on_the_way(policy=ALWAYS, method=WALLET)

    assert client.get(reverse("delivery:staff_door_photo", args=[delivery.pk])).status_code == 404
    assert client.get(reverse("delivery:staff_door_photo", args=[999_999])).status_code == 404


def test_the_customer_sees_their_own_doorstep_photo_and_nobody_elses(client):
    delivery = left_at_door_with_photo(on_the_way(policy=ALWAYS, method=WALLET))
    url = reverse("delivery:order_door_photo", args=[delivery.order.number])

    client.force_login(delivery.user)
    order_page = client.get(delivery.order.get_absolute_url()).content.decode()
    assert f'href="{url}"' in order_page and "Left at your door" in order_page
    assert client.get(url).status_code == 200

    client.force_login(customer_with_address())
    assert client.get(url).status_code == 404
    assert Client().get(url)["Location"].startswith(reverse("account_login"))


def test_the_photo_is_never_under_the_public_media(client, settings, tmp_path, proofs):
    settings.MEDIA_ROOT = tmp_path / "media"
    delivery = left_at_door_with_photo(on_the_way(policy=ALWAYS, method=WALLET))
    name = delivery.door_photo.name

    assert (proofs / name).is_file()
    assert client.get(f"/{settings.MEDIA_URL}{name}").status_code == 404
    assert not default_storage.exists(name)
    assert not settings.MEDIA_ROOT.exists()


def test_the_shops_photo_folder_is_its_private_one_outside_the_media():
    field_storage = Delivery._meta.get_field("door_photo")._storage_callable()
    private = Path(settings.STORAGES["proofs"]["OPTIONS"]["location"]).resolve()

    assert field_storage is storages["proofs"]
    assert Path(field_storage.location).resolve() == private
    assert not private.is_relative_to(Path(settings.MEDIA_ROOT).resolve())


# What the customer sees


def test_the_order_page_shows_the_code_while_the_rider_will_ask_for_it(client):
    asked = on_the_way(policy=CASH, method=COD)
    not_asked = on_the_way(policy=CASH, method=WALLET, user=asked.user)
    client.force_login(asked.user)

    page = client.get(asked.order.get_absolute_url()).content.decode()
    other = client.get(not_asked.order.get_absolute_url()).content.decode()
    region = client.get(reverse("delivery:order_delivery", args=[asked.order.number]), **HTMX).content.decode()

    assert f"Your delivery code is <strong>{asked.proof_code}</strong>; tell it to the rider." in page
    assert f"Your delivery code is <strong>{asked.proof_code}</strong>" in region
    assert "delivery code" not in other

    delivery_transition(
        delivery=asked,
        to=DeliveryStatus.DELIVERED,
        by=asked.rider,
        cash_collected=asked.cash_due,
        proof_code=asked.proof_code,
    )
    assert "delivery code" not in client.get(asked.order.get_absolute_url()).content.decode()


def test_the_public_tracking_page_never_shows_the_code(client):
    delivery = on_the_way(policy=ALWAYS, method=COD)

    page = Client().get(reverse("delivery:track", args=[delivery.tracking_token])).content.decode()
    polled = Client().get(reverse("delivery:track", args=[delivery.tracking_token]), **HTMX).content.decode()

    assert delivery.proof_code not in page and delivery.proof_code not in polled
    assert "delivery code" not in page.lower()


@pytest.fixture
def sent(settings, django_capture_on_commit_callbacks):
    """Messages go out inline once the change commits; SMS land in notifications.sms.outbox."""
    settings.SITE_URL = "https://shop.milkshop-example.in"  # longer than the shop's own: an SMS that fits, fits
    sms.outbox.clear()
    yield django_capture_on_commit_callbacks
    sms.outbox.clear()


def _messages(user, type):
    in_app = Notification.objects.get(user=user, type=type, channel=Channel.IN_APP).message
    email = next(email for email in mail.outbox if email.to == [user.email])
    texts = [text.body for text in sms.outbox if text.to == user.phone]
    return in_app, email, texts


def test_the_order_confirmation_tells_the_code_by_email_sms_and_in_app(sent):
    zone_asking(CASH)
    customer = customer_with_address(phone="+919845012345")
    with sent(execute=True):
        order = place_order(user=customer, method=COD)

    code = order.delivery.proof_code
    in_app, email, [text] = _messages(customer, NotificationType.ORDER_CONFIRMED)
    assert f"Your delivery code is {code}; tell it to the rider." in in_app
    assert f"Your delivery code is {code}; tell it to the rider." in email.body
    assert f'<strong style="font-size:18px;letter-spacing:2px;">{code}</strong>' in email.alternatives[0][0]
    assert f"Delivery code {code}: tell it to the rider." in text
    assert_fits_one_sms(text)


def test_a_confirmation_without_a_code_to_ask_says_nothing_of_one(sent):
    zone_asking(CASH)
    customer = customer_with_address(phone="+919845012345")
    fund_wallet(customer, 500)
    with sent(execute=True):
        order = place_order(user=customer, method=WALLET)

    in_app, email, [text] = _messages(customer, NotificationType.ORDER_CONFIRMED)
    for said in (in_app, email.body, text):
        assert "delivery code" not in said.lower() and order.delivery.proof_code not in said


def test_the_on_the_way_message_repeats_the_code(sent):
    zone_asking(CASH)
    delivery_zone().riders.add(rider())
    customer = customer_with_address(phone="+919845012345")
    with sent(execute=True):
        delivery = on_the_way(policy=CASH, method=COD, user=customer)

    on_the_way_text = Notification.objects.get(
        user=customer, type=NotificationType.DELIVERY_UPDATE, channel=Channel.IN_APP, dedupe_key__contains=":IN_TRANSIT"
    ).message
    assert f"Your delivery code is {delivery.proof_code}; tell it to the rider." in on_the_way_text
    [text] = [t.body for t in sms.outbox if t.to == customer.phone and "on the way" in t.body]
    assert text.endswith(f"Your delivery code is {delivery.proof_code}; tell it to the rider.")
    assert "Track:" not in text  # the code and a link would not fit one SMS; the code matters at the door
    assert_fits_one_sms(text)


def test_without_a_code_to_ask_the_on_the_way_sms_keeps_its_tracking_link(sent):
    zone_asking(CASH)
    customer = customer_with_address(phone="+919845012345")
    with sent(execute=True):
        delivery = on_the_way(policy=CASH, method=WALLET, user=customer)

    [text] = [t.body for t in sms.outbox if t.to == customer.phone and "on the way" in t.body]
    assert text.endswith(f"Track: {settings.SITE_URL}{delivery.get_absolute_url()}")
    assert "code" not in text
    assert_fits_one_sms(text)


def test_the_customer_is_told_the_order_was_left_at_the_door(sent):
    customer = customer_with_address(phone="+919845012345")
    delivery = on_the_way(policy=ALWAYS, method=WALLET, user=customer)
    with sent(execute=True):
        left_at_door_with_photo(delivery)

    [text] = [t.body for t in sms.outbox if t.to == customer.phone]
    assert text == f"Milkshop: order {delivery.order.number} was left at your door. The rider's photo is on its page."
    assert_fits_one_sms(text)
    in_app = Notification.objects.get(user=customer, channel=Channel.IN_APP, dedupe_key__contains=":DELIVERED")
    assert in_app.message == f"Order {delivery.order.number} was left at your door."
    assert in_app.url == delivery.order.get_absolute_url()
