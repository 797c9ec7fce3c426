"""Every write to orders: placement, status moves, cancellation with its refunds."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Address, User
from cart.models import Cart, CartItem
from cart.services import CartError, cart_add_item, cart_get_or_create
from catalog.models import Product
from delivery.models import SlotBooking
from delivery.selectors import zone_for_pincode
from delivery.slots import DeliverySlot
from orders.models import (
    CANCELLABLE,
    TRANSITIONS,
    UNDELIVERED_MOVES,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusHistory,
    delivery_snapshot,
)
from orders.signals import order_cancelled, order_confirmed, order_placed, order_status_changed
from payments.models import ONLINE_METHODS, Payment, PaymentMethod, PaymentStatus
from payments.services import (
    InsufficientWalletBalance,
    payment_create,
    payment_transition,
    payment_void_cash,
    refund_create,
    wallet_pay,
)

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


def order_transition(
    *, order: Order, to: str, by: User | None = None, note: str = "", undelivered: bool = False
) -> Order:
    """Move an order along TRANSITIONS, write its history row and announce it after commit.

    undelivered also allows UNDELIVERED_MOVES (only order_close_undelivered passes it)."""
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
        if to == OrderStatus.CONFIRMED:
            # Every confirmed order gets its delivery (and a rider) in the same transaction.
            # Imported here: delivery.services imports this module.
            from delivery.services import delivery_create_for_order

            delivery_create_for_order(order=locked, by=by)
        transaction.on_commit(
            partial(order_status_changed.send, sender=Order, order_id=locked.pk, from_status=from_status, to_status=to)
        )
        if signal := SIGNAL_FOR_STATUS.get(to):
            transaction.on_commit(partial(signal.send, sender=Order, order_id=locked.pk))
    order.refresh_from_db()
    return order


def _locked_products(product_ids) -> dict[int, Product]:
    """Lock product rows in one place and one order (by pk), so two checkouts never deadlock."""
    return {
        product.pk: product for product in Product.objects.select_for_update().filter(pk__in=product_ids).order_by("pk")
    }


def _book_slot(slot: DeliverySlot, now) -> None:
    if not slot.is_open(now):
        raise PlacementError(
            f"Orders for {slot.label} closed at {timezone.localtime(slot.cutoff):%H:%M on %a %d %b}. Pick a later slot."
        )
    SlotBooking.objects.get_or_create(date=slot.date, slot=slot.name)
    booking = SlotBooking.objects.select_for_update().get(date=slot.date, slot=slot.name)
    if booking.booked >= settings.DELIVERY_SLOT_CAPACITY:
        raise PlacementError(f"{slot.label} is full. Pick another slot.")
    booking.booked = F("booked") + 1
    booking.save(update_fields=["booked"])


def _release_slot(order: Order) -> None:
    SlotBooking.objects.filter(date=order.delivery_date, slot=order.delivery_slot, booked__gt=0).update(
        booked=F("booked") - 1
    )


def order_place(
    *, user: User, cart: Cart, address: Address, slot: DeliverySlot, method: str | None, now=None
) -> Placement:
    """Turn the cart into an order in one transaction: stock, slot, payment and cart change together or not at all.

    With no method the order waits, CREATED, for order_pay (the API's two steps: create, then pay)."""
    now = now or timezone.now()
    if address.user_id != user.pk:
        raise PlacementError("Pick one of your own addresses.")
    zone = zone_for_pincode(address.pincode)
    if zone is None:
        raise PlacementError(f"We don't deliver to {address.pincode} yet.")
    with transaction.atomic():
        # The cart's row first: a second submit of the same cart waits here, then finds it empty.
        Cart.objects.select_for_update().get(pk=cart.pk)
        items = list(CartItem.objects.filter(cart=cart).order_by("product_id"))
        if not items:
            raise PlacementError("Your cart is empty.")
        products = _locked_products([item.product_id for item in items])
        line_errors = {}
        for item in items:
            product = products[item.product_id]
            if not product.is_active:
                line_errors[product.pk] = f"{product.name} is no longer available."
            elif product.stock < item.qty:
                line_errors[product.pk] = (
                    f"{product.name} is out of stock."
                    if product.stock == 0
                    else f"Only {product.stock} of {product.name} left."
                )
        if line_errors:
            raise PlacementError("Some items in your cart cannot be ordered as they are.", line_errors)
        _book_slot(slot, now)

        total = sum((products[item.product_id].price * item.qty for item in items), Decimal("0.00"))
        confirmed_now = method in (PaymentMethod.CASH, PaymentMethod.WALLET)
        order = Order.objects.create(
            user=user,
            status=OrderStatus.CREATED,
            payment_method=method or "",
            total_amount=total,
            delivery_date=slot.date,
            delivery_slot=slot.name,
            zone=zone,
            **delivery_snapshot(user=user, address=address),
        )
        price_changes = []
        for item in items:
            product = products[item.product_id]
            OrderLine.objects.create(
                order=order,
                product=product,
                product_name=product.name,
                unit=product.unit,
                unit_price=product.price,
                qty=item.qty,
                line_total=product.price * item.qty,
            )
            Product.objects.filter(pk=product.pk).update(stock=F("stock") - item.qty, updated_at=now)
            if item.price_when_added is not None and item.price_when_added != product.price:
                price_changes.append(PriceChange(product.name, item.price_when_added, product.price))
        OrderStatusHistory.objects.create(
            order=order, to_status=OrderStatus.CREATED, changed_by=user, note="Order placed"
        )

        if method == PaymentMethod.WALLET:
            try:
                wallet_pay(user=user, amount=total, order=order)
            except InsufficientWalletBalance as error:
                raise PlacementError(str(error)) from error
            order.payment_status = PaymentStatus.SUCCESS
            order.save(update_fields=["payment_status", "updated_at"])
        elif method:
            provider = "cash" if method == PaymentMethod.CASH else ""
            payment_create(user=user, amount=total, method=method, order=order, provider=provider)
        CartItem.objects.filter(cart=cart).delete()
        transaction.on_commit(partial(order_placed.send, sender=Order, order_id=order.pk))
        if confirmed_now:
            note = "Paid from wallet" if method == PaymentMethod.WALLET else "Cash on delivery"
            order_transition(order=order, to=OrderStatus.CONFIRMED, by=user, note=note)
    return Placement(order=order, price_changes=price_changes)


def order_payment_succeeded(*, payment: Payment) -> Order:
    """An online payment went through: confirm its order, or refund it if the order was cancelled meanwhile."""
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    order.payment_status = PaymentStatus.SUCCESS
    order.save(update_fields=["payment_status", "updated_at"])
    if order.status == OrderStatus.CREATED:
        order_transition(order=order, to=OrderStatus.CONFIRMED, note=f"Paid by {payment.get_method_display()}")
    elif order.status == OrderStatus.CANCELLED:
        refund_create(
            payment=payment,
            amount=payment.refundable_amount,
            reason=f"Order {order.number} was cancelled before payment arrived",
        )
    return order


def order_payment_failed(*, payment: Payment) -> Order:
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    if (
        order.payment_status == PaymentStatus.PENDING
        and not order.payments.filter(status=PaymentStatus.PENDING).exclude(pk=payment.pk).exists()
    ):
        order.payment_status = PaymentStatus.FAILED
        order.save(update_fields=["payment_status", "updated_at"])
    return order


def order_cancel(*, order: Order, by: User | None, reason: str) -> Order:
    """Cancel while not yet out for delivery: stock goes back, the slot frees up, every payment made is refunded."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if not locked.can_be_cancelled:
            raise OrderError(
                f"Order {locked.number} is {locked.get_status_display().lower()} and can no longer be cancelled."
            )
        lines = list(locked.lines.exclude(product=None))
        _locked_products([line.product_id for line in lines])
        for line in lines:
            Product.objects.filter(pk=line.product_id).update(stock=F("stock") + line.qty, updated_at=timezone.now())
        _release_slot(locked)
        for payment in Payment.objects.select_for_update().filter(order=locked).order_by("pk"):
            if payment.status == PaymentStatus.SUCCESS and payment.refundable_amount > 0:
                refund_create(
                    payment=payment, amount=payment.refundable_amount, reason=f"Order {locked.number} cancelled"
                )
            elif payment.status == PaymentStatus.PENDING and payment.method == PaymentMethod.CASH:
                payment_void_cash(payment=payment, reason="Order cancelled before delivery")
        order_transition(order=locked, to=OrderStatus.CANCELLED, by=by, note=reason)
        # Its delivery is called off too. Imported here: delivery.services imports this module.
        from delivery.services import delivery_cancel_for_order

        delivery_cancel_for_order(order=locked, by=by, note=reason)
    order.refresh_from_db()
    return order


def order_close_undelivered(*, order: Order, by: User | None, note: str) -> Order:
    """What a delivery that did not reach the customer (failed, or called off on the road) does to its order.

    A dairy's goods are perishable: whatever was packed for the slot is not put back on sale, so
    - the order ends CANCELLED, and its stock is NOT returned (unlike order_cancel), nor its slot freed;
    - what was paid in advance (wallet, card, UPI) is refunded in full to the customer's wallet at once,
      ready for the next order, instead of waiting days for a card refund;
    - cash on delivery that was never collected is called off: nothing is owed.
    Call with the order locked (the delivery's transition does).
    """
    if order.status not in CANCELLABLE and order.status not in UNDELIVERED_MOVES:
        raise OrderError(f"Order {order.number} is {order.get_status_display().lower()}; it cannot be closed.")
    order_transition(order=order, to=OrderStatus.CANCELLED, by=by, note=note, undelivered=True)
    for payment in Payment.objects.select_for_update().filter(order=order).order_by("pk"):
        if payment.status == PaymentStatus.SUCCESS and payment.refundable_amount > 0:
            refund_create(
                payment=payment,
                amount=payment.refundable_amount,
                reason=f"Order {order.number} was not delivered",
                to_wallet=True,
            )
        elif payment.status == PaymentStatus.PENDING and payment.method == PaymentMethod.CASH:
            payment_void_cash(payment=payment, reason="Not delivered; nothing to pay")
    return order


def orders_cancel_unpaid(*, now=None) -> int:
    """Cancel online orders still unpaid after the timeout, returning their stock. Run on a schedule."""
    now = now or timezone.now()
    deadline = now - timedelta(minutes=settings.UNPAID_ORDER_TIMEOUT_MINUTES)
    stale = Order.objects.filter(
        Q(payment_method__in=ONLINE_METHODS) | Q(payment_method=""), status=OrderStatus.CREATED, created_at__lt=deadline
    ).exclude(payment_status=PaymentStatus.SUCCESS)
    cancelled = 0
    for order in stale:
        try:
            order_cancel(order=order, by=None, reason="Payment not received in time")
        except OrderError:
            continue  # paid or changed while we looked
        cancelled += 1
    return cancelled


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


def order_pending_payment(*, order: Order) -> Payment:
    """The online payment still to complete for an unpaid order: the pending one, or a new one after a failure."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.payment_method not in ONLINE_METHODS or not locked.awaits_online_payment:
            raise OrderError(f"Order {locked.number} has nothing to pay online.")
        payment = locked.payments.filter(status=PaymentStatus.PENDING).first()
        if payment is None:
            payment = payment_create(
                user=locked.user, amount=locked.total_amount, method=locked.payment_method, order=locked
            )
            locked.payment_status = PaymentStatus.PENDING
            locked.save(update_fields=["payment_status", "updated_at"])
    return payment


def order_pay(*, order: Order, method: str, by: User) -> Payment:
    """Choose how to pay an order that waits for payment (or settle on cash again: that repeats nothing).

    Cash and wallet confirm the order at once; card and UPI give a pending payment to open with the gateway."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        pending_cash = locked.payments.filter(method=PaymentMethod.CASH, status=PaymentStatus.PENDING).first()
        if method == PaymentMethod.CASH and pending_cash is not None:
            return pending_cash
        if locked.status != OrderStatus.CREATED or locked.payment_status == PaymentStatus.SUCCESS:
            raise OrderError(
                f"Order {locked.number} is {locked.get_status_display().lower()}; there is nothing to pay."
            )
        # Switching method: a pending online payment that was never completed is dropped.
        for stale in locked.payments.filter(status=PaymentStatus.PENDING).exclude(method=method):
            payment_transition(
                payment=stale, to=PaymentStatus.FAILED, reason=f"Paid by {PaymentMethod(method).label} instead"
            )
        locked.payment_method = method
        locked.payment_status = PaymentStatus.PENDING
        locked.save(update_fields=["payment_method", "payment_status", "updated_at"])
        if method == PaymentMethod.WALLET:
            try:
                payment = wallet_pay(user=locked.user, amount=locked.total_amount, order=locked)
            except InsufficientWalletBalance as error:
                raise OrderError(str(error)) from error
            locked.payment_status = PaymentStatus.SUCCESS
            locked.save(update_fields=["payment_status", "updated_at"])
            order_transition(order=locked, to=OrderStatus.CONFIRMED, by=by, note="Paid from wallet")
        elif method == PaymentMethod.CASH:
            payment = payment_create(
                user=locked.user, amount=locked.total_amount, method=method, order=locked, provider="cash"
            )
            order_transition(order=locked, to=OrderStatus.CONFIRMED, by=by, note="Cash on delivery")
        else:
            payment = order_pending_payment(order=locked)
    order.refresh_from_db()
    return payment
