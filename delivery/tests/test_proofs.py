"""Proof of delivery through the workflow: when the code is asked for, wrong codes and their limit, left at the door,
and the doorstep photo's checks. The pages, the API and the admin are tried in test_proof_doors.py."""

import io
import threading
import uuid
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from PIL import Image

from accounts.tests.factories import UserFactory
from delivery.models import Delivery, DeliveryStatus, ProofPolicy, RiderUpdateOutcome
from delivery.proofs import DoorPhotoError, ProofRefused, proof_tries_reset
from delivery.sync import rider_update_apply
from delivery.tests.factories import books, delivery_in, rider
from delivery.tests.proof_helpers import (
    EXIF_MAKE,
    EXIF_ORIENTATION,
    keep_photos_in,
    on_the_way,
    photo,
    picture,
    stored_photos,
    wrong_code,
    zone_asking,
)
from orders.models import OrderStatus
from orders.workflows import NotAllowed, delivery_transition
from payments.models import PaymentMethod, PaymentStatus

pytestmark = pytest.mark.django_db

ALWAYS, CASH, NEVER = ProofPolicy.ALWAYS, ProofPolicy.CASH, ProofPolicy.NEVER
COD, WALLET, UPI = PaymentMethod.CASH, PaymentMethod.WALLET, PaymentMethod.UPI


@pytest.fixture(autouse=True)
def proofs(monkeypatch, tmp_path) -> Path:
    return keep_photos_in(monkeypatch, tmp_path / "proofs")


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


def deliver(delivery: Delivery, **fields) -> Delivery:
    """The rider marks it delivered (with the cash, when there is cash to collect)."""
    fields.setdefault("cash_collected", delivery.cash_due or None)
    return delivery_transition(delivery=delivery, to=DeliveryStatus.DELIVERED, by=delivery.rider, **fields)


def attempts(delivery: Delivery) -> int:
    return Delivery.objects.values_list("proof_attempts", flat=True).get(pk=delivery.pk)


# When the code is asked for


@pytest.mark.parametrize(
    ("policy", "method", "asked"),
    [
        (ALWAYS, COD, True),
        (ALWAYS, WALLET, True),
        (ALWAYS, UPI, True),
        (CASH, COD, True),
        (CASH, WALLET, False),
        (CASH, UPI, False),
        (NEVER, COD, False),
        (NEVER, WALLET, False),
        (NEVER, UPI, False),
    ],
)
def test_the_zones_policy_and_the_payment_method_decide_whether_the_rider_needs_the_code(policy, method, asked):
    delivery = on_the_way(policy=policy, method=method)
    before = books(delivery)

    if asked:
        with pytest.raises(ProofRefused, match="Ask the customer for the 4-digit delivery code"):
            deliver(delivery)
        assert books(delivery) == before
        assert attempts(delivery) == 0  # asking is not a wrong try
        delivered = deliver(delivery, proof_code=delivery.proof_code)
    else:
        delivered = deliver(delivery)

    assert delivered.status == DeliveryStatus.DELIVERED
    assert delivered.order.status == OrderStatus.DELIVERED
    assert delivered.order.payment_status == PaymentStatus.SUCCESS
    assert not delivered.left_at_door


def test_each_delivery_has_its_own_four_digit_code():
    codes = [delivery_in(DeliveryStatus.ASSIGNED).proof_code for _ in range(12)]

    assert all(len(code) == 4 and code.isdigit() for code in codes)
    assert len(set(codes)) > 1


def test_spaces_around_the_code_are_forgiven():
    delivery = on_the_way(policy=ALWAYS, method=WALLET)

    assert deliver(delivery, proof_code=f" {delivery.proof_code} ").status == DeliveryStatus.DELIVERED


# Wrong codes


def test_a_wrong_code_is_refused_and_counted_though_nothing_else_changes():
    delivery = on_the_way(policy=CASH, method=COD)
    before = books(delivery)

    with pytest.raises(
        ProofRefused, match=f"not the delivery code of order {delivery.order.number}: 4 tries left"
    ) as refused:
        deliver(delivery, proof_code=wrong_code(delivery))

    assert refused.value.tries_left == 4
    assert attempts(delivery) == 1
    assert books(delivery) == before  # no cash taken, order not delivered, no history row

    delivered = deliver(delivery, proof_code=delivery.proof_code)
    assert delivered.status == DeliveryStatus.DELIVERED
    assert delivered.proof_attempts == 1  # staff can still see there was a wrong try


