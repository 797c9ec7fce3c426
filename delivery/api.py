from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router
from pydantic import Field

from delivery.models import Delivery, DeliveryStatus, FailureReason, cash_due_for
from delivery.services import DeliveryError, delivery_transition
from milkshop.apibase import COMMON_ERRORS, ApiError, CamelSchema, bearer, not_found

router = Router(tags=["delivery"])


class DeliveryUpdateIn(CamelSchema):
    delivery_id: int
    status: DeliveryStatus
    note: str = Field(default="", max_length=255)
    failure_reason: FailureReason | None = None
    cash_collected: Decimal | None = Field(default=None, ge=0, max_digits=10, decimal_places=2)


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
    """The assigned rider or staff move a delivery along its flow. DELIVERED for cash on delivery needs
    cashCollected (the amount due; it defaults to it); FAILED needs a failureReason."""
    delivery = Delivery.objects.select_related("order").filter(pk=payload.delivery_id).first()
    if delivery is None:
        raise not_found("delivery")
    user = request.user
    if not user.is_staff and delivery.rider_id != user.pk:
        raise ApiError(403, "forbidden", "Only the delivery's rider or staff can update it.")
    cash = payload.cash_collected
    if payload.status == DeliveryStatus.DELIVERED and cash is None:
        cash = cash_due_for(delivery.order)
    try:
        delivery = delivery_transition(
            delivery=delivery,
            to=payload.status,
            by=user,
            note=payload.note,
            failure_reason=payload.failure_reason or "",
            cash_collected=cash,
            as_rider=None if user.is_staff else user,
        )
    except DeliveryError as error:
        raise ApiError(409, "delivery_refused", str(error)) from error
    delivery.order.refresh_from_db()
    return {
        "delivery_id": delivery.pk,
        "status": delivery.status,
        "order_status": delivery.order.status,
        "updated_at": delivery.updated_at,
    }
