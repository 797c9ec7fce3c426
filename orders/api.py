from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from accounts.models import Address
from cart.models import CartItem
from cart.selectors import cart_contents
from cart.services import CartError, cart_add_item, cart_get_or_create
from catalog.models import Product
from containers.selectors import deposit_preview
from delivery.proofs import proof_code_for_customer
from delivery.slots import DeliverySlot
from milkshop.apibase import COMMON_ERRORS, ApiError, CamelSchema, bearer, forbid_other_user, not_found
from orders.models import Order
from orders.workflows import OrderError, PlacementError, order_cancel, order_pay, order_place
from payments.models import PaymentMethod

router = Router(tags=["orders"])


class CartItemIn(CamelSchema):
    product_id: int
    qty: int = Field(ge=1, le=1000)


class OrderCreateIn(CamelSchema):
    user_id: int | None = None
    cart_items: list[CartItemIn] | None = Field(default=None, max_length=100)
    total_amount: Decimal | None = Field(default=None, max_digits=12, decimal_places=2)
    delivery_slot: datetime = Field(description="ISO date-time of an open slot's start, e.g. 2026-12-01T06:00:00+05:30")
    address_id: int | None = None
    payment_method: PaymentMethod | None = Field(
        default=None, description="Optional: CASH or WALLET settle at once; otherwise pay with /payment/pay"
    )


class OrderCreatedOut(CamelSchema):
    order_id: str
    status: str
    payment_status: str
    total_amount: Decimal
    delivery_date: date
    delivery_slot: str


class HistoryOut(CamelSchema):
    from_status: str
    to_status: str
    note: str
    at: datetime


class TrackDeliveryOut(CamelSchema):
    delivery_id: int
    status: str
    updated_at: datetime
    tracking_url: str | None = None
    delivery_code: str | None = None  # the code to tell the rider, while they will ask for it


class LineOut(CamelSchema):
    product_id: int | None
    name: str
    unit: str
    unit_price: Decimal
    qty: int
    line_total: Decimal


class DepositOut(CamelSchema):
    container: str
    qty: int
    unit_deposit: Decimal
    amount: Decimal


class TrackOut(CamelSchema):
    order_id: str
    status: str
    payment_status: str
    payment_method: str
    total_amount: Decimal
    delivery_date: date
    delivery_slot: str
    lines: list[LineOut]
    deposits: list[DepositOut] = Field(default=[], description="Returnable containers' deposits, part of the total")
    delivery: TrackDeliveryOut | None
    history: list[HistoryOut]


class OrderCancelIn(CamelSchema):
    order_id: str = Field(max_length=20)
    reason: str = Field(default="", max_length=200)


class OrderCancelledOut(CamelSchema):
    order_id: str
    status: str
    payment_status: str


class TrackQuery(CamelSchema):
    order_id: str = Field(max_length=20)


def _slot(moment: datetime) -> DeliverySlot:
    try:
        return DeliverySlot.starting_at(moment)
    except ValueError:
        raise ApiError(
            400, "invalid", "Some fields are not valid.", {"deliverySlot": ["No delivery slot starts at that time."]}
        ) from None


def _address(request: HttpRequest, address_id: int | None) -> Address:
    addresses = Address.objects.filter(user=request.user)
    address = addresses.filter(pk=address_id).first() if address_id else addresses.filter(is_default=True).first()
    if address is None:
        raise (
            not_found("address")
            if address_id
            else ApiError(400, "no_address", "Add a delivery address first (PATCH /api/user/profile).")
        )
    return address


def _fill_cart(cart, items: list[CartItemIn]) -> None:
    """The order's items, given in the request, become the cart's contents (checked like any cart change)."""
    CartItem.objects.filter(cart=cart).delete()
    for item in items:
        product = Product.objects.filter(pk=item.product_id).first()
        if product is None:
            raise ApiError(404, "not_found", f"No such product: {item.product_id}.")
        try:
            cart_add_item(cart=cart, product=product, qty=item.qty)
        except CartError as error:
            raise ApiError(409, "cart_refused", str(error), {f"cartItems.{item.product_id}": [str(error)]}) from error