@pytest.mark.parametrize("guess", ["abcd", "४८२१", "12345678", "0"])
def test_anything_that_is_not_the_code_counts_as_a_wrong_code(guess):
    delivery = on_the_way(policy=ALWAYS, method=WALLET)

    with pytest.raises(ProofRefused, match="4 tries left"):
        deliver(delivery, proof_code=guess)

    assert attempts(delivery) == 1


def test_after_five_wrong_codes_even_the_right_one_is_refused_until_staff_allow_new_tries(staff):
    delivery = on_the_way(policy=ALWAYS, method=WALLET)
    said = []
    for _ in range(5):
        with pytest.raises(ProofRefused) as refused:
            deliver(delivery, proof_code=wrong_code(delivery))
        said.append((refused.value.tries_left, str(refused.value)))

    assert [left for left, _message in said] == [4, 3, 2, 1, 0]
    assert "1 try left" in said[3][1]
    locked = f"Too many wrong codes for order {delivery.order.number}: call the customer, or leave it at the door."
    assert said[4][1].startswith(locked)
    with pytest.raises(ProofRefused, match="Too many wrong codes"):
        deliver(delivery, proof_code=delivery.proof_code)
    assert attempts(delivery) == 5  # the lock does not count further

    proof_tries_reset(delivery=delivery, by=staff)

    assert attempts(delivery) == 0
    assert delivery.history.filter(note="Delivery code tries reset", changed_by=staff).exists()
    assert deliver(delivery, proof_code=delivery.proof_code).status == DeliveryStatus.DELIVERED


def test_a_locked_cash_order_is_not_offered_the_door():
    delivery = on_the_way(policy=CASH, method=COD)
    for _ in range(5):
        with pytest.raises(ProofRefused):
            deliver(delivery, proof_code=wrong_code(delivery))

    with pytest.raises(ProofRefused, match="call the customer, or mark it not delivered"):
        deliver(delivery, proof_code=delivery.proof_code)


def test_only_staff_allow_new_tries():
    delivery = on_the_way(policy=ALWAYS, method=WALLET)
    with pytest.raises(ProofRefused):
        deliver(delivery, proof_code=wrong_code(delivery))

    with pytest.raises(Exception, match="Only the shop"):
        proof_tries_reset(delivery=delivery, by=delivery.rider)
    assert attempts(delivery) == 1


def test_another_riders_guesses_are_neither_counted_nor_answered():
    delivery = on_the_way(policy=ALWAYS, method=WALLET)
    other = rider()

    with pytest.raises(NotAllowed, match="is not yours"):
        delivery_transition(delivery=delivery, to=DeliveryStatus.DELIVERED, by=other, proof_code=wrong_code(delivery))

    assert attempts(delivery) == 0


def test_a_code_tried_before_the_delivery_is_on_the_way_is_not_counted():
    zone_asking(ALWAYS)
    delivery = delivery_in(DeliveryStatus.PICKED_UP)

    with pytest.raises(Exception, match="cannot be marked delivered"):
        deliver(delivery, proof_code=wrong_code(delivery))

    assert attempts(delivery) == 0


def test_a_wrong_code_stays_counted_when_a_caller_commits_after_the_refusal():
    """As the rider's queued updates do: the refusal is recorded and the caller's transaction commits."""
    delivery = on_the_way(policy=ALWAYS, method=WALLET)

    with transaction.atomic():
        try:
            deliver(delivery, proof_code=wrong_code(delivery))
        except ProofRefused as refused:
            recorded = str(refused)
        assert attempts(delivery) == 1

    assert "4 tries left" in recorded

    assert attempts(delivery) == 1
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.IN_TRANSIT


