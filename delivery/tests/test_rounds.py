"""A rider's round through its services: the cash sheet, staff's count and its variance, acknowledging, closing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from delivery.models import DeliveryStatus, DeliveryZone, RiderRound, RiderRoundCount
from delivery.rounds import (
    RoundError,
    RoundNotAllowed,
    rider_round_history,
    round_acknowledge_variance,
    round_close,
    round_for,
    round_record_handover,
    rounds_of_day,
)
from delivery.services import DeliveryError, delivery_assign
from delivery.signals import round_closed, round_counted
from delivery.tests.factories import delivery_in, rider
from orders.tests.factories import customer_with_address, place_order
from orders.workflows import delivery_transition
from payments.models import PaymentMethod

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zone_without_delivery_codes")]

CASH = PaymentMethod.CASH


@pytest.fixture
def ravi():
    """The test zone's only rider: every order placed in it is his."""
    return rider(name="Ravi Kumar")


@pytest.fixture
def counter():
    return UserFactory(is_staff=True, name="Meena Staff")


def cod(status, **kwargs):
    """A cash-on-delivery order of ₹64 (2 × ₹32), its delivery moved to status by its rider."""
    return delivery_in(status, method=CASH, **kwargs)


def elsewhere_rider(**fields):
    """A rider of another zone: none of the test zone's orders go to them unless given."""
    return rider(zone=DeliveryZone.objects.create(name="Elsewhere", pincodes="560099"), **fields)


def count(rider, day, amount, note="", by=None):
    return round_record_handover(rider=rider, day=day, amount=Decimal(amount), note=note, by=by)


@pytest.fixture
def finished_day(ravi):
    """Ravi's day is over: one cash order delivered (₹64 collected), one failed, one prepaid delivered."""
    delivered = cod(DeliveryStatus.DELIVERED)
    failed = cod(DeliveryStatus.FAILED)
    prepaid = delivery_in(DeliveryStatus.DELIVERED)
    assert delivered.rider == failed.rider == prepaid.rider == ravi
    return delivered.delivery_date


# The sheet


def test_the_sheet_shows_every_cash_order_with_what_was_due_collected_and_its_status(ravi):
    delivered = cod(DeliveryStatus.DELIVERED)
    failed = cod(DeliveryStatus.FAILED)
    on_the_way = cod(DeliveryStatus.IN_TRANSIT)
    cancelled = cod(DeliveryStatus.CANCELLED)  # by the shop itself
    delivery_in(DeliveryStatus.DELIVERED)  # prepaid: no cash, not on the sheet

    sheet = round_for(rider=ravi, day=delivered.delivery_date)

    lines = {line.delivery.pk: (line.due, line.collected, line.delivery.status) for line in sheet.lines}
    assert lines == {
        delivered.pk: (Decimal("64.00"), Decimal("64.00"), DeliveryStatus.DELIVERED),
        failed.pk: (Decimal("0.00"), Decimal("0.00"), DeliveryStatus.FAILED),
        on_the_way.pk: (Decimal("64.00"), Decimal("0.00"), DeliveryStatus.IN_TRANSIT),
        cancelled.pk: (Decimal("0.00"), Decimal("0.00"), DeliveryStatus.CANCELLED),
    }
    assert (sheet.due, sheet.collected, sheet.still_to_collect) == (Decimal("128.00"), Decimal("64.00"), Decimal("64"))
    assert (sheet.deliveries, sheet.on_the_road) == (5, 1)
    assert (sheet.round, sheet.status_label) == (None, "Waiting to be counted")


def test_staff_see_every_rider_with_deliveries_that_day_before_any_count(ravi, counter):
    suresh = elsewhere_rider(name="Suresh Gowda")
    mine = cod(DeliveryStatus.DELIVERED)
    his = place_order().delivery
    delivery_assign(delivery=his, rider=suresh)

    summaries = rounds_of_day(day=mine.delivery_date)

    assert [(s.rider, s.deliveries, s.on_the_road, s.collected, s.round) for s in summaries] == [
        (ravi, 1, 0, Decimal("64.00"), None),
        (suresh, 1, 1, Decimal("0.00"), None),
    ]
    assert rounds_of_day(day=mine.delivery_date + timedelta(days=1)) == []


