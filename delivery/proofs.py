"""Proof of delivery: the customer's delivery code, the wrong tries it allows, and the doorstep photo.

Each zone says when its riders must enter the customer's code to mark an order delivered (DeliveryZone.proof_policy):
always, for cash on delivery only, or never. Where the code is asked for, a rider who cannot get it may leave the order
at the door instead, with a photo if they like; an order with cash to collect is never left at the door. Staff who mark
an order delivered are trusted without the code: their name is on the delivery's history row.

orders.workflows.delivery_transition calls proof_check in a small transaction of its own, before the move's, so that a
wrong code stays counted although the move is refused; after settings.DELIVERY_CODE_TRIES wrong codes the code is
locked until staff allow new tries (proof_tries_reset).
"""

import io
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts.models import User
from delivery.models import (
    PROOF_CODE_DIGITS,
    Delivery,
    DeliveryStatus,
    DeliveryStatusHistory,
    ProofPolicy,
    cash_due_for,
)
from delivery.services import DeliveryError
from milkshop.money import format_money
from payments.models import PaymentMethod

# Pillow's name for each image type kept, and the file extension it is stored under.
PHOTO_TYPES = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
PHOTO_MAX_PIXELS = 50_000_000  # refused before decoding: a small file can claim a huge picture
PHOTO_MAX_SIDE = 2048  # kept at most this wide and high: plenty to see a parcel on a doorstep


class ProofRefused(DeliveryError):
    """The delivery code is missing, wrong or locked, or the order may not be left at the door."""

    def __init__(self, message: str, *, tries_left: int | None = None):
        super().__init__(message)
        self.tries_left = tries_left


class DoorPhotoError(DeliveryError):
    """The doorstep photo is not one the shop keeps (not a JPEG, PNG or WebP picture, or too large)."""


def proof_required(*, delivery: Delivery) -> bool:
    """Whether the rider must enter the customer's code to mark this delivery delivered (its zone's policy)."""
    policy = delivery.zone.proof_policy if delivery.zone_id else ProofPolicy.CASH
    return policy == ProofPolicy.ALWAYS or (
        policy == ProofPolicy.CASH and delivery.order.payment_method == PaymentMethod.CASH
    )


def proof_code_for_customer(delivery: Delivery) -> str:
    """The code the customer's pages and messages tell them: while the delivery is under way and the rider will ask."""
    return delivery.proof_code if delivery.is_active and proof_required(delivery=delivery) else ""


def proof_tries_left(delivery: Delivery) -> int:
    return max(0, settings.DELIVERY_CODE_TRIES - delivery.proof_attempts)


@dataclass(frozen=True)
class ProofPrompt:
    """What the rider's card asks for at the door."""

    code_needed: bool
    may_leave_at_door: bool
    tries_left: int

    @property
    def locked(self) -> bool:
        return self.code_needed and self.tries_left == 0


def proof_prompt(delivery: Delivery) -> ProofPrompt:
    needed = proof_required(delivery=delivery)
    return ProofPrompt(
        code_needed=needed,
        may_leave_at_door=needed and not cash_due_for(delivery.order),
        tries_left=proof_tries_left(delivery),
    )


def _locked_message(delivery: Delivery) -> str:
    instead = "mark it not delivered" if cash_due_for(delivery.order) else "leave it at the door"
    return (
        f"Too many wrong codes for order {delivery.order.number}: call the customer, or {instead}. "
        "The shop can allow new tries."
    )


