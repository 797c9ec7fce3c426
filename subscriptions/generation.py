"""Daily order generation: each subscription due on a date becomes one confirmed order, in bulk and exactly once.

This module finds what is due and remembers what was missed; orders.workflows.subscription_orders_place places
the orders with checkout's rules (the date's stock, slot capacity, wallet balance)."""

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from billing.models import AccountKind
from orders.workflows import subscription_orders_place
from payments.models import PaymentMethod, WalletEntry
from subscriptions.models import (
    LowBalanceWarning,
    MissedDelivery,
    QuantityChange,
    SkippedDate,
    Subscription,
    SubscriptionStatus,
    Vacation,
)
from subscriptions.schedule import due_on, plan_for
from subscriptions.signals import subscription_order_skipped, subscription_orders_generated, wallet_low_balance

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
LOW_BALANCE_DAYS = 3
Reason = MissedDelivery.Reason


@dataclass
class GenerationReport:
    day: date
    created: int = 0
    already: int = 0
    missed: Counter = field(default_factory=Counter)
    failed: int = 0

    def __str__(self):
        missed = ", ".join(f"{count} {reason.lower()}" for reason, count in sorted(self.missed.items())) or "none"
        return f"{self.day}: {self.created} orders created, {self.already} already there, missed: {missed}, failed: {self.failed}"


def subscriptions_active_on(day: date):
    return Subscription.objects.filter(status=SubscriptionStatus.ACTIVE, start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day)
    )


def _id_chunks(queryset, chunk_size: int):
    """Primary keys in ascending chunks, read by key ranges so memory stays bounded."""
    last = 0
    while ids := list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk_size]):
        yield ids
        last = ids[-1]


def _due_today(subscriptions: list[Subscription], day: date) -> list[tuple[Subscription, int]]:
    ids = [s.pk for s in subscriptions]
    skipped = set(
        SkippedDate.objects.filter(subscription_id__in=ids, date=day).values_list("subscription_id", flat=True)
    )
    away = set(
        Vacation.objects.filter(subscription_id__in=ids, start_date__lte=day, end_date__gte=day).values_list(
            "subscription_id", flat=True
        )
    )
    changes = dict(
        QuantityChange.objects.filter(subscription_id__in=ids, date=day).values_list("subscription_id", "qty")
    )
    due = []
    for subscription in subscriptions:
        plan = plan_for(
            subscription,
            skips=[day] if subscription.pk in skipped else [],
            vacations=[(day, day)] if subscription.pk in away else [],
            changes={day: changes[subscription.pk]} if subscription.pk in changes else {},
        )
        if qty := due_on(plan, day).qty:
            due.append((subscription, qty))
    return due


def _generate_chunk(subscription_ids: list[int], day: date, report: GenerationReport) -> None:
    with transaction.atomic():
        subscriptions = list(
            Subscription.objects.filter(pk__in=subscription_ids, status=SubscriptionStatus.ACTIVE)
            .select_related("user", "address")
            .order_by("pk")
        )
        placed = subscription_orders_place(due=_due_today(subscriptions, day), day=day, reasons=Reason)
        _record_missed(placed.missed, day)
        MissedDelivery.objects.filter(subscription__in=[o.subscription_id for o in placed.orders], date=day).delete()
        report.created += len(placed.orders)
        report.already += placed.already
        report.missed.update(reason for _, reason in placed.missed)
        if placed.orders:
            order_ids = [order.pk for order in placed.orders]
            transaction.on_commit(
                partial(
                    subscription_orders_generated.send, sender=Subscription, day=day.isoformat(), order_ids=order_ids
                )
            )


def _record_missed(missed: list, day: date) -> None:
    """Remember each missed delivery once, and tell the customer once, why."""
    if not missed:
        return
    known = set(
        MissedDelivery.objects.filter(subscription__in=[s for s, _ in missed], date=day).values_list(
            "subscription_id", flat=True
        )
    )
    new = [(subscription, reason) for subscription, reason in missed if subscription.pk not in known]
    MissedDelivery.objects.bulk_create(
        [MissedDelivery(subscription=s, date=day, reason=reason) for s, reason in new], ignore_conflicts=True
    )
    for subscription, reason in new:
        transaction.on_commit(
            partial(
                subscription_order_skipped.send,
                sender=Subscription,
                subscription_id=subscription.pk,
                date=day.isoformat(),
                reason=reason,
            )
        )


