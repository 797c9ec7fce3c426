"""Every write to deliveries' and slot bookings' own rows: creation, rider assignment, status moves, slot seats.

What a delivery's move does to its order, payment and stock lives in orders.workflows, which calls these with
the rows locked in its one order.
"""

from datetime import datetime
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from accounts.models import RIDERS_GROUP, User
from delivery.models import (
    TRANSITIONS,
    Delivery,
    DeliveryStatus,
    DeliveryStatusHistory,
    DeliveryZone,
    FailureReason,
    RiderRound,
    SlotBooking,
)
from delivery.routes import route_stops_ensure
from delivery.signals import delivery_updated
from delivery.slots import DeliverySlot
from milkshop.money import format_money


class DeliveryError(Exception):
    """A delivery change that cannot be made; the message is for the rider or staff member."""


# Creation and assignment


def _riders_by_load(*, zone_id: int | None, delivery_date, slot: str) -> list[User]:
    """The zone's active riders whose round of that day is not closed, least busy first (deliveries not cancelled in
    that slot); ties go to the first added."""
    if zone_id is None:
        return []
    busy = Q(assigned_deliveries__delivery_date=delivery_date, assigned_deliveries__slot=slot) & ~Q(
        assigned_deliveries__status=DeliveryStatus.CANCELLED
    )
    closed = RiderRound.objects.filter(date=delivery_date, closed_at__isnull=False).values("rider_id")
    return list(
        User.objects.filter(delivery_zones=zone_id, is_active=True, groups__name=RIDERS_GROUP)
        .exclude(pk__in=closed)
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


def deliveries_create_for_orders(*, orders: list, by: User | None = None) -> list[Delivery]:
    """Deliveries for confirmed orders that have none yet, each given to the least busy rider of its zone and slot.

    Orders without a rider to take them get a delivery all the same, unassigned, for staff to assign; households
    new to their zone's round get their stop in it (delivery.routes). Call inside the transaction that confirms
    the orders. Queries do not grow with the number of orders (one per zone and slot among them); a second call
    for the same orders creates nothing.
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
    route_stops_ensure(deliveries=deliveries)
    return deliveries


def delivery_create_for_order(*, order, by: User | None = None) -> Delivery:
    """The delivery of a just-confirmed order (see deliveries_create_for_orders); the one it has, if any.

    Called by orders.workflows inside the confirming transaction, with the order locked.
    """
    created = deliveries_create_for_orders(orders=[order], by=by)
    return created[0] if created else Delivery.objects.get(order=order)


def delivery_assign(*, delivery: Delivery, rider: User | None, by: User | None = None) -> Delivery:
    """Give a delivery that has not left the dairy to another rider (or to nobody, for staff to sort out)."""
    if rider is not None and not (rider.is_active and rider.is_rider):
        raise DeliveryError(f"{rider} is not an active rider.")
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().select_related("order").get(pk=delivery.pk)
        if locked.status != DeliveryStatus.ASSIGNED:
            raise DeliveryError(
                f"The delivery of order {locked.order.number} is {locked.get_status_display().lower()}; "
                "only deliveries not yet picked up can change rider."
            )
        # The round's row is locked so that a round being closed either sees this delivery or refuses it.
        round_of_day = RiderRound.objects.select_for_update().filter(rider=rider, date=locked.delivery_date)
        if rider is not None and any(found.is_closed for found in round_of_day):
            raise DeliveryError(
                f"{rider.name}'s round on {locked.delivery_date:%a %d %b} is closed; give the delivery to another rider."
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


def delivery_set_status(
    *,
    delivery: Delivery,
    to: str,
    by: User | None,
    note: str = "",
    failure_reason: str = "",
    cash_collected: Decimal | None = None,
) -> Delivery:
    """Move a delivery along TRANSITIONS with its history row; DELIVERY_UPDATED after commit. Call it locked.

    FAILED needs a reason from FailureReason (and a note for "other"); a delivery under way needs a rider."""
    number = delivery.order.number
    if to not in TRANSITIONS[delivery.status]:
        raise DeliveryError(
            f"The delivery of order {number} is {delivery.get_status_display().lower()}; "
            f"it cannot be marked {DeliveryStatus(to).label.lower()}."
        )
    if to in (DeliveryStatus.PICKED_UP, DeliveryStatus.IN_TRANSIT, DeliveryStatus.DELIVERED) and not delivery.rider_id:
        raise DeliveryError(f"Assign a rider to the delivery of order {number} first.")
    history_note = note
    if to == DeliveryStatus.FAILED:
        if failure_reason not in FailureReason.values:
            raise DeliveryError("Choose why the delivery failed.")
        if failure_reason == FailureReason.OTHER and not note:
            raise DeliveryError("Say what went wrong (a short note).")
        delivery.failure_reason = failure_reason
        delivery.failure_note = note[:255]
        label = FailureReason(failure_reason).label
        history_note = f"{label}: {note}" if note else label
    if cash_collected:
        delivery.cash_collected = cash_collected
        cash = f"Cash collected: {format_money(cash_collected)}"
        history_note = f"{cash}; {note}" if note else cash
    from_status = delivery.status
    delivery.status = to
    delivery.save(update_fields=["status", "failure_reason", "failure_note", "cash_collected", "updated_at"])
    _status_changed(delivery, from_status=from_status, by=by, note=history_note)
    return delivery


# Slot seats


class SlotError(DeliveryError):
    pass


def slot_book(*, slot: DeliverySlot, now: datetime | None = None) -> None:
    """Take one seat of a slot that is still open and not full; its booking row is locked until commit."""
    now = now or timezone.now()
    if not slot.is_open(now):
        raise SlotError(
            f"Orders for {slot.label} closed at {timezone.localtime(slot.cutoff):%H:%M on %a %d %b}. Pick a later slot."
        )
    if slot_book_many(slot=slot, count=1) < 1:
        raise SlotError(f"{slot.label} is full. Pick another slot.")


def slot_book_many(*, slot: DeliverySlot, count: int) -> int:
    """Take up to count seats of a slot, as many as its capacity leaves; returns how many were taken."""
    SlotBooking.objects.get_or_create(date=slot.date, slot=slot.name)
    booking = SlotBooking.objects.select_for_update().get(date=slot.date, slot=slot.name)
    taken = max(0, min(count, settings.DELIVERY_SLOT_CAPACITY - booking.booked))
    if taken:
        SlotBooking.objects.filter(pk=booking.pk).update(booked=F("booked") + taken)
    return taken


def slot_release(*, slot: DeliverySlot) -> None:
    SlotBooking.objects.filter(date=slot.date, slot=slot.name, booked__gt=0).update(booked=F("booked") - 1)
