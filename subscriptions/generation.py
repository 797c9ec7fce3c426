"""Daily order generation: each subscription due on a date becomes one confirmed order, in bulk and exactly once."""

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.db.models import F, Prefetch, Q, Sum
from django.utils import timezone

from catalog.models import Product
from delivery.models import SlotBooking
from delivery.services import deliveries_create_for_orders
from orders.models import Order, OrderLine, OrderStatus, OrderStatusHistory, delivery_snapshot, new_order_number
from payments.models import Payment, PaymentMethod, PaymentStatus, Wallet, WalletEntry, WalletEntryKind
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


def _locked_balances(user_ids: list[int]) -> dict[int, Decimal]:
    """Lock the wallets (in pk order, after the products, as order_place does) and read their balances."""
    if not user_ids:
        return {}
    Wallet.objects.bulk_create([Wallet(user_id=user_id) for user_id in user_ids], ignore_conflicts=True)
    wallets = list(Wallet.objects.select_for_update().filter(user_id__in=user_ids).order_by("pk"))
    totals = dict(
        WalletEntry.objects.filter(wallet__in=wallets)
        .values("wallet_id")
        .annotate(total=Sum("amount"))
        .values_list("wallet_id", "total")
    )
    return {wallet.user_id: totals.get(wallet.pk) or Decimal("0") for wallet in wallets}


def _order_for(subscription: Subscription, qty: int, product: Product, day: date) -> Order:
    prepaid = subscription.payment_method == PaymentMethod.WALLET
    return Order(
        number=new_order_number(),
        user_id=subscription.user_id,
        subscription=subscription,
        status=OrderStatus.CONFIRMED,
        payment_status=PaymentStatus.SUCCESS if prepaid else PaymentStatus.PENDING,
        payment_method=subscription.payment_method,
        total_amount=product.price * qty,
        delivery_date=day,
        delivery_slot=subscription.slot,
        zone_id=subscription.zone_id,
        **delivery_snapshot(user=subscription.user, address=subscription.address),
    )


def _generate_chunk(subscription_ids: list[int], day: date, report: GenerationReport) -> None:
    with transaction.atomic():
        subscriptions = list(
            Subscription.objects.filter(pk__in=subscription_ids, status=SubscriptionStatus.ACTIVE)
            .select_related("user", "address")
            .order_by("pk")
        )
        due = _due_today(subscriptions, day)
        if not due:
            return
        products = {
            product.pk: product
            for product in Product.objects.select_for_update()
            .filter(pk__in={s.product_id for s, _ in due})
            .order_by("pk")
        }
        # Checked under the product locks: a generator running at the same time has committed or is waiting.
        existing = set(
            Order.objects.filter(subscription_id__in=[s.pk for s, _ in due], delivery_date=day).values_list(
                "subscription_id", flat=True
            )
        )
        balances = _locked_balances(
            sorted({s.user_id for s, _ in due if s.payment_method == PaymentMethod.WALLET and s.pk not in existing})
        )
        stock = {pk: product.stock for pk, product in products.items()}
        accepted, missed = [], []
        for subscription, qty in due:
            product = products[subscription.product_id]
            total = product.price * qty
            prepaid = subscription.payment_method == PaymentMethod.WALLET
            if subscription.pk in existing:
                report.already += 1
            elif not product.is_active:
                missed.append((subscription, Reason.PRODUCT_UNAVAILABLE))
            elif subscription.address is None or subscription.zone_id is None:
                missed.append((subscription, Reason.NO_ADDRESS))
            elif stock[product.pk] < qty:
                missed.append((subscription, Reason.OUT_OF_STOCK))
            elif prepaid and balances[subscription.user_id] < total:
                missed.append((subscription, Reason.LOW_BALANCE))
            else:
                stock[product.pk] -= qty
                if prepaid:
                    balances[subscription.user_id] -= total
                accepted.append((subscription, qty, product))

        orders = Order.objects.bulk_create([_order_for(s, qty, product, day) for s, qty, product in accepted])
        _write_order_details(orders, accepted)
        deliveries_create_for_orders(orders=orders)
        for pk, product in products.items():
            if used := product.stock - stock[pk]:
                Product.objects.filter(pk=pk).update(stock=F("stock") - used, updated_at=timezone.now())
        for slot, count in Counter(order.delivery_slot for order in orders).items():
            SlotBooking.objects.get_or_create(date=day, slot=slot)
            SlotBooking.objects.filter(date=day, slot=slot).update(booked=F("booked") + count)
        _record_missed(missed, day)
        MissedDelivery.objects.filter(subscription__in=[s for s, _, _ in accepted], date=day).delete()

        report.created += len(orders)
        report.missed.update(reason for _, reason in missed)
        if orders:
            order_ids = [order.pk for order in orders]
            transaction.on_commit(
                partial(
                    subscription_orders_generated.send, sender=Subscription, day=day.isoformat(), order_ids=order_ids
                )
            )


def _write_order_details(orders: list[Order], accepted: list) -> None:
    lines, history, payments = [], [], []
    for order, (_subscription, qty, product) in zip(orders, accepted, strict=True):
        lines.append(
            OrderLine(
                order=order,
                product=product,
                product_name=product.name,
                unit=product.unit,
                unit_price=product.price,
                qty=qty,
                line_total=order.total_amount,
            )
        )
        prepaid = order.payment_method == PaymentMethod.WALLET
        note = "Subscription delivery, paid from wallet" if prepaid else "Subscription delivery, cash on delivery"
        history.append(OrderStatusHistory(order=order, to_status=OrderStatus.CONFIRMED, note=note))
        payments.append(
            Payment(
                user_id=order.user_id,
                order=order,
                method=order.payment_method,
                amount=order.total_amount,
                status=PaymentStatus.SUCCESS if prepaid else PaymentStatus.PENDING,
                provider="wallet" if prepaid else "cash",
            )
        )
    OrderLine.objects.bulk_create(lines)
    OrderStatusHistory.objects.bulk_create(history)
    payments = Payment.objects.bulk_create(payments)
    prepaid_payments = [payment for payment in payments if payment.method == PaymentMethod.WALLET]
    if prepaid_payments:
        wallets = dict(
            Wallet.objects.filter(user_id__in={p.user_id for p in prepaid_payments}).values_list("user_id", "pk")
        )
        WalletEntry.objects.bulk_create(
            WalletEntry(
                wallet_id=wallets[payment.user_id],
                kind=WalletEntryKind.ORDER_DEBIT,
                amount=-payment.amount,
                order_id=payment.order_id,
                payment=payment,
                note="Subscription delivery",
            )
            for payment in prepaid_payments
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
    )
    needed: dict[int, Decimal] = defaultdict(Decimal)
    for ids in _id_chunks(prepaid, chunk_size):
        subscriptions = (
            Subscription.objects.filter(pk__in=ids)
            .select_related("product")
            .prefetch_related(
                Prefetch("skips", queryset=SkippedDate.objects.filter(date__in=days)),
                Prefetch(
                    "vacations", queryset=Vacation.objects.filter(start_date__lte=days[-1], end_date__gte=days[0])
                ),
                Prefetch("quantity_changes", queryset=QuantityChange.objects.filter(date__in=days)),
            )
        )
        for subscription in subscriptions:
            plan = plan_for(subscription)
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
