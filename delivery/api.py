from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.http import HttpRequest
from ninja import File, Form, Router, UploadedFile
from pydantic import Field

from containers.services import MAX_EMPTIES
from delivery.models import Delivery, DeliveryStatus, FailureReason
from delivery.proofs import DoorPhotoError, ProofRefused
from delivery.sync import (
    KEY_REUSED,
    NOT_ALLOWED,
    NOT_YOURS,
    PHOTO_REFUSED,
    PROOF_REFUSED,
    rider_update_apply,
    update_refusal,
    update_tries_left,
)
from milkshop.apibase import COMMON_ERRORS, ApiError, CamelSchema, bearer, not_found
from orders.workflows import DeliveryError, NotAllowed, delivery_transition

router = Router(tags=["delivery"])


class DeliveryUpdateIn(CamelSchema):
    delivery_id: int
    status: DeliveryStatus
    note: str = Field(default="", max_length=255)
    failure_reason: FailureReason | None = None
    cash_collected: Decimal | None = Field(default=None, ge=0, max_digits=10, decimal_places=2)
    empties_collected: int | None = Field(default=None, ge=0, le=MAX_EMPTIES)
    proof_code: str = Field(default="", max_length=8)
    left_at_door: bool = False
    idempotency_key: UUID | None = None
    made_at: datetime | None = None


class DeliveryUpdateOut(CamelSchema):
    delivery_id: int
    status: str
    order_status: str
    updated_at: datetime


@router.patch(
    "/delivery/update",
    response={200: DeliveryUpdateOut, **COMMON_ERRORS},
    auth=bearer,
    by_alias=True,
    summary="Move a delivery on (its rider, or staff)",
)
def delivery_update(request: HttpRequest, payload: DeliveryUpdateIn):
    """The assigned rider or staff move a delivery along its flow. A rider may mark it PICKED_UP, IN_TRANSIT,
    DELIVERED or FAILED (with a failureReason); only staff cancel. DELIVERED for cash on delivery needs
    cashCollected: exactly the amount due. Where the zone asks for it, a rider's DELIVERED needs the customer's
    proofCode (a wrong one is refused with triesLeft), or leftAtDoor (with a photo: POST /delivery/left-at-door).
    emptiesCollected is how many empty containers the rider took back (0 to 500; left out: all the customer held).
    With an idempotencyKey (a UUID the phone made for this update, with madeAt, when) the update is applied once
    however often it is sent: sent again, it gets the first answer; sent late, it is judged against the delivery
    as it is then (a move the delivery is already past is done, one it fell behind is caught up)."""
    return _move(
        request,
        payload.delivery_id,
        key=payload.idempotency_key,
        made_at=payload.made_at,
        to=payload.status,
        note=payload.note,
        failure_reason=payload.failure_reason or "",
        cash_collected=payload.cash_collected,
        empties_collected=payload.empties_collected,
        proof_code=payload.proof_code,
        left_at_door=payload.left_at_door,
    )


class LeftAtDoorIn(CamelSchema):
    delivery_id: int
    note: str = Field(default="", max_length=255)
    idempotency_key: UUID | None = None
    made_at: datetime | None = None


@router.post(
    "/delivery/left-at-door",
    response={200: DeliveryUpdateOut, **COMMON_ERRORS},
    auth=bearer,
    by_alias=True,
    summary="Mark a delivery delivered, left at the door, with an optional photo (multipart)",
)
def delivery_left_at_door(request: HttpRequest, payload: Form[LeftAtDoorIn], photo: File[UploadedFile] = None):
    """The assigned rider (or staff) could not get the customer's delivery code and left the order at the door:
    multipart/form-data with deliveryId, an optional note and an optional photo (a JPEG, PNG or WebP picture of
    at most 5 MB). Only where the zone asks for the code, and never for cash on delivery."""
    return _move(
        request,
        payload.delivery_id,
        key=payload.idempotency_key,
        made_at=payload.made_at,
        to=DeliveryStatus.DELIVERED,
        note=payload.note,
        left_at_door=True,
        door_photo=photo,
    )


def _move(request: HttpRequest, delivery_id: int, *, key: UUID | None = None, made_at=None, **fields):
    if key is not None:
        return _move_once(request, delivery_id, key=key, made_at=made_at, changes=fields)
    delivery = Delivery.objects.select_related("order").filter(pk=delivery_id).first()
    user = request.user
    if delivery is None or not (user.is_staff or delivery.rider_id == user.pk):
        raise not_found("delivery")
    try:
        delivery = delivery_transition(delivery=delivery, by=user, **fields)
    except NotAllowed as error:
        raise ApiError(403, "forbidden", str(error)) from error
    except ProofRefused as error:
        extra = {} if error.tries_left is None else {"triesLeft": error.tries_left}
        raise ApiError(409, "proof_refused", str(error), **extra) from error
    except DoorPhotoError as error:
        raise ApiError(400, "invalid", str(error), {"photo": [str(error)]}) from error
    except DeliveryError as error:
        raise ApiError(409, "delivery_refused", str(error)) from error
    return _moved(delivery)


def _move_once(request: HttpRequest, delivery_id: int, *, key: UUID, made_at, changes: dict):
    user = request.user
    update = rider_update_apply(
        rider=user, delivery_id=delivery_id, key=key, changes=changes, made_at=made_at, any_delivery=True
    )
    refusal, message = update_refusal(update), update.message
    delivery = Delivery.objects.select_related("order").filter(pk=delivery_id).first()
    # A replay after the delivery went to another rider tells its sender nothing more about it.
    if refusal == NOT_YOURS or delivery is None or not (user.is_staff or delivery.rider_id == user.pk):
        raise not_found("delivery")
    if refusal == NOT_ALLOWED:
        raise ApiError(403, "forbidden", message)
    if refusal == PROOF_REFUSED:
        tries_left = update_tries_left(update)
        raise ApiError(409, "proof_refused", message, **({} if tries_left is None else {"triesLeft": tries_left}))
    if refusal == PHOTO_REFUSED:
        raise ApiError(400, "invalid", message, {"photo": [message]})
    if refusal == KEY_REUSED:
        raise ApiError(409, "idempotency_key_reused", message)
    if refusal:
        raise ApiError(409, "delivery_refused", message)
    return _moved(delivery)


def _moved(delivery: Delivery) -> dict:
    delivery.order.refresh_from_db()
    return {
        "delivery_id": delivery.pk,
        "status": delivery.status,
        "order_status": delivery.order.status,
        "updated_at": delivery.updated_at,
    }
