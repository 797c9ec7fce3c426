from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from pydantic import Field

from milkshop.apibase import COMMON_ERRORS, ApiError, CamelSchema, bearer, forbid_other_user
from orders.api import pay_order
from payments.models import ONLINE_METHODS, PaymentMethod
from payments.selectors import payments_for_user
from payments.services import PaymentError, payment_start_checkout

router = Router(tags=["payments"])


class PayIn(CamelSchema):
    user_id: int | None = None
    order_id: str = Field(max_length=20)
    amount: Decimal | None = Field(default=None, max_digits=12, decimal_places=2)
    payment_method: PaymentMethod


class PayOut(CamelSchema):
    payment_id: int
    status: str
    order_status: str
    checkout_url: str | None = Field(default=None, description="For CARD and UPI: open this page to pay")


class PaymentOut(CamelSchema):
    payment_id: int
    order_id: str | None
    amount: Decimal
    payment_method: str
    status: str
    refunded_amount: Decimal
    created_at: datetime


class Paging(CamelSchema):
    page: int = Field(default=1, ge=1, le=10_000)
    page_size: int = Field(default=50, ge=1, le=100)


@router.post(
    "/payment/pay", response={200: PayOut, **COMMON_ERRORS}, auth=bearer, by_alias=True, summary="Pay an order"
)
def pay(request: HttpRequest, payload: PayIn):
    """CASH confirms the order (pay the rider); WALLET pays at once; CARD and UPI answer a checkoutUrl to open."""
    forbid_other_user(request, payload.user_id)
    order, payment = pay_order(request, number=payload.order_id, amount=payload.amount, method=payload.payment_method)
    checkout_url = None
    if payment.method in ONLINE_METHODS:
        back = request.build_absolute_uri(order.get_absolute_url())
        try:
            checkout_url = request.build_absolute_uri(
                payment_start_checkout(payment=payment, success_url=back, cancel_url=back)
            )
        except PaymentError as error:
            raise ApiError(409, "payment_unavailable", str(error)) from error
    order.refresh_from_db()
    return {
        "payment_id": payment.pk,
        "status": payment.status,
        "order_status": order.status,
        "checkout_url": checkout_url,
    }


@router.get(
    "/payment/history",
    response={200: list[PaymentOut], **COMMON_ERRORS},
    auth=bearer,
    by_alias=True,
    summary="Your payments",
)
def history(request: HttpRequest, response: HttpResponse, paging: Query[Paging]):
    payments = payments_for_user(user=request.user)
    response["X-Total-Count"] = str(payments.count())
    start = (paging.page - 1) * paging.page_size
    return [
        {
            "payment_id": payment.pk,
            "order_id": payment.order.number if payment.order_id else None,
            "amount": payment.amount,
            "payment_method": payment.method,
            "status": payment.status,
            "refunded_amount": payment.refunded_amount,
            "created_at": payment.created_at,
        }
        for payment in payments[start : start + paging.page_size]
    ]