# Counting


def test_an_exact_handover_has_no_variance_and_needs_no_note(
    finished_day, ravi, counter, django_capture_on_commit_callbacks
):
    heard = []
    round_counted.connect(lambda **kwargs: heard.append(kwargs), weak=False, dispatch_uid="test-counted")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            counted = count(ravi, finished_day, "64.00", by=counter)
    finally:
        round_counted.disconnect(dispatch_uid="test-counted")

    counted.refresh_from_db()
    assert (counted.cash_collected, counted.cash_handed_over, counted.variance) == (
        Decimal("64.00"),
        Decimal("64.00"),
        Decimal("0.00"),
    )
    assert (counted.counted_by, counted.is_counted, counted.awaits_acknowledgement) == (counter, True, False)
    assert [(c.cash_handed_over, c.counted_by) for c in counted.counts.all()] == [(Decimal("64.00"), counter)]
    assert [(h["round_id"], h["rider_id"], h["date"], h["variance"]) for h in heard] == [
        (counted.pk, ravi.pk, finished_day, Decimal("0.00"))
    ]
    assert round_for(rider=ravi, day=finished_day).status_label == "Counted: ₹64.00 handed over"


def test_a_short_handover_needs_a_note_and_is_recorded_as_a_variance(finished_day, ravi, counter):
    with pytest.raises(RoundError) as refused:
        count(ravi, finished_day, "44.00", note="  ", by=counter)
    assert str(refused.value) == (
        "₹44.00 handed over against ₹64.00 collected: ₹20.00 short. Say what happened in the note."
    )
    assert not RiderRound.objects.exists()  # the refused count left nothing behind

    short = count(ravi, finished_day, "44.00", note="Customer paid ₹20 less, will pay tomorrow", by=counter)

    short.refresh_from_db()
    assert (short.variance, short.variance_label) == (Decimal("-20.00"), "₹20.00 short")
    assert short.variance_note == "Customer paid ₹20 less, will pay tomorrow"
    assert short.awaits_acknowledgement


def test_an_over_handover_is_a_variance_too(finished_day, ravi, counter):
    with pytest.raises(RoundError, match="₹10.00 over. Say what happened"):
        count(ravi, finished_day, "74", by=counter)

    over = count(ravi, finished_day, "74", note="Change he carried from yesterday", by=counter)

    assert (over.variance, over.variance_label) == (Decimal("10.00"), "₹10.00 over")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-1", "cannot be a negative amount"),
        ("64.001", "two decimal places at most"),
        ("1e12", "more than a round can hold"),
        ("NaN", "Enter the amount of cash handed over"),
        ("sixty", "Enter the amount of cash handed over"),
        (None, "Enter the amount of cash handed over"),
    ],
)
def test_an_amount_that_is_not_cash_is_refused(finished_day, ravi, counter, amount, message):
    with pytest.raises(RoundError, match=message):
        round_record_handover(rider=ravi, day=finished_day, amount=amount, note="x", by=counter)
    assert not RiderRound.objects.exists()


def test_counting_again_replaces_the_figures_keeps_every_count_and_asks_for_a_new_acknowledgement(
    finished_day, ravi, counter
):
    first = count(ravi, finished_day, "44.00", note="₹20 missing", by=counter)
    round_acknowledge_variance(round=first, by=counter)
    other = UserFactory(is_staff=True, name="Arun Staff")

    again = count(ravi, finished_day, "54.00", note="Found ₹10 in the bag", by=other)

    again.refresh_from_db()
    assert again.pk == first.pk
    assert (again.cash_handed_over, again.variance, again.variance_note) == (
        Decimal("54.00"),
        Decimal("-10.00"),
        "Found ₹10 in the bag",
    )
    assert (again.counted_by, again.variance_acknowledged_by, again.variance_acknowledged_at) == (other, None, None)
    assert again.awaits_acknowledgement
    assert [(c.cash_handed_over, c.variance, c.note, c.counted_by) for c in again.counts.all()] == [
        (Decimal("44.00"), Decimal("-20.00"), "₹20 missing", counter),
        (Decimal("54.00"), Decimal("-10.00"), "Found ₹10 in the bag", other),
    ]


