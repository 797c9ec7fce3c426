"""Every write to deliveries: creation for a confirmed order, rider assignment, status moves and their coupling.

Locks are always taken in the same order — the order's row first, then the delivery's, then payments — the
order that orders.services.order_cancel uses too, so a rider's tap and a customer's cancel never deadlock.
"""

from decimal import Decimal
from functools import partial

from django.db import transaction
from django.db.models import Count, Q

from accounts.models import RIDERS_GROUP, User
from delivery.models import (
    TRANSITIONS,
    Delivery,
    DeliveryStatus,
    DeliveryStatusHistory,
    DeliveryZone,
    FailureReason,
    cash_due_for,
)
from delivery.signals import delivery_updated
from milkshop.money import format_money
from orders.models import CANCELLABLE, Order, OrderStatus
from orders.services import OrderError, order_cancel, order_close_undelivered, order_transition
from payments.models import Payment, PaymentMethod, PaymentStatus
from payments.outcomes import payment_succeeded


class DeliveryError(Exception):
    """A delivery change that cannot be made; the message is for the rider or staff member."""


# Creation and assignment


def _riders_by_load(*, zone_id: int | None, delivery_date, slot: str) -> list[User]:
    """The zone's active riders, least busy first (deliveries not cancelled in that slot); ties go to the first added."""
    if zone_id is None:
        return []
    busy = Q(assigned_deliveries__delivery_date=delivery_date, assigned_deliveries__slot=slot) & ~Q(
        assigned_deliveries__status=DeliveryStatus.CANCELLED
    )
    return list(
        User.objects.filter(delivery_zones=zone_id, is_active=True, groups__name=RIDERS_GROUP)
        .annotate(load=Count("assigned_deliveries", filter=busy, distinct=True))
        .order_by("load", "pk")
    )


def rider_least_loaded(*, zone: DeliveryZone | None, delivery_date, slot: str) -> User | None:
    riders = _riders_by_load(zone_id=zone.pk if zone else None, delivery_date=delivery_date, slot=slot)
    return riders[0] if riders else None


def _history(delivery: Delivery, *, from_status: str, by: User | None, note: str) -> None:
    DeliveryStatusHistory.objects.create(
        delivery=delivery, from_status=from_status, to_status=delivery.status, changed_by=by, note=note[:255]
    )


def _status_changed(delivery: Delivery, *, from_status: str, by: User | None, note: str) -> None:
    """Its history row, and delivery_updated once the change commits."""
    _history(delivery, from_status=from_status, by=by, note=note)
    transaction.on_commit(
        partial(
            delivery_updated.send,
            sender=Delivery,
            delivery_id=delivery.pk,
            order_id=delivery.order_id,
            from_status=from_status,
            to_status=delivery.status,
        )
    )


def _assignment_note(rider: User | None) -> str:
    return f"Assigned to {rider.name}" if rider else "Waiting for a rider"


def deliveries_create_for_orders(*, orders: list[Order], by: User | None = None) -> list[Delivery]:
    """Deliveries for confirmed orders that have none yet, each given to the least busy rider of its zone and slot.

    Orders without a rider to take them get a delivery all the same, unassigned, for staff to assign.
    Call inside the transaction that confirms the orders. Queries do not grow with the number of orders
    (one per zone and slot among them); a second call for the same orders creates nothing.
    """
    have = set(Delivery.objects.filter(order__in=orders).values_list("order_id", flat=True))
    todo = [order for order in orders if order.pk not in have]
    riders = {
        key: _riders_by_load(zone_id=key[0], delivery_date=key[1], slot=key[2])
        for key in {(order.zone_id, order.delivery_date, order.delivery_slot) for order in todo}
    }
    deliveries = []
    for order in todo:
        pool = riders[(order.zone_id, order.delivery_date, order.delivery_slot)]
        rider = min(pool, key=lambda user: (user.load, user.pk)) if pool else None
        if rider is not None:
            rider.load += 1
        deliveries.append(
            Delivery(
                order=order,
                user_id=order.user_id,
                delivery_date=order.delivery_date,
                slot=order.delivery_slot,
                zone_id=order.zone_id,
                rider=rider,
            )
        )
    deliveries = Delivery.objects.bulk_create(deliveries)
    DeliveryStatusHistory.objects.bulk_create(
        DeliveryStatusHistory(
            delivery=delivery, to_status=delivery.status, changed_by=by, note=_assignment_note(delivery.rider)
        )
        for delivery in deliveries
    )
    return deliveries