def test_a_queued_wrong_code_is_counted_once_however_often_it_is_replayed():
    delivery = on_the_way(policy=ALWAYS, method=WALLET)
    key = uuid.uuid4()
    changes = {"to": DeliveryStatus.DELIVERED, "proof_code": wrong_code(delivery)}

    first = rider_update_apply(rider=delivery.rider, delivery_id=delivery.pk, key=key, changes=changes)
    again = rider_update_apply(rider=delivery.rider, delivery_id=delivery.pk, key=key, changes=changes)

    assert first.outcome == again.outcome == RiderUpdateOutcome.REFUSED
    assert "4 tries left" in first.message and again.message == first.message
    assert attempts(delivery) == 1
    right = {"to": DeliveryStatus.DELIVERED, "proof_code": delivery.proof_code}
    done = rider_update_apply(rider=delivery.rider, delivery_id=delivery.pk, key=uuid.uuid4(), changes=right)
    assert done.outcome == RiderUpdateOutcome.APPLIED
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.DELIVERED


@pytest.mark.django_db(transaction=True)
def test_a_wrong_code_is_committed_on_its_own():
    """Committed at once, not only kept in this connection: another connection reads the count."""
    delivery = on_the_way(policy=ALWAYS, method=WALLET)

    with pytest.raises(ProofRefused):
        deliver(delivery, proof_code=wrong_code(delivery))

    seen = []

    def read_elsewhere():
        seen.append(attempts(delivery))
        connection.close()

    reader = threading.Thread(target=read_elsewhere)
    reader.start()
    reader.join()
    assert seen == [1]


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_existing_delivery_its_own_code():
    """Adding the column gives every row the same default; the migration then gives each its own."""
    deliveries = [delivery_in(DeliveryStatus.ASSIGNED) for _ in range(8)]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([("delivery", "0003_backfill_deliveries_for_confirmed_orders")])
        executor = MigrationExecutor(connection)
        executor.migrate([("delivery", "0004_proofs_routes_rider_updates_and_rounds")])
        codes = list(Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).values_list("proof_code", flat=True))
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)

    assert len(codes) == 8
    assert all(len(code) == 4 and code.isdigit() for code in codes)
    assert len(set(codes)) > 1


# Staff


@pytest.mark.parametrize("method", [COD, WALLET])
def test_staff_are_trusted_without_the_code_and_named_on_the_history(staff, method):
    delivery = on_the_way(policy=ALWAYS, method=method)

    delivered = delivery_transition(
        delivery=delivery, to=DeliveryStatus.DELIVERED, by=staff, cash_collected=delivery.cash_due or None
    )

    assert delivered.status == DeliveryStatus.DELIVERED
    assert (
        delivered.history.get(to_status=DeliveryStatus.DELIVERED, from_status=DeliveryStatus.IN_TRANSIT).changed_by
        == staff
    )


# Left at the door


def test_left_at_the_door_without_a_photo():
    delivery = on_the_way(policy=ALWAYS, method=WALLET)

    delivered = deliver(delivery, left_at_door=True, note="With the security guard")

    assert delivered.status == DeliveryStatus.DELIVERED
    assert delivered.left_at_door
    assert not delivered.door_photo
    assert delivered.order.status == OrderStatus.DELIVERED
    assert delivered.history.get(to_status=DeliveryStatus.DELIVERED).note == "With the security guard"


def test_left_at_the_door_with_a_photo_kept_privately_under_a_random_name_without_its_metadata(proofs):
    delivery = on_the_way(policy=ALWAYS, method=UPI)
    taken = picture(size=(640, 480), exif={EXIF_MAKE: "RiderPhone-Secret", EXIF_ORIENTATION: 6})

    delivered = deliver(delivery, left_at_door=True, door_photo=photo("IMG_0042.jpg", taken))

    name = delivered.door_photo.name
    assert name.startswith("door-photos/") and name.endswith(".jpg")
    assert delivery.order.number not in name and "IMG_0042" not in name
    assert (proofs / name).is_file()
    assert not default_storage.exists(name)  # not among the public media
    kept = (proofs / name).read_bytes()
    assert b"RiderPhone-Secret" not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert image.format == "JPEG"
        assert image.size == (480, 640)  # turned the way the phone was held
        assert not image.getexif()


@pytest.mark.parametrize(("kind", "extension"), [("PNG", "png"), ("WEBP", "webp")])
def test_png_and_webp_photos_are_kept_as_they_came(kind, extension, proofs):
    delivery = on_the_way(policy=ALWAYS, method=WALLET)

    delivered = deliver(delivery, left_at_door=True, door_photo=photo("door.bin", picture(kind)))

    assert delivered.door_photo.name.endswith(f".{extension}")
    with Image.open(proofs / delivered.door_photo.name) as image:
        assert image.format == kind


