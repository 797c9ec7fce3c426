"""Riders and deliveries reached the way the shop reaches them: orders placed and moved through services."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import RIDERS_GROUP
from accounts.tests.factories import UserFactory
from catalog.models import Product, StockMovement
from catalog.tests.factories import ProductFactory
from delivery.models import Delivery, DeliveryStatus, FailureReason, SlotBooking
from delivery.slots import DeliverySlot
from orders.models import Order
from orders.tests.factories import cart_with, customer_with_address, delivery_zone, fund_wallet, place_order
from orders.workflows import delivery_transition, order_place
from payments.models import PaymentMethod
from payments.selectors import wallet_balance

# The taps that bring a fresh delivery to each status.
PATH = {
    DeliveryStatus.ASSIGNED: [],
    DeliveryStatus.PICKED_UP: [DeliveryStatus.PICKED_UP],
    DeliveryStatus.IN_TRANSIT: [DeliveryStatus.PICKED_UP, DeliveryStatus.IN_TRANSIT],
    DeliveryStatus.DELIVERED: [DeliveryStatus.PICKED_UP, DeliveryStatus.IN_TRANSIT, DeliveryStatus.DELIVERED],
    DeliveryStatus.FAILED: [DeliveryStatus.FAILED],
    DeliveryStatus.CANCELLED: [DeliveryStatus.CANCELLED],
}


def rider(*, zone=None, **fields):
    """A member of the Riders group who rides the test zone (or the zone given)."""
    user = UserFactory(**fields)
    # get_or_create: a transactional test before this one may have flushed the group its migration made.
    user.groups.add(Group.objects.get_or_create(name=RIDERS_GROUP)[0])
    (zone or delivery_zone()).riders.add(user)
    return user


def place_order_today(*, user=None, lines=None, method: str = PaymentMethod.CASH, slot_name="MORNING") -> Order:
    """An order for one of today's slots, placed as it would have been: the evening before, just ahead of the cutoff."""
    delivery_zone()
    user = user or customer_with_address()
    slot = DeliverySlot(date=timezone.localdate(), name=slot_name)
    cart = cart_with(user, *(lines or [(ProductFactory(price=Decimal("32.00"), stock=50), 2)]))
    address = user.addresses.get(is_default=True)
    return order_place(
        user=user, cart=cart, address=address, slot=slot, method=method, now=slot.cutoff - timedelta(minutes=1)
    ).order


def delivery_in(
    status: str, *, method: str = PaymentMethod.WALLET, today: bool = False, by=None, **order_kwargs
) -> Delivery:
    """A delivery of a freshly placed order (prepaid from the wallet unless another method is given; for one of
    today's slots with today=True), moved through the workflow to the status asked for: by its rider (or by),
    and cancelled by the shop (or by), since riders do not cancel.

    The test zone gets a rider first if it has none, so the delivery is assigned.
    """
    if not delivery_zone().riders.exists():
        rider()
    if method == PaymentMethod.WALLET:
        order_kwargs["user"] = order_kwargs.get("user") or customer_with_address()
        fund_wallet(order_kwargs["user"], Decimal("500.00"))
    order = (place_order_today if today else place_order)(method=method, **order_kwargs)
    delivery = order.delivery
    for step in PATH[status]:
        extra = {}
        if step == DeliveryStatus.DELIVERED:
            extra["cash_collected"] = delivery.cash_due or None
            extra["proof_code"] = delivery.proof_code  # the customer tells the rider
        if step == DeliveryStatus.FAILED:
            extra["failure_reason"] = FailureReason.CUSTOMER_UNAVAILABLE
        actor = by if step == DeliveryStatus.CANCELLED else by or delivery.rider
        delivery = delivery_transition(delivery=delivery, to=step, by=actor, **extra)
    return delivery


def books(delivery: Delivery) -> dict:
    """What a move can change, read afresh: the delivery, its order, their money, stock and the slot's seats.

    A refused move leaves all of it as it was."""
    order = Order.objects.get(pk=delivery.order_id)
    products = [line.product_id for line in order.lines.all()]
    return {
        "delivery": Delivery.objects.values_list("status", "rider", "cash_collected").get(pk=delivery.pk),
        "history": delivery.history.count(),
        "order": (order.status, order.payment_status),
        "payments": list(order.payments.order_by("pk").values_list("status", "refunded_amount")),
        "wallet": wallet_balance(user=order.user),
        "left": {p.pk: p.available for p in Product.objects.with_left(order.delivery_date).filter(pk__in=products)},
        "movements": StockMovement.objects.filter(order=order).count(),
        "seats": seats_booked(order.slot),
    }


def seats_booked(slot: DeliverySlot) -> int:
    return SlotBooking.objects.get(date=slot.date, slot=slot.name).booked
