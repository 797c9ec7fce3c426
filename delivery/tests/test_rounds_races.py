"""Counting and closing a round while others act on it, in real threads on their own connections.

On PostgreSQL the round's row lock (and the day's delivery rows, for a close) decides who goes first; on SQLite
IMMEDIATE transactions queue the writers. Either way every call finishes and the books stay whole."""

from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from delivery.models import DeliveryStatus, DeliveryZone, RiderRound
from delivery.rounds import RoundError, round_close, round_record_handover
from delivery.services import DeliveryError, delivery_assign
from delivery.tests.factories import PATH, delivery_in, rider
from milkshop.tests.threads import run_at_once
from orders.tests.factories import place_order
from orders.workflows import delivery_transition
from payments.models import PaymentMethod

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("zone_without_delivery_codes")]


def test_two_first_counts_at_once_make_one_round_with_both_counts_kept():
    ravi = rider(name="Ravi Kumar")
    meena, arun = UserFactory(is_staff=True), UserFactory(is_staff=True)
    day = delivery_in(DeliveryStatus.DELIVERED, method=PaymentMethod.CASH).delivery_date

    outcomes = run_at_once(
        [
            lambda: round_record_handover(rider=ravi, day=day, amount=Decimal("64"), by=meena),
            lambda: round_record_handover(rider=ravi, day=day, amount=Decimal("60"), note="₹4 short", by=arun),
        ]
    )

    assert [outcome.error for outcome in outcomes] == [None, None]
    found = RiderRound.objects.get(rider=ravi, date=day)
    counts = list(found.counts.values_list("cash_handed_over", "counted_by"))
    assert sorted(counts) == [(Decimal("60.00"), arun.pk), (Decimal("64.00"), meena.pk)]
    assert (found.cash_handed_over, found.counted_by_id) == counts[-1]  # the round holds the later count


def ridden_by(courier, to: str):
    """A ₹64 cash-on-delivery order given to courier and moved by them to status to."""
    delivery = place_order().delivery
    delivery_assign(delivery=delivery, rider=courier)
    for step in PATH[to]:
        cash = Decimal("64.00") if step == DeliveryStatus.DELIVERED else None
        delivery = delivery_transition(delivery=delivery, to=step, by=courier, cash_collected=cash)
    return delivery


@pytest.mark.parametrize("attempt", range(3))
def test_a_close_meeting_the_last_delivery_never_closes_on_cash_nobody_counted(attempt):
    ravi = rider(name=f"Ravi {attempt}")
    meena = UserFactory(is_staff=True)
    first = ridden_by(ravi, DeliveryStatus.DELIVERED)
    last = ridden_by(ravi, DeliveryStatus.IN_TRANSIT)
    counted = round_record_handover(rider=ravi, day=first.delivery_date, amount=Decimal("64"), by=meena)

    closing, delivering = run_at_once(
        [
            lambda: round_close(round=counted, by=meena),
            lambda: delivery_transition(
                delivery=last, to=DeliveryStatus.DELIVERED, by=ravi, cash_collected=Decimal("64.00")
            ),
        ]
    )

    assert delivering.error is None
    assert isinstance(closing.error, RoundError)  # still on the road, or collected since the count
    counted.refresh_from_db()
    last.refresh_from_db()
    assert (counted.is_closed, last.status) == (False, DeliveryStatus.DELIVERED)


@pytest.mark.parametrize("attempt", range(3))
def test_a_delivery_given_to_a_rider_whose_round_is_closing_either_stops_the_close_or_is_refused(attempt):
    ravi = rider(name=f"Ravi {attempt}")
    suresh = rider(zone=DeliveryZone.objects.create(name="Elsewhere", pincodes="560099"), name="Suresh Gowda")
    meena = UserFactory(is_staff=True)
    day = ridden_by(ravi, DeliveryStatus.DELIVERED).delivery_date
    counted = round_record_handover(rider=ravi, day=day, amount=Decimal("64"), by=meena)
    late = ridden_by(suresh, DeliveryStatus.ASSIGNED)

    closing, giving = run_at_once(
        [lambda: round_close(round=counted, by=meena), lambda: delivery_assign(delivery=late, rider=ravi)]
    )

    counted.refresh_from_db()
    late.refresh_from_db()
    if counted.is_closed:
        assert (closing.error, isinstance(giving.error, DeliveryError), late.rider) == (None, True, suresh)
    else:
        assert (isinstance(closing.error, RoundError), giving.error, late.rider) == (True, None, ravi)