def delivery_create_for_order(*, order: Order, by: User | None = None) -> Delivery:
    """The delivery of a just-confirmed order (see deliveries_create_for_orders); the one it has, if any.

    Called by orders.services.order_transition inside the confirming transaction, with the order locked.
    """
    created = deliveries_create_for_orders(orders=[order], by=by)
    return created[0] if created else Delivery.objects.get(order=order)


def _locked(delivery: Delivery) -> tuple[Order, Delivery]:
    order = Order.objects.select_for_update().get(pk=delivery.order_id)
    return order, Delivery.objects.select_for_update().get(pk=delivery.pk)


def delivery_assign(*, delivery: Delivery, rider: User | None, by: User | None = None) -> Delivery:
    """Give a delivery that has not left the dairy to another rider (or to nobody, for staff to sort out)."""
    if rider is not None and not (rider.is_active and rider.is_rider):
        raise DeliveryError(f"{rider} is not an active rider.")
    with transaction.atomic():
        _order, locked = _locked(delivery)
        if locked.status != DeliveryStatus.ASSIGNED:
            raise DeliveryError(
                f"The delivery of order {_order.number} is {locked.get_status_display().lower()}; "
                "only deliveries not yet picked up can change rider."
            )
        if locked.rider_id != (rider.pk if rider else None):
            locked.rider = rider
            locked.save(update_fields=["rider", "updated_at"])
            _history(locked, from_status=locked.status, by=by, note=_assignment_note(rider))
    delivery.refresh_from_db()
    return delivery


def delivery_assign_least_loaded(*, delivery: Delivery, by: User | None = None) -> Delivery:
    rider = rider_least_loaded(zone=delivery.zone, delivery_date=delivery.delivery_date, slot=delivery.slot)
    if rider is None:
        raise DeliveryError(f"Zone {delivery.zone or '(none)'} has no active rider to take this delivery.")
    return delivery_assign(delivery=delivery, rider=rider, by=by)


# Status moves


def delivery_transition(
    *,
    delivery: Delivery,
    to: str,
    by: User | None = None,
    note: str = "",
    failure_reason: str = "",
    cash_collected: Decimal | None = None,
    as_rider: User | None = None,
) -> Delivery:
    """Move a delivery along TRANSITIONS, with its history row and its effect on the order, in one transaction.

    - PICKED_UP: the order goes OUT_FOR_DELIVERY. An order still CONFIRMED is marked PACKED first (a rider
      only picks up what was packed), so the order's history shows both steps.
    - DELIVERED: the order goes DELIVERED. For cash on delivery the rider must record the cash collected,
      exactly the amount due; the pending cash payment then becomes SUCCESS (the order is paid).
    - FAILED: needs a reason (and a note for "other"); see orders.services.order_close_undelivered for the order and money.
    - CANCELLED: before pickup this is the order's cancellation (order_cancel: stock back, refunds); once the
      goods are on the road it closes the order like a failure.
    With as_rider, the move is refused unless the delivery is still that rider's (it may have been reassigned
    since the rider's page was drawn). DELIVERY_UPDATED is sent after commit.
    """
    if to not in DeliveryStatus.values:
        raise DeliveryError(f"There is no delivery status {to!r}.")
    note = note.strip()
    with transaction.atomic():
        order, locked = _locked(delivery)
        from_status = locked.status
        if as_rider is not None and locked.rider_id != as_rider.pk:
            raise DeliveryError(f"The delivery of order {order.number} is no longer yours.")
        if to not in TRANSITIONS[from_status]:
            raise DeliveryError(
                f"The delivery of order {order.number} is {locked.get_status_display().lower()}; "
                f"it cannot be marked {DeliveryStatus(to).label.lower()}."
            )
        if to == DeliveryStatus.CANCELLED and order.status in CANCELLABLE:
            # Not yet on the road: this is the order's cancellation, which also cancels this delivery.
            _order_cancel(order=order, by=by, reason=note or "Delivery cancelled")
            delivery.refresh_from_db()
            return delivery
        if (
            to in (DeliveryStatus.PICKED_UP, DeliveryStatus.IN_TRANSIT, DeliveryStatus.DELIVERED)
            and not locked.rider_id
        ):
            raise DeliveryError(f"Assign a rider to the delivery of order {order.number} first.")

        history_note = note
        if to == DeliveryStatus.PICKED_UP:
            _order_pick_up(order=order, by=by)
        elif to == DeliveryStatus.DELIVERED:
            history_note = _order_hand_over(order=order, delivery=locked, by=by, cash_collected=cash_collected) or note
        elif to in (DeliveryStatus.FAILED, DeliveryStatus.CANCELLED):
            if to == DeliveryStatus.FAILED:
                history_note = _record_failure(locked, reason=failure_reason, note=note)
            outcome = f"Delivery {DeliveryStatus(to).label.lower()}"
            _order_close_undelivered(order=order, by=by, note=f"{outcome}: {history_note}" if history_note else outcome)

        locked.status = to
        locked.save(update_fields=["status", "failure_reason", "failure_note", "cash_collected", "updated_at"])
        _status_changed(locked, from_status=from_status, by=by, note=history_note)
    delivery.refresh_from_db()
    return delivery