@router.post(
    "/order/create",
    response={201: OrderCreatedOut, **COMMON_ERRORS},
    auth=bearer,
    by_alias=True,
    summary="Order what is in your cart",
)
def order_create(request: HttpRequest, payload: OrderCreateIn):
    forbid_other_user(request, payload.user_id)
    slot = _slot(payload.delivery_slot)
    address = _address(request, payload.address_id)
    if payload.payment_method in (PaymentMethod.CARD, PaymentMethod.UPI):
        payload.payment_method = None  # card and UPI are paid through /payment/pay, which opens the gateway
    with transaction.atomic():
        cart = cart_get_or_create(request)
        if payload.cart_items is not None:
            _fill_cart(cart, payload.cart_items)
        contents = cart_contents(cart)
        lines = [(line.product, line.qty) for line in contents.lines]
        total = deposit_preview(user=request.user, lines=lines, day=slot.date).grand_total  # deposits included
        if payload.total_amount is not None and payload.total_amount != total:
            raise ApiError(
                409,
                "total_mismatch",
                f"The total is ₹{total}, not ₹{payload.total_amount}.",
                totalAmount=str(total),
            )
        try:
            order = order_place(
                user=request.user, cart=cart, address=address, slot=slot, method=payload.payment_method
            ).order
        except PlacementError as error:
            fields = {f"cartItems.{product_id}": [message] for product_id, message in error.line_errors.items()}
            raise ApiError(409, "order_refused", error.message, fields) from error
    return Status(
        201,
        {
            "order_id": order.number,
            "status": order.status,
            "payment_status": order.payment_status,
            "total_amount": order.total_amount,
            "delivery_date": order.delivery_date,
            "delivery_slot": order.delivery_slot,
        },
    )


def track_out(order: Order, request: HttpRequest) -> dict:
    delivery = getattr(order, "delivery", None)
    return {
        "order_id": order.number,
        "status": order.status,
        "payment_status": order.payment_status,
        "payment_method": order.payment_method,
        "total_amount": order.total_amount,
        "delivery_date": order.delivery_date,
        "delivery_slot": order.delivery_slot,
        "lines": [
            {
                "product_id": line.product_id,
                "name": line.product_name,
                "unit": line.unit,
                "unit_price": line.unit_price,
                "qty": line.qty,
                "line_total": line.line_total,
            }
            for line in order.lines.all()
        ],
        "deposits": [
            {"container": d.container_name, "qty": d.qty, "unit_deposit": d.unit_deposit, "amount": d.amount}
            for d in order.deposits.all()
        ],
        "delivery": None
        if delivery is None
        else {
            "delivery_id": delivery.pk,
            "status": delivery.status,
            "updated_at": delivery.updated_at,
            "tracking_url": request.build_absolute_uri(delivery.get_absolute_url()),
            "delivery_code": proof_code_for_customer(delivery) or None,
        },
        "history": [
            {"from_status": h.from_status, "to_status": h.to_status, "note": h.note, "at": h.created_at}
            for h in order.history.all()
        ],
    }


@router.get(
    "/order/track", response={200: TrackOut, **COMMON_ERRORS}, auth=bearer, by_alias=True, summary="Where is my order?"
)
def order_track(request: HttpRequest, query: Query[TrackQuery]):
    orders = Order.objects.filter(number=query.order_id, user=request.user).select_related("delivery__zone")
    order = orders.prefetch_related("lines", "history").first()
    if order is None:
        raise not_found("order")
    return track_out(order, request)


@router.post(
    "/order/cancel",
    response={200: OrderCancelledOut, **COMMON_ERRORS},
    auth=bearer,
    by_alias=True,
    summary="Cancel your order (until the cutoff the evening before)",
)
def order_cancel_endpoint(request: HttpRequest, payload: OrderCancelIn):
    """Stock goes back, what was paid is refunded and a payment page still open is closed. Refused (409) once
    the order's cutoff has passed or it is out for delivery."""
    order = Order.objects.filter(number=payload.order_id, user=request.user).first()
    if order is None:
        raise not_found("order")
    try:
        order = order_cancel(order=order, by=request.user, reason=payload.reason or "Cancelled by the customer")
    except OrderError as error:
        raise ApiError(409, "cancel_refused", str(error)) from error
    return {"order_id": order.number, "status": order.status, "payment_status": order.payment_status}


def pay_order(request: HttpRequest, *, number: str, amount: Decimal | None, method: str):
    """Shared by /payment/pay: check the caller and the amount, then order_pay."""
    order = Order.objects.filter(number=number, user=request.user).first()
    if order is None:
        raise not_found("order")
    if amount is not None and amount != order.total_amount:
        raise ApiError(
            409,
            "amount_mismatch",
            f"The amount due is ₹{order.total_amount}, not ₹{amount}.",
            amount=str(order.total_amount),
        )
    try:
        return order, order_pay(order=order, method=method, by=request.user)
    except OrderError as error:
        raise ApiError(409, "payment_refused", str(error)) from error
