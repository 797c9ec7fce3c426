from datetime import date
from decimal import Decimal

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Status
from pydantic import Field

from accounts.models import Address
from catalog.models import Product
from milkshop.apibase import COMMON_ERRORS, ApiError, CamelSchema, bearer, forbid_other_user, not_found
from payments.models import PaymentMethod
from subscriptions.forms import EARLIEST, LATEST, plausible
from subscriptions.models import Frequency
from subscriptions.schedule import plan_for
from subscriptions.selectors import preview
from subscriptions.services import SubscriptionError, subscription_create

router = Router(tags=["subscriptions"])

WEEKDAYS = {"MON": 0, "TUE": 1, "WED": 2, "THU": 3, "FRI": 4, "SAT": 5, "SUN": 6}


class SubscribeIn(CamelSchema):
    user_id: int | None = None
    product_id: int
    qty: int = Field(ge=1, le=10)
    frequency: Frequency
    start_date: date
    end_date: date | None = None
    weekdays: list[str] | None = Field(default=None, max_length=7, description="For WEEKLY: MON … SUN")
    slot: str = Field(default="MORNING", max_length=20)
    address_id: int | None = None
    payment_method: PaymentMethod = PaymentMethod.WALLET


class UpcomingOut(CamelSchema):
    date: date
    qty: int
    amount: Decimal


class SubscribedOut(CamelSchema):
    subscription_id: int
    status: str
    next_deliveries: list[UpcomingOut]


@router.post(
    "/order/subscribe",
    response={201: SubscribedOut, **COMMON_ERRORS},
    auth=bearer,
    by_alias=True,
    summary="Subscribe to a product",
)
def subscribe(request: HttpRequest, payload: SubscribeIn):
    forbid_other_user(request, payload.user_id)
    product = Product.objects.filter(pk=payload.product_id).first()
    if product is None:
        raise not_found("product")
    addresses = Address.objects.filter(user=request.user)
    address = (
        addresses.filter(pk=payload.address_id).first()
        if payload.address_id
        else addresses.filter(is_default=True).first()
    )
    if address is None:
        raise (
            not_found("address") if payload.address_id else ApiError(400, "no_address", "Add a delivery address first.")
        )
    unknown = [day for day in payload.weekdays or [] if day.upper() not in WEEKDAYS]
    if unknown:
        raise ApiError(
            400, "invalid", "Some fields are not valid.", {"weekdays": [f"Not a weekday: {', '.join(unknown)}."]}
        )
    if payload.payment_method not in (PaymentMethod.WALLET, PaymentMethod.CASH):
        raise ApiError(
            400,
            "invalid",
            "Some fields are not valid.",
            {"paymentMethod": ["Subscriptions are paid by WALLET or CASH."]},
        )
    for name, day in (("startDate", payload.start_date), ("endDate", payload.end_date)):
        if day is not None and not plausible(day):  # near year 9999 the preview below overflows (a server error)
            message = f"Enter a date between {EARLIEST.year} and {LATEST.year}."
            raise ApiError(400, "invalid", "Some fields are not valid.", {name: [message]})
    if payload.slot not in settings.DELIVERY_SLOTS:
        raise ApiError(
            400, "invalid", "Some fields are not valid.", {"slot": [f"One of {', '.join(settings.DELIVERY_SLOTS)}."]}
        )
    try:
        subscription = subscription_create(
            user=request.user,
            product=product,
            qty=payload.qty,
            frequency=payload.frequency,
            weekdays=sum(1 << WEEKDAYS[day.upper()] for day in payload.weekdays or []),
            start_date=payload.start_date,
            end_date=payload.end_date,
            slot=payload.slot,
            address=address,
            payment_method=payload.payment_method,
        )
    except SubscriptionError as error:
        raise ApiError(409, "subscription_refused", str(error)) from error
    upcoming, _monthly = preview(plan_for(subscription), product.price)
    next_deliveries = [{"date": day, "qty": qty, "amount": product.price * qty} for day, qty in upcoming]
    return Status(
        201, {"subscription_id": subscription.pk, "status": subscription.status, "next_deliveries": next_deliveries}
    )