def _order_cancel(*, order: Order, by: User | None, reason: str) -> None:
    try:
        order_cancel(order=order, by=by, reason=reason)
    except OrderError as error:
        raise DeliveryError(str(error)) from error


def _order_move(*, order: Order, to: str, by: User | None, note: str) -> None:
    try:
        order_transition(order=order, to=to, by=by, note=note)
    except OrderError as error:
        raise DeliveryError(str(error)) from error


def _order_pick_up(*, order: Order, by: User | None) -> None:
    if order.status == OrderStatus.CONFIRMED:
        _order_move(order=order, to=OrderStatus.PACKED, by=by, note="Packed for pickup")
    _order_move(order=order, to=OrderStatus.OUT_FOR_DELIVERY, by=by, note="Picked up by the rider")


def _order_hand_over(*, order: Order, delivery: Delivery, by: User | None, cash_collected: Decimal | None) -> str:
    """Deliver the order and take its cash; returns the history note about the cash, if any."""
    due = cash_due_for(order)
    collected = cash_collected or Decimal("0.00")
    if due and collected != due:
        raise DeliveryError(
            f"Collect {format_money(due)} in cash for order {order.number} and record that amount."
            if not collected
            else f"Order {order.number} is {format_money(due)} cash on delivery, not {format_money(collected)}. "
            "Collect the full amount, or mark the delivery failed."
        )
    if not due and collected:
        raise DeliveryError(f"Order {order.number} is already paid; there is no cash to collect.")
    _order_move(order=order, to=OrderStatus.DELIVERED, by=by, note="Delivered")
    if not due:
        return ""
    cash = Payment.objects.select_for_update().get(order=order, method=PaymentMethod.CASH, status=PaymentStatus.PENDING)
    payment_succeeded(payment_id=cash.pk, reference=f"cash:delivery-{delivery.pk}")
    delivery.cash_collected = collected
    return f"Cash collected: {format_money(collected)}"


def _record_failure(delivery: Delivery, *, reason: str, note: str) -> str:
    if reason not in FailureReason.values:
        raise DeliveryError("Choose why the delivery failed.")
    if reason == FailureReason.OTHER and not note:
        raise DeliveryError("Say what went wrong (a short note).")
    delivery.failure_reason = reason
    delivery.failure_note = note[:255]
    label = FailureReason(reason).label
    return f"{label}: {note}" if note else label


def _order_close_undelivered(*, order: Order, by: User | None, note: str) -> None:
    try:
        order_close_undelivered(order=order, by=by, note=note)
    except OrderError as error:
        raise DeliveryError(str(error)) from error


def delivery_cancel_for_order(*, order: Order, by: User | None, note: str) -> Delivery | None:
    """The order is being cancelled (orders.services.order_cancel, order locked): its delivery is called off.

    Only the delivery side: the order's own cancellation returns stock and refunds.
    """
    delivery = Delivery.objects.select_for_update().filter(order=order).first()
    if delivery is None or delivery.status == DeliveryStatus.CANCELLED:
        return delivery
    if DeliveryStatus.CANCELLED not in TRANSITIONS[delivery.status]:
        raise OrderError(f"The delivery of order {order.number} is already {delivery.get_status_display().lower()}.")
    from_status = delivery.status
    delivery.status = DeliveryStatus.CANCELLED
    delivery.save(update_fields=["status", "updated_at"])
    _status_changed(delivery, from_status=from_status, by=by, note=note)
    return delivery


def deliveries_pick_up(*, rider: User, delivery_date, slot: str) -> int:
    """A rider loads the bike: every delivery of theirs still waiting in that slot is picked up. Returns how many."""
    waiting = Delivery.objects.filter(
        rider=rider, delivery_date=delivery_date, slot=slot, status=DeliveryStatus.ASSIGNED
    ).order_by("order_id")
    picked = 0
    for delivery in waiting:
        try:
            delivery_transition(delivery=delivery, to=DeliveryStatus.PICKED_UP, by=rider, as_rider=rider)
        except DeliveryError:
            continue  # changed (cancelled, reassigned) since we looked
        picked += 1
    return picked
