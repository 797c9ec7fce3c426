"""Every write to subscriptions: creation, status moves, and per-date changes before the cutoff."""

from datetime import date, datetime, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from accounts.models import Address, User
from catalog.models import Product
from delivery.selectors import zone_for_pincode
from delivery.slots import DeliverySlot
from subscriptions.models import (
    TRANSITIONS,
    Frequency,
    QuantityChange,
    SkippedDate,
    Subscription,
    SubscriptionStatus,
    SubscriptionStatusHistory,
    Vacation,
)
from subscriptions.schedule import plan_for, scheduled
from subscriptions.signals import subscription_created, subscription_status_changed


class SubscriptionError(Exception):
    """A change that cannot be made; the message is for the customer."""


def subscriptions_zone_for_address(*, address: Address):
    """The zone an address's live subscriptions belong in after a change of its PIN code (None if it has none).

    Refused (SubscriptionError) when the address receives subscriptions and the PIN code is not served."""
    live = Subscription.objects.filter(address_id=address.pk).exclude(status=SubscriptionStatus.CANCELLED)
    if not address.pk or not live.exists():
        return None
    zone = zone_for_pincode(address.pincode)
    if zone is None:
        raise SubscriptionError(
            f"We don't deliver to {address.pincode} yet, and your milk subscriptions come to this address. "
            "Keep a PIN code we serve, or cancel those subscriptions first."
        )
    return zone


def subscriptions_rezone(*, address: Address) -> int:
    """The subscriptions delivered to an address follow a change of its PIN code into that code's zone, or the
    change is refused (see subscriptions_zone_for_address). Returns how many moved."""
    zone = subscriptions_zone_for_address(address=address)
    if zone is None:
        return 0
    return (
        Subscription.objects.filter(address_id=address.pk)
        .exclude(status=SubscriptionStatus.CANCELLED)
        .exclude(zone=zone)
        .update(zone=zone)
    )


def change_deadline(subscription: Subscription, day: date) -> datetime:
    return DeliverySlot(date=day, name=subscription.slot).cutoff


def ensure_changeable(subscription: Subscription, day: date, now: datetime | None = None) -> None:
    """Refuse a change for a date whose cutoff (the evening before, by default) has passed."""
    deadline = change_deadline(subscription, day)
    if (now or timezone.now()) >= deadline:
        local = timezone.localtime(deadline)
        raise SubscriptionError(f"Changes for {day:%a %d %b} closed at {local:%H:%M} on {local:%a %d %b}.")


def first_changeable_date(subscription_slot: str, now: datetime | None = None) -> date:
    day = timezone.localdate(now or timezone.now())
    while not DeliverySlot(date=day, name=subscription_slot).is_open(now):
        day += timedelta(days=1)
    return day


def _validate_terms(
    *, product: Product, qty: int, frequency: str, weekdays: int, start_date: date, end_date, slot: str, now
) -> None:
    if not product.subscribable or not product.is_active:
        raise SubscriptionError(f"{product.name} is not available as a subscription.")
    if qty < 1:
        raise SubscriptionError("Choose a quantity of at least 1.")
    if frequency == Frequency.WEEKLY and not weekdays:
        raise SubscriptionError("Choose at least one weekday.")
    if end_date is not None and end_date < start_date:
        raise SubscriptionError("The end date must be on or after the start date.")
    earliest = first_changeable_date(slot, now)
    if start_date < earliest:
        raise SubscriptionError(
            f"The earliest start is {earliest:%a %d %b} (orders close at the cutoff the evening before)."
        )


