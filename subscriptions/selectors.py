from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from delivery.slots import DeliverySlot
from orders.models import Order
from subscriptions.models import MissedDelivery, QuantityChange, SkippedDate, Subscription, Vacation
from subscriptions.schedule import Due, Plan, due_on, plan_for

CALENDAR_DAYS = 30


@dataclass(frozen=True)
class CalendarDay:
    date: date
    due: Due
    changeable: bool
    order: Order | None = None
    missed: str = ""

    @property
    def label(self) -> str:
        if self.order is not None:
            return f"{sum(line.qty for line in self.order.lines.all())} ordered"
        if self.missed:
            return f"Missed: {self.missed}"
        if self.due.reason in ("skipped", "vacation", "paused"):
            return self.due.reason.capitalize()
        return str(self.due.qty) if self.due.qty else ""


def _with_calendar_data(subscriptions: QuerySet[Subscription], start: date, end: date) -> QuerySet[Subscription]:
    """Everything the cards and calendars need, in a fixed number of queries however many subscriptions."""
    return subscriptions.select_related("product", "address").prefetch_related(
        Prefetch("skips", queryset=SkippedDate.objects.filter(date__range=(start, end))),
        Prefetch("vacations", queryset=Vacation.objects.filter(end_date__gte=start)),
        Prefetch("quantity_changes", queryset=QuantityChange.objects.filter(date__range=(start, end))),
        Prefetch("orders", queryset=Order.objects.filter(delivery_date__range=(start, end)).prefetch_related("lines")),
        Prefetch("missed", queryset=MissedDelivery.objects.filter(date__range=(start, end))),
    )


def subscriptions_for_user(*, user: User) -> QuerySet[Subscription]:
    today = timezone.localdate()
    return _with_calendar_data(Subscription.objects.filter(user=user), today, today + timedelta(days=CALENDAR_DAYS))


def subscription_for_user(*, user: User, subscription_id: int) -> Subscription:
    """The customer's own subscription; anyone else's is a 404."""
    return get_object_or_404(subscriptions_for_user(user=user), pk=subscription_id)


def subscription_calendar(
    subscription: Subscription, *, start: date | None = None, days: int = CALENDAR_DAYS
) -> list[CalendarDay]:
    start = start or timezone.localdate()
    plan = plan_for(subscription)
    orders = {order.delivery_date: order for order in subscription.orders.all()}
    missed = {record.date: record.get_reason_display() for record in subscription.missed.all()}
    now = timezone.now()
    calendar = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        calendar.append(
            CalendarDay(
                date=day,
                due=due_on(plan, day),
                changeable=DeliverySlot(date=day, name=subscription.slot).is_open(now),
                order=orders.get(day),
                missed=missed.get(day, ""),
            )
        )
    return calendar


def next_delivery(subscription: Subscription, *, horizon: int = 60) -> tuple[date, int] | None:
    """The next delivery that has not started yet, and its quantity."""
    plan = plan_for(subscription)
    now = timezone.now()
    today = timezone.localdate(now)
    for offset in range(horizon):
        day = today + timedelta(days=offset)
        if (qty := due_on(plan, day).qty) and DeliverySlot(date=day, name=subscription.slot).starts_at > now:
            return day, qty
    return None


def preview(
    plan: Plan, price: Decimal, *, count: int = 7, month_days: int = 30
) -> tuple[list[tuple[date, int]], Decimal]:
    """The next deliveries of a plan and what its first 30 days cost."""
    upcoming, day = [], plan.start
    while len(upcoming) < count and day <= plan.start + timedelta(days=365):
        if qty := due_on(plan, day).qty:
            upcoming.append((day, qty))
        day += timedelta(days=1)
    monthly = sum((due_on(plan, plan.start + timedelta(days=n)).qty for n in range(month_days)), 0) * price
    return upcoming, monthly


def wallet_needed_for(subscriptions, *, days: int = 3) -> Decimal:
    """What the next days of wallet-paid deliveries cost (from tomorrow)."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    total = Decimal("0.00")
    for subscription in subscriptions:
        if subscription.payment_method != "WALLET":
            continue
        plan = plan_for(subscription)
        qty = sum(due_on(plan, tomorrow + timedelta(days=n)).qty for n in range(days))
        total += subscription.product.price * qty
    return total
