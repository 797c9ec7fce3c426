from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router
from pydantic import Field

from delivery.models import Delivery, DeliveryStatus, FailureReason
from milkshop.apibase import COMMON_ERRORS, ApiError, CamelSchema, bearer, not_found
from orders.workflows import DeliveryError, NotAllowed, delivery_transition

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
    """The assigned rider or staff move a delivery along its flow. A rider may mark it PICKED_UP, IN_TRANSIT,
    DELIVERED or FAILED (with a failureReason); only staff cancel. DELIVERED for cash on delivery needs
    cashCollected: exactly the amount due."""
    delivery = Delivery.objects.select_related("order").filter(pk=payload.delivery_id).first()
    user = request.user
    if delivery is None or not (user.is_staff or delivery.rider_id == user.pk):
        raise not_found("delivery")
    try:
        delivery = delivery_transition(
            delivery=delivery,
            to=payload.status,
            by=user,
            note=payload.note,
            failure_reason=payload.failure_reason or "",
            cash_collected=payload.cash_collected,
        )
    except NotAllowed as error:
        raise ApiError(403, "forbidden", str(error)) from error
    except DeliveryError as error:
        raise ApiError(409, "delivery_refused", str(error)) from error
    delivery.order.refresh_from_db()
    return {
        "delivery_id": delivery.pk,
        "status": delivery.status,
        "order_status": delivery.order.status,
        "updated_at": delivery.updated_at,
    }
