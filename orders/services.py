"""Every write to orders' own rows: creation with lines and history, status moves, payment fields.

What an order's change does to its payment, delivery, stock, slot or wallet lives in orders.workflows.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.db import transaction

from accounts.models import Address, User
from cart.services import CartError, cart_add_item, cart_get_or_create
from catalog.models import Product
from delivery.models import DeliveryZone
from delivery.slots import DeliverySlot
from orders.models import (
    TRANSITIONS,
    UNDELIVERED_MOVES,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusHistory,
    delivery_snapshot,
)
from orders.signals import order_cancelled, order_confirmed, order_status_changed

SIGNAL_FOR_STATUS = {OrderStatus.CONFIRMED: order_confirmed, OrderStatus.CANCELLED: order_cancelled}


class OrderError(Exception):
    """An order change that cannot be made; the message is for the customer or staff member."""


@dataclass
class PlacementError(OrderError):
    """Placement refused; nothing was written. line_errors maps product ids to what is wrong with that line."""

    message: str
    line_errors: dict[int, str] = field(default_factory=dict)

    def __str__(self):
        return self.message


@dataclass(frozen=True)
class PriceChange:
    product_name: str
    was: Decimal
    now: Decimal


@dataclass(frozen=True)
class Placement:
    order: Order
    price_changes: list[PriceChange]


def _line(order: Order, product: Product, qty: int) -> OrderLine:
    """A line as sold: name, unit, price and tax snapshotted from the product."""
    return OrderLine(
        order=order,
        product=product,
        product_name=product.name,
        unit=product.unit,
        hsn_code=product.hsn_code,
        gst_rate=product.gst_rate,
        unit_price=product.price,
        qty=qty,
        line_total=product.price * qty,
    )


def order_create(
    *,
    user: User,
    address: Address,
    zone: DeliveryZone,
    slot: DeliverySlot,
    method: str,
    lines: list[tuple[Product, int]],
    deposit: Decimal = Decimal("0.00"),
) -> Order:
    """The order's rows (order, lines at today's prices, its first history row), CREATED.

    deposit is what the order charges for returnable containers (containers.services), part of its total."""
    total = sum((product.price * qty for product, qty in lines), deposit)
    order = Order.objects.create(
        user=user,
        status=OrderStatus.CREATED,
        payment_method=method,
        total_amount=total,
        delivery_date=slot.date,
        delivery_slot=slot.name,
        zone=zone,
        **delivery_snapshot(user=user, address=address),
    )
    OrderLine.objects.bulk_create(_line(order, product, qty) for product, qty in lines)
    OrderStatusHistory.objects.create(order=order, to_status=OrderStatus.CREATED, changed_by=user, note="Order placed")
    return order


def orders_create_confirmed(*, orders: list[Order], lines: list[tuple[Product, int]], notes: list[str]) -> list[Order]:
    """Many orders at once, already CONFIRMED (subscription deliveries): one line and one history row each."""
    orders = Order.objects.bulk_create(orders)
    OrderLine.objects.bulk_create(
        _line(order, product, qty) for order, (product, qty) in zip(orders, lines, strict=True)
    )
    OrderStatusHistory.objects.bulk_create(
        OrderStatusHistory(order=order, to_status=OrderStatus.CONFIRMED, note=note)
        for order, note in zip(orders, notes, strict=True)
    )
    return orders


def order_transition(
    *, order: Order, to: str, by: User | None = None, note: str = "", undelivered: bool = False
) -> Order:
    """Move an order along TRANSITIONS, write its history row and announce it after commit.

    undelivered also allows UNDELIVERED_MOVES (a delivery that failed on the road closes its order)."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        allowed = TRANSITIONS[locked.status] | (UNDELIVERED_MOVES.get(locked.status, set()) if undelivered else set())
        if to not in allowed:
            raise OrderError(
                f"Order {locked.number} is {locked.get_status_display().lower()}; "
                f"it cannot be moved to {OrderStatus(to).label.lower()}."
            )
        from_status = locked.status
        locked.status = to
        locked.save(update_fields=["status", "updated_at"])
        OrderStatusHistory.objects.create(order=locked, from_status=from_status, to_status=to, changed_by=by, note=note)
        transaction.on_commit(
            partial(order_status_changed.send, sender=Order, order_id=locked.pk, from_status=from_status, to_status=to)
        )
        if signal := SIGNAL_FOR_STATUS.get(to):
            transaction.on_commit(partial(signal.send, sender=Order, order_id=locked.pk))
    order.status = locked.status
    order.updated_at = locked.updated_at
    return order


def order_set_payment(*, order: Order, status: str, method: str | None = None) -> Order:
    """Record how the order is paid and how far that got. Call with the order locked."""
    order.payment_status = status
    fields = ["payment_status", "updated_at"]
    if method is not None:
        order.payment_method = method
        fields.append("payment_method")
    order.save(update_fields=fields)
    return order


def order_again(*, request, order: Order) -> list[str]:
    """Put an old order's products back in the cart; returns what could not be added, and why."""
    cart = cart_get_or_create(request)
    problems = []
    for line in order.lines.select_related("product"):
        if line.product is None:
            problems.append(f"{line.product_name} is no longer sold.")
            continue
        try:
            cart_add_item(cart=cart, product=line.product, qty=line.qty)
        except CartError as error:
            problems.append(str(error))
    return problems