def test_a_big_photo_is_kept_at_a_size_that_shows_the_doorstep(proofs):
    delivery = on_the_way(policy=ALWAYS, method=WALLET)

    delivered = deliver(delivery, left_at_door=True, door_photo=photo(content=picture(size=(4000, 3000))))

    with Image.open(proofs / delivered.door_photo.name) as image:
        assert image.size == (2048, 1536)


@pytest.mark.parametrize(
    ("policy", "method", "refusal"),
    [
        (CASH, COD, "is cash on delivery, so it cannot be left at the door: hand it over and collect ₹64.00"),
        (ALWAYS, COD, "is cash on delivery, so it cannot be left at the door"),
        (CASH, WALLET, "needs no delivery code: mark it delivered"),
        (NEVER, WALLET, "needs no delivery code: mark it delivered"),
        (NEVER, COD, "needs no delivery code: mark it delivered"),
    ],
)
def test_left_at_the_door_only_where_the_code_is_asked_for_and_never_with_cash_to_collect(
    policy, method, refusal, proofs
):
    delivery = on_the_way(policy=policy, method=method)
    before = books(delivery)

    with pytest.raises(ProofRefused, match=refusal):
        deliver(delivery, left_at_door=True, door_photo=photo())

    assert books(delivery) == before
    assert stored_photos(proofs) == set()
    assert not Delivery.objects.get(pk=delivery.pk).left_at_door


# Bad photos: refused, with nothing applied and nothing stored


def _disguised() -> bytes:
    return b"#!/bin/sh\necho this is not a picture\n"


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (20, 20)).save(out, format="GIF")
    return out.getvalue()


def _truncated() -> bytes:
    return picture()[:300]


def _huge_canvas() -> bytes:
    """A tiny file that claims an 8,000 × 8,000 picture (64 million pixels)."""
    out = io.BytesIO()
    Image.new("1", (8_000, 8_000)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "name", "refusal"),
    [
        (_disguised, "doorstep.jpg", "must be a JPEG, PNG or WebP picture"),
        (_gif, "doorstep.gif", "must be a JPEG, PNG or WebP picture"),
        (_truncated, "doorstep.jpg", "must be a JPEG, PNG or WebP picture"),
        (_huge_canvas, "doorstep.png", "too many pixels"),
        (lambda: b"", "empty.jpg", "must be a JPEG, PNG or WebP picture"),
    ],
)
def test_a_photo_that_is_not_a_picture_we_keep_is_refused_with_nothing_applied(make, name, refusal, proofs):
    delivery = on_the_way(policy=ALWAYS, method=WALLET)
    before = books(delivery)

    with pytest.raises(DoorPhotoError, match=refusal):
        deliver(delivery, left_at_door=True, door_photo=photo(name, make()))

    assert books(delivery) == before
    assert stored_photos(proofs) == set()
    assert not Delivery.objects.get(pk=delivery.pk).left_at_door


def test_an_oversized_photo_is_refused_before_it_is_read(settings, proofs):
    settings.DOOR_PHOTO_MAX_BYTES = 10_000
    delivery = on_the_way(policy=ALWAYS, method=WALLET)
    before = books(delivery)
    big = picture(size=(1200, 900)) + b"\0" * 10_000

    with pytest.raises(DoorPhotoError, match=r"too large \(0\.\d MB\); the most it can be is 0\.0 MB"):
        deliver(delivery, left_at_door=True, door_photo=photo(content=big))

    assert books(delivery) == before
    assert stored_photos(proofs) == set()


def test_a_photo_goes_only_with_left_at_the_door(proofs):
    delivery = on_the_way(policy=ALWAYS, method=WALLET)

    with pytest.raises(DoorPhotoError, match="goes with “left at the door” only"):
        deliver(delivery, proof_code=delivery.proof_code, door_photo=photo())
    with pytest.raises(ProofRefused, match="Only an order being marked delivered is left at the door"):
        delivery_transition(
            delivery=delivery, to=DeliveryStatus.FAILED, by=delivery.rider, failure_reason="REFUSED", left_at_door=True
        )

    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.IN_TRANSIT
    assert stored_photos(proofs) == set()