def test_only_riders_with_deliveries_that_day_are_counted(finished_day, ravi, counter):
    with pytest.raises(RoundError, match="has no deliveries on"):
        count(ravi, finished_day + timedelta(days=1), "0", by=counter)
    with pytest.raises(RoundError, match="is not a rider"):
        count(customer_with_address(), finished_day, "0", by=counter)


# Acknowledging and closing


def test_a_variance_is_acknowledged_once_by_staff_and_an_exact_count_has_none(finished_day, ravi, counter):
    exact = count(ravi, finished_day, "64", by=counter)
    with pytest.raises(RoundError, match="no variance to acknowledge"):
        round_acknowledge_variance(round=exact, by=counter)

    short = count(ravi, finished_day, "60", note="₹4 short", by=counter)
    acknowledged = round_acknowledge_variance(round=short, by=counter)

    assert (acknowledged.variance_acknowledged_by, acknowledged.awaits_acknowledgement) == (counter, False)
    with pytest.raises(RoundError, match="already acknowledged"):
        round_acknowledge_variance(round=short, by=counter)


def test_a_round_does_not_close_while_deliveries_are_on_the_road(ravi, counter):
    delivered = cod(DeliveryStatus.DELIVERED)
    waiting = cod(DeliveryStatus.PICKED_UP)
    day = delivered.delivery_date
    counted = count(ravi, day, "64", by=counter)

    with pytest.raises(RoundError) as refused:
        round_close(round=counted, by=counter)

    assert str(refused.value).startswith(
        f"Ravi Kumar's round on {day:%a} {day.day} {day:%b} cannot close: 1 delivery is not finished "
        f"(order {waiting.order.number})."
    )
    counted.refresh_from_db()
    assert not counted.is_closed


def test_there_is_no_round_to_close_before_the_first_count(finished_day, ravi, counter):
    """A round's row is made by its first count: before it, staff find the rider's day but nothing to close."""
    [summary] = rounds_of_day(day=finished_day)

    assert (summary.rider, summary.collected, summary.round) == (ravi, Decimal("64.00"), None)
    assert not RiderRound.objects.exists()
    assert round_for(rider=ravi, day=finished_day).status == "waiting"


def test_a_round_does_not_close_with_an_unacknowledged_variance_and_closes_once_acknowledged(
    finished_day, ravi, counter, django_capture_on_commit_callbacks
):
    short = count(ravi, finished_day, "60", note="₹4 short", by=counter)
    with pytest.raises(RoundError, match=r"its variance \(₹4.00 short\) is not acknowledged yet"):
        round_close(round=short, by=counter)

    round_acknowledge_variance(round=short, by=counter)
    heard = []
    round_closed.connect(lambda **kwargs: heard.append(kwargs), weak=False, dispatch_uid="test-closed")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            closed = round_close(round=short, by=counter)
    finally:
        round_closed.disconnect(dispatch_uid="test-closed")

    closed.refresh_from_db()
    assert (closed.is_closed, closed.closed_by) == (True, counter)
    assert [(h["round_id"], h["variance"]) for h in heard] == [(closed.pk, Decimal("-4.00"))]
    assert round_for(rider=ravi, day=finished_day).status_label == "Closed"


def test_an_exact_count_closes_without_acknowledgement(finished_day, ravi, counter):
    closed = round_close(round=count(ravi, finished_day, "64", by=counter), by=counter)

    assert closed.is_closed


def test_cash_collected_after_the_count_has_to_be_counted_again_before_closing(ravi, counter):
    delivered = cod(DeliveryStatus.DELIVERED)
    later = cod(DeliveryStatus.IN_TRANSIT)
    day = delivered.delivery_date
    counted = count(ravi, day, "64", by=counter)
    delivery_transition(delivery=later, to=DeliveryStatus.DELIVERED, by=ravi, cash_collected=Decimal("64.00"))

    assert round_for(rider=ravi, day=day).count_is_stale
    with pytest.raises(RoundError, match=r"₹128.00 was collected in all, but the cash was counted against ₹64.00"):
        round_close(round=counted, by=counter)

    assert round_close(round=count(ravi, day, "128", by=counter), by=counter).is_closed