def generate_subscription_orders(*, day: date, chunk_size: int = CHUNK_SIZE) -> GenerationReport:
    """Create the day's subscription orders. Safe to run again, or twice at once: each due subscription gets one order."""
    report = GenerationReport(day=day)
    for ids in _id_chunks(subscriptions_active_on(day), chunk_size):
        try:
            _generate_chunk(ids, day, report)
        except Exception:
            # One bad subscription must not stop the run: retry this chunk one subscription at a time.
            logger.exception("Subscription chunk %s–%s for %s failed; retrying one by one", ids[0], ids[-1], day)
            for subscription_id in ids:
                try:
                    _generate_chunk([subscription_id], day, report)
                except Exception:
                    report.failed += 1
                    logger.exception("Subscription %s could not be generated for %s", subscription_id, day)
    warn_low_wallet_balances(day=day, chunk_size=chunk_size)
    logger.info("Subscription orders for %s", report)
    return report


def warn_low_wallet_balances(*, day: date, chunk_size: int = CHUNK_SIZE) -> int:
    """Warn (at most once a day) customers whose wallet won't cover their next LOW_BALANCE_DAYS of deliveries."""
    days = [day + timedelta(days=n) for n in range(1, LOW_BALANCE_DAYS + 1)]
    prepaid = Subscription.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=days[0]),
        status=SubscriptionStatus.ACTIVE,
        payment_method=PaymentMethod.WALLET,
        start_date__lte=days[-1],
    ).exclude(user__billing_account__kind=AccountKind.POSTPAID)  # billed monthly, not from the wallet
    needed: dict[int, Decimal] = defaultdict(Decimal)
    for ids in _id_chunks(prepaid, chunk_size):
        # Grouped by hand rather than prefetched: Django's prefetch costs a queryset per subscription.
        skips, vacations, changes = defaultdict(list), defaultdict(list), defaultdict(dict)
        for subscription_id, skipped in SkippedDate.objects.filter(subscription_id__in=ids, date__in=days).values_list(
            "subscription_id", "date"
        ):
            skips[subscription_id].append(skipped)
        for subscription_id, first, last in Vacation.objects.filter(
            subscription_id__in=ids, start_date__lte=days[-1], end_date__gte=days[0]
        ).values_list("subscription_id", "start_date", "end_date"):
            vacations[subscription_id].append((first, last))
        for subscription_id, changed, qty in QuantityChange.objects.filter(
            subscription_id__in=ids, date__in=days
        ).values_list("subscription_id", "date", "qty"):
            changes[subscription_id][changed] = qty
        for subscription in Subscription.objects.filter(pk__in=ids).select_related("product"):
            plan = plan_for(
                subscription,
                skips=skips[subscription.pk],
                vacations=vacations[subscription.pk],
                changes=changes[subscription.pk],
            )
            qty = sum(due_on(plan, d).qty for d in days)
            if qty:
                needed[subscription.user_id] += subscription.product.price * qty
    if not needed:
        return 0
    balances = dict(
        WalletEntry.objects.filter(wallet__user_id__in=needed)
        .values("wallet__user_id")
        .annotate(total=Sum("amount"))
        .values_list("wallet__user_id", "total")
    )
    short = {user_id: amount for user_id, amount in needed.items() if (balances.get(user_id) or 0) < amount}
    today = timezone.localdate()
    warned = set(LowBalanceWarning.objects.filter(user_id__in=short, date=today).values_list("user_id", flat=True))
    fresh = [user_id for user_id in short if user_id not in warned]
    LowBalanceWarning.objects.bulk_create(
        [LowBalanceWarning(user_id=u, date=today) for u in fresh], ignore_conflicts=True
    )
    for user_id in fresh:
        wallet_low_balance.send(
            sender=Subscription,
            user_id=user_id,
            balance=str(balances.get(user_id) or Decimal("0.00")),
            needed=str(short[user_id]),
        )
    return len(fresh)