def proof_check(*, delivery: Delivery, by: User | None, code: str, left_at_door: bool) -> ProofRefused | None:
    """Why this delivery may not be marked delivered as asked (the refusal to raise), or None when it may.

    The one rule of proof of delivery. A wrong code is counted here: call it with the delivery (and its order)
    locked, in a transaction that commits even when it refuses, and raise the refusal once that has committed."""
    shop = by is None or by.is_staff
    if not shop and delivery.rider_id != by.pk:
        return None  # the move itself is refused: not their delivery, and not theirs to guess at
    if delivery.status != DeliveryStatus.IN_TRANSIT:
        return None  # the move itself is refused: only a delivery on the way is handed over
    number = delivery.order.number
    required = proof_required(delivery=delivery)
    if left_at_door:
        if not required:
            return ProofRefused(f"Order {number} needs no delivery code: mark it delivered.")
        if due := cash_due_for(delivery.order):
            return ProofRefused(
                f"Order {number} is cash on delivery, so it cannot be left at the door: hand it over and collect "
                f"{format_money(due)}, or mark it not delivered."
            )
        return None
    if not required or shop:
        return None
    if proof_tries_left(delivery) == 0:
        return ProofRefused(_locked_message(delivery), tries_left=0)
    code = code.strip()
    if not code:
        return ProofRefused(
            f"Ask the customer for the {PROOF_CODE_DIGITS}-digit delivery code of order {number} and enter it.",
            tries_left=proof_tries_left(delivery),
        )
    if secrets.compare_digest(code.encode(), delivery.proof_code.encode()):
        return None
    delivery.proof_attempts += 1
    delivery.save(update_fields=["proof_attempts", "updated_at"])
    left = proof_tries_left(delivery)
    if not left:
        return ProofRefused(_locked_message(delivery), tries_left=0)
    return ProofRefused(
        f"That is not the delivery code of order {number}: {left} {'try' if left == 1 else 'tries'} left.",
        tries_left=left,
    )


def proof_tries_reset(*, delivery: Delivery, by: User) -> Delivery:
    """Staff allow a locked (or half-used) delivery code its tries again; its history says who did."""
    if not by.is_staff:
        raise DeliveryError("Only the shop allows new tries of a delivery code.")
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.proof_attempts:
            locked.proof_attempts = 0
            locked.save(update_fields=["proof_attempts", "updated_at"])
            DeliveryStatusHistory.objects.create(
                delivery=locked,
                from_status=locked.status,
                to_status=locked.status,
                changed_by=by,
                note="Delivery code tries reset",
            )
    delivery.refresh_from_db()
    return delivery


# The doorstep photo


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _resaved(upload) -> ContentFile:
    """The picture decoded and written anew: only pixels survive (no hidden payload, no location metadata)."""
    try:
        upload.seek(0)
        with Image.open(upload, formats=list(PHOTO_TYPES)) as image:
            kind = image.format
            if image.width * image.height > PHOTO_MAX_PIXELS:
                raise DoorPhotoError("The photo has too many pixels; take it again at the camera's usual size.")
            image.draft("RGB", (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))  # JPEG: decode at a smaller scale, quickly
            picture = ImageOps.exif_transpose(image)  # the way up the phone was held, before the metadata goes
            picture.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            if kind == "JPEG" and picture.mode != "RGB":
                picture = picture.convert("RGB")
            out = io.BytesIO()
            picture.save(out, format=kind, **({"quality": 85} if kind != "PNG" else {"optimize": True}))
    except DoorPhotoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
        raise DoorPhotoError("The photo must be a JPEG, PNG or WebP picture.") from error
    return ContentFile(out.getvalue(), name=f"{secrets.token_urlsafe(18)}.{PHOTO_TYPES[kind]}")


def door_photo_clean(*, to: str, left_at_door: bool, upload) -> ContentFile | None:
    """The doorstep photo as the shop keeps it, checked before any row is locked; None when there is none.

    A photo goes only with an order left at the door. It must be a JPEG, PNG or WebP picture by its content (whatever
    its name says), no larger than settings.DOOR_PHOTO_MAX_BYTES; it is re-saved under a random name."""
    if to != DeliveryStatus.DELIVERED and (left_at_door or upload):
        raise ProofRefused("Only an order being marked delivered is left at the door.")
    if not upload:
        return None
    if not left_at_door:
        raise DoorPhotoError("A photo goes with “left at the door” only.")
    limit = settings.DOOR_PHOTO_MAX_BYTES
    if upload.size > limit:
        raise DoorPhotoError(
            f"The photo is too large ({_megabytes(upload.size)}); the most it can be is {_megabytes(limit)}."
        )
    return _resaved(upload)


def delivery_left_at_door(*, delivery: Delivery, photo: ContentFile | None) -> Delivery:
    """Record that the order was left at the door, with its photo (written to the private proofs storage).

    Call inside the transaction that marks the delivery delivered, with it locked, as its last write."""
    delivery.left_at_door = True
    if photo is not None:
        delivery.door_photo.save(photo.name, photo, save=False)
    delivery.save(update_fields=["left_at_door", "door_photo", "updated_at"])
    return delivery