def test_a_closed_round_does_not_change_and_takes_no_more_deliveries(finished_day, ravi, counter):
    closed = round_close(round=count(ravi, finished_day, "64", by=counter), by=counter)
    before = RiderRound.objects.values().get(pk=closed.pk)

    for change in (
        lambda: count(ravi, finished_day, "60", note="recount", by=counter),
        lambda: round_acknowledge_variance(round=closed, by=counter),
        lambda: round_close(round=closed, by=counter),
    ):
        with pytest.raises(RoundError, match="is closed; it cannot change"):
            change()
    # A late delivery of that day goes to someone else: Ravi's round is closed, so it waits for a rider.
    late = place_order(user=customer_with_address()).delivery
    assert late.rider is None
    delivery_assign(delivery=late, rider=elsewhere_rider())
    with pytest.raises(DeliveryError, match="Ravi Kumar's round on .* is closed"):
        delivery_assign(delivery=late, rider=ravi)

    assert RiderRound.objects.values().get(pk=closed.pk) == before
    assert RiderRoundCount.objects.filter(round=closed).count() == 1


# Who may do what


def test_riders_customers_and_anonymous_callers_neither_count_nor_acknowledge_nor_close(finished_day, ravi, counter):
    short = count(ravi, finished_day, "60", note="₹4 short", by=counter)
    before = RiderRound.objects.values().get(pk=short.pk)
    others = [ravi, elsewhere_rider(), customer_with_address(), UserFactory(is_staff=True, is_active=False), None]

    for by in others:
        with pytest.raises(RoundNotAllowed, match="Only the shop's staff count the cash riders hand over"):
            count(ravi, finished_day, "64", by=by)
        with pytest.raises(RoundNotAllowed, match="Only the shop's staff acknowledge variances"):
            round_acknowledge_variance(round=short, by=by)
        with pytest.raises(RoundNotAllowed, match="Only the shop's staff close rounds"):
            round_close(round=short, by=by)

    assert RiderRound.objects.values().get(pk=short.pk) == before
    assert short.counts.count() == 1


def test_staff_who_also_ride_do_not_count_acknowledge_or_close_their_own_round(counter):
    riding_staff = rider(name="Kiran Staff", is_staff=True)
    day = cod(DeliveryStatus.DELIVERED).delivery_date
    assert round_for(rider=riding_staff, day=day).collected == Decimal("64.00")

    with pytest.raises(RoundNotAllowed, match="You cannot count your own cash: ask someone else on the staff."):
        count(riding_staff, day, "64", by=riding_staff)
    short = count(riding_staff, day, "60", note="₹4 short", by=counter)
    with pytest.raises(RoundNotAllowed, match="You cannot acknowledge your own variance"):
        round_acknowledge_variance(round=short, by=riding_staff)
    round_acknowledge_variance(round=short, by=counter)
    with pytest.raises(RoundNotAllowed, match="You cannot close your own round"):
        round_close(round=short, by=riding_staff)


# History and the database's own guard


def test_the_history_holds_the_riders_own_last_30_days_newest_first(ravi, counter):
    day = cod(DeliveryStatus.DELIVERED).delivery_date
    count(ravi, day, "60", note="₹4 short", by=counter)
    suresh = elsewhere_rider()
    delivery_assign(delivery=place_order().delivery, rider=suresh)

    history = rider_round_history(rider=ravi, today=day)
    much_later = rider_round_history(rider=ravi, today=day + timedelta(days=30))

    assert [(entry.day, entry.collected, entry.round.variance) for entry in history] == [
        (day, Decimal("64.00"), Decimal("-4.00"))
    ]
    assert [entry.day for entry in rider_round_history(rider=ravi, today=day + timedelta(days=29))] == [day]
    assert much_later == []
    assert [entry.round for entry in rider_round_history(rider=suresh, today=day)] == [None]


def test_the_database_refuses_a_variance_without_a_note_and_a_close_before_a_count(ravi):
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        RiderRound.objects.create(
            rider=ravi, date=now.date(), cash_handed_over=Decimal("1"), variance=Decimal("1"), counted_at=now
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        RiderRound.objects.create(rider=ravi, date=now.date(), closed_at=now)