def subscription_create(
    *,
    user: User,
    product: Product,
    qty: int,
    frequency: str,
    start_date: date,
    slot: str,
    address: Address,
    payment_method: str,
    weekdays: int = 0,
    end_date: date | None = None,
    now: datetime | None = None,
) -> Subscription:
    if address.user_id != user.pk:
        raise SubscriptionError("Pick one of your own addresses.")
    zone = zone_for_pincode(address.pincode)
    if zone is None:
        raise SubscriptionError(f"We don't deliver to {address.pincode} yet.")
    _validate_terms(
        product=product,
        qty=qty,
        frequency=frequency,
        weekdays=weekdays,
        start_date=start_date,
        end_date=end_date,
        slot=slot,
        now=now,
    )
    with transaction.atomic():
        subscription = Subscription.objects.create(
            user=user,
            product=product,
            qty=qty,
            frequency=frequency,
            weekdays=weekdays if frequency == Frequency.WEEKLY else 0,
            start_date=start_date,
            end_date=end_date,
            slot=slot,
            address=address,
            zone=zone,
            payment_method=payment_method,
        )
        SubscriptionStatusHistory.objects.create(
            subscription=subscription, to_status=SubscriptionStatus.ACTIVE, changed_by=user, note="Subscribed"
        )
        transaction.on_commit(partial(subscription_created.send, sender=Subscription, subscription_id=subscription.pk))
    return subscription


def subscription_transition(
    *, subscription: Subscription, to: str, by: User | None = None, note: str = ""
) -> Subscription:
    """ACTIVE ⇄ PAUSED → CANCELLED, with a history row and an event after commit."""
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if to not in TRANSITIONS[locked.status]:
            raise SubscriptionError(
                f"This subscription is {locked.get_status_display().lower()}; it cannot be {SubscriptionStatus(to).label.lower()}."
            )
        from_status = locked.status
        locked.status = to
        locked.save(update_fields=["status", "updated_at"])
        SubscriptionStatusHistory.objects.create(
            subscription=locked, from_status=from_status, to_status=to, changed_by=by, note=note
        )
        transaction.on_commit(
            partial(
                subscription_status_changed.send,
                sender=Subscription,
                subscription_id=locked.pk,
                from_status=from_status,
                to_status=to,
            )
        )
    subscription.refresh_from_db()
    return subscription


def _ensure_scheduled(subscription: Subscription, day: date) -> None:
    plan = plan_for(subscription, skips=[], vacations=[], changes={})
    if not scheduled(plan, day):
        raise SubscriptionError(f"There is no delivery on {day:%a %d %b} to change.")


def subscription_skip(*, subscription: Subscription, day: date, now: datetime | None = None) -> None:
    ensure_changeable(subscription, day, now)
    _ensure_scheduled(subscription, day)
    SkippedDate.objects.get_or_create(subscription=subscription, date=day)


def subscription_unskip(*, subscription: Subscription, day: date, now: datetime | None = None) -> None:
    ensure_changeable(subscription, day, now)
    SkippedDate.objects.filter(subscription=subscription, date=day).delete()


def subscription_change_quantity(
    *, subscription: Subscription, day: date, qty: int, now: datetime | None = None
) -> None:
    """Set one date's quantity (0 for none); the usual quantity removes the change."""
    ensure_changeable(subscription, day, now)
    _ensure_scheduled(subscription, day)
    if qty < 0 or qty > 20:
        raise SubscriptionError("Choose a quantity from 0 to 20.")
    if qty == subscription.qty:
        QuantityChange.objects.filter(subscription=subscription, date=day).delete()
    else:
        QuantityChange.objects.update_or_create(subscription=subscription, date=day, defaults={"qty": qty})


def subscription_set_vacation(
    *, subscription: Subscription, start: date, end: date, now: datetime | None = None
) -> Vacation:
    if end < start:
        raise SubscriptionError("The vacation must end on or after its first day.")
    ensure_changeable(subscription, start, now)
    if subscription.vacations.filter(start_date__lte=end, end_date__gte=start).exists():
        raise SubscriptionError("That overlaps a vacation you already set. End or change that one first.")
    return Vacation.objects.create(subscription=subscription, start_date=start, end_date=end)


def subscription_end_vacation(*, vacation: Vacation, last_day: date, now: datetime | None = None) -> Vacation | None:
    """End a vacation early: deliveries resume the day after last_day (a day before its first day removes it)."""
    if last_day >= vacation.end_date:
        raise SubscriptionError("To end early, pick a day before the vacation's current last day.")
    ensure_changeable(vacation.subscription, last_day + timedelta(days=1), now)
    if last_day < vacation.start_date:
        vacation.delete()
        return None
    vacation.end_date = last_day
    vacation.save(update_fields=["end_date"])
    return vacation
