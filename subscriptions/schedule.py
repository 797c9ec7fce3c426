"""What a subscription delivers on a given date: one answer for the calendar, the generator and the API."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from subscriptions.models import Frequency, Subscription, SubscriptionStatus


@dataclass(frozen=True)
class Plan:
    """A subscription's rules and per-date changes, as plain values (no queries while answering)."""

    frequency: str
    qty: int
    start: date
    end: date | None = None
    weekdays: frozenset[int] = frozenset()
    active: bool = True
    skips: frozenset[date] = frozenset()
    vacations: tuple[tuple[date, date], ...] = ()
    changes: Mapping[date, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Due:
    qty: int
    reason: str = ""  # why nothing (or something unusual) is due: "skipped", "vacation", "changed", …

    def __bool__(self):
        return self.qty > 0


def scheduled(plan: Plan, day: date) -> bool:
    """Does the subscription's rhythm fall on this day (before skips, vacations and changes)?"""
    if day < plan.start or (plan.end is not None and day > plan.end):
        return False
    match plan.frequency:
        case Frequency.DAILY:
            return True
        case Frequency.ALTERNATE_DAYS:
            return (day - plan.start).days % 2 == 0
        case Frequency.WEEKLY:
            return day.weekday() in plan.weekdays
    raise ValueError(f"Unknown frequency {plan.frequency!r}")


def due_on(plan: Plan, day: date) -> Due:
    if not scheduled(plan, day):
        return Due(0, "")
    if not plan.active:
        return Due(0, "paused")
    if day in plan.skips:
        return Due(0, "skipped")
    if any(start <= day <= end for start, end in plan.vacations):
        return Due(0, "vacation")
    if day in plan.changes:
        return Due(plan.changes[day], "changed")
    return Due(plan.qty, "")


def plan_for(
    subscription: Subscription,
    *,
    skips: Iterable[date] | None = None,
    vacations: Iterable[tuple[date, date]] | None = None,
    changes: Mapping[date, int] | None = None,
) -> Plan:
    """The Plan of a subscription; per-date changes come from prefetched relations unless given."""
    if skips is None:
        skips = [skip.date for skip in subscription.skips.all()]
    if vacations is None:
        vacations = [(v.start_date, v.end_date) for v in subscription.vacations.all()]
    if changes is None:
        changes = {change.date: change.qty for change in subscription.quantity_changes.all()}
    return Plan(
        frequency=subscription.frequency,
        qty=subscription.qty,
        start=subscription.start_date,
        end=subscription.end_date,
        weekdays=frozenset(subscription.weekday_numbers),
        active=subscription.status == SubscriptionStatus.ACTIVE,
        skips=frozenset(skips),
        vacations=tuple(vacations),
        changes=dict(changes),
    )
