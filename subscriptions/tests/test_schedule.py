"""The due-date function against a slow, obvious restatement of the rules, over generated subscriptions."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from subscriptions.models import Frequency
from subscriptions.schedule import Plan, due_on

DAYS = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))


def obvious_quantity(plan: Plan, day: date) -> int:
    """Walk from the start date, counting out the rhythm one day at a time."""
    if not plan.active:
        return 0
    delivering = False
    current, step = plan.start, 0
    while current <= day:
        if current == day:
            if plan.frequency == Frequency.DAILY:
                delivering = True
            elif plan.frequency == Frequency.ALTERNATE_DAYS:
                delivering = step % 2 == 0
            else:
                delivering = current.weekday() in plan.weekdays
        current += timedelta(days=1)
        step += 1
    if plan.end is not None and day > plan.end:
        delivering = False
    if not delivering or day in plan.skips:
        return 0
    for start, end in plan.vacations:
        if start <= day <= end:
            return 0
    return plan.changes.get(day, plan.qty)


@st.composite
def plans(draw):
    start = draw(DAYS)
    end = draw(st.none() | st.dates(min_value=start, max_value=start + timedelta(days=120)))
    vacations = []
    for vacation_start in draw(st.lists(DAYS, max_size=3)):
        vacations.append((vacation_start, vacation_start + timedelta(days=draw(st.integers(0, 20)))))
    return Plan(
        frequency=draw(st.sampled_from(list(Frequency))),
        qty=draw(st.integers(1, 5)),
        start=start,
        end=end,
        weekdays=frozenset(draw(st.sets(st.integers(0, 6), min_size=1))),
        active=draw(st.booleans()),
        skips=frozenset(draw(st.lists(DAYS, max_size=10))),
        vacations=tuple(vacations),
        changes=draw(st.dictionaries(DAYS, st.integers(0, 6), max_size=10)),
    )


@settings(max_examples=400, deadline=None)
@given(plan=plans(), day=DAYS)
def test_due_quantity_matches_the_obvious_rules(plan, day):
    assert due_on(plan, day).qty == obvious_quantity(plan, day)


@settings(max_examples=200, deadline=None)
@given(plan=plans(), day=DAYS)
def test_a_skipped_or_vacation_day_is_never_due(plan, day):
    skipped = Plan(**{**plan.__dict__, "skips": plan.skips | {day}})
    away = Plan(**{**plan.__dict__, "vacations": plan.vacations + ((day, day),)})

    assert due_on(skipped, day).qty == 0
    assert due_on(away, day).qty == 0


def test_alternate_days_count_from_the_start():
    plan = Plan(frequency=Frequency.ALTERNATE_DAYS, qty=2, start=date(2026, 12, 1))

    due = [due_on(plan, date(2026, 12, 1) + timedelta(days=n)).qty for n in range(5)]

    assert due == [2, 0, 2, 0, 2]


def test_weekly_on_chosen_weekdays_with_a_changed_and_a_skipped_day():
    # 2026-12-07 is a Monday.
    plan = Plan(
        frequency=Frequency.WEEKLY,
        qty=1,
        start=date(2026, 12, 7),
        weekdays=frozenset({0, 3}),
        skips=frozenset({date(2026, 12, 10)}),
        changes={date(2026, 12, 14): 3},
    )

    week = {
        date(2026, 12, 7) + timedelta(days=n): due_on(plan, date(2026, 12, 7) + timedelta(days=n)) for n in range(8)
    }

    assert [due.qty for due in week.values()] == [1, 0, 0, 0, 0, 0, 0, 3]
    assert week[date(2026, 12, 10)].reason == "skipped"
    assert week[date(2026, 12, 14)].reason == "changed"
