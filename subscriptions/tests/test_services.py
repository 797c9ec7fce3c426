import itertools
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from catalog.tests.factories import ProductFactory
from subscriptions.models import TRANSITIONS, Frequency, QuantityChange, SkippedDate, SubscriptionStatus
from subscriptions.schedule import due_on, plan_for
from subscriptions.services import (
    SubscriptionError,
    subscription_change_quantity,
    subscription_end_vacation,
    subscription_set_vacation,
    subscription_skip,
    subscription_transition,
    subscription_unskip,
)
from subscriptions.tests.factories import milk, subscribe

pytestmark = pytest.mark.django_db


def local(day, hour, minute=0, second=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute, second)))


def test_subscribing_to_a_product_not_sold_by_subscription_is_refused():
    with pytest.raises(SubscriptionError, match="not available as a subscription"):
        subscribe(product=ProductFactory(subscribable=False))


def test_weekly_needs_weekdays():
    with pytest.raises(SubscriptionError, match="at least one weekday"):
        subscribe(frequency=Frequency.WEEKLY, weekdays=0)


def test_a_start_date_past_its_cutoff_is_refused():
    with pytest.raises(SubscriptionError, match="The earliest start is"):
        subscribe(start_date=timezone.localdate())


@pytest.mark.parametrize(("start", "to"), list(itertools.product(SubscriptionStatus, SubscriptionStatus)))
def test_status_moves_follow_the_design(start, to):
    subscription = subscribe()
    if start != SubscriptionStatus.ACTIVE:
        subscription_transition(subscription=subscription, to=start)

    if to in TRANSITIONS[start]:
        subscription_transition(subscription=subscription, to=to)
        assert subscription.status == to
        assert subscription.history.last().to_status == to
    else:
        with pytest.raises(SubscriptionError):
            subscription_transition(subscription=subscription, to=to)
        subscription.refresh_from_db()
        assert subscription.status == start


def test_pausing_stops_deliveries_and_resuming_restarts_them():
    subscription = subscribe()
    day = subscription.start_date

    subscription_transition(subscription=subscription, to=SubscriptionStatus.PAUSED)
    assert due_on(plan_for(subscription), day).reason == "paused"
    subscription_transition(subscription=subscription, to=SubscriptionStatus.ACTIVE)
    assert due_on(plan_for(subscription), day).qty == 1


def test_a_change_just_before_the_cutoff_is_accepted_and_just_after_refused():
    subscription = subscribe(start_date=timezone.localdate() + timedelta(days=5))
    day = subscription.start_date + timedelta(days=1)
    evening_before = day - timedelta(days=1)

    subscription_skip(subscription=subscription, day=day, now=local(evening_before, 21, 59, 59))
    assert SkippedDate.objects.filter(subscription=subscription, date=day).exists()

    with pytest.raises(SubscriptionError) as refused:
        subscription_unskip(subscription=subscription, day=day, now=local(evening_before, 22, 0, 0))
    assert str(refused.value) == f"Changes for {day:%a %d %b} closed at 22:00 on {evening_before:%a %d %b}."
    assert SkippedDate.objects.filter(subscription=subscription, date=day).exists()


def test_the_cutoff_is_a_setting(settings):
    settings.DELIVERY_CUTOFF = "20:00"
    subscription = subscribe(start_date=timezone.localdate() + timedelta(days=5))
    day = subscription.start_date

    with pytest.raises(SubscriptionError, match="closed at 20:00"):
        subscription_skip(subscription=subscription, day=day, now=local(day - timedelta(days=1), 20, 30))


def test_changing_a_days_quantity_including_to_zero():
    subscription = subscribe(qty=2)
    day = subscription.start_date

    subscription_change_quantity(subscription=subscription, day=day, qty=0)
    assert due_on(plan_for(subscription), day).qty == 0
    subscription_change_quantity(subscription=subscription, day=day, qty=4)
    assert due_on(plan_for(subscription), day).qty == 4
    subscription_change_quantity(subscription=subscription, day=day, qty=2)
    assert not QuantityChange.objects.exists()


def test_a_day_without_a_delivery_cannot_be_changed():
    subscription = subscribe(frequency=Frequency.ALTERNATE_DAYS)

    with pytest.raises(SubscriptionError, match="no delivery on"):
        subscription_skip(subscription=subscription, day=subscription.start_date + timedelta(days=1))


def test_a_vacation_stops_deliveries_and_can_end_early():
    subscription = subscribe()
    start = subscription.start_date + timedelta(days=2)
    vacation = subscription_set_vacation(subscription=subscription, start=start, end=start + timedelta(days=6))
    plan = plan_for(subscription)
    assert [due_on(plan, start + timedelta(days=n)).qty for n in range(8)] == [0] * 7 + [1]

    subscription_end_vacation(vacation=vacation, last_day=start + timedelta(days=2))

    plan = plan_for(subscription)
    assert [due_on(plan, start + timedelta(days=n)).qty for n in range(8)] == [0, 0, 0, 1, 1, 1, 1, 1]


def test_overlapping_vacations_are_refused():
    subscription = subscribe()
    start = subscription.start_date + timedelta(days=2)
    subscription_set_vacation(subscription=subscription, start=start, end=start + timedelta(days=3))

    with pytest.raises(SubscriptionError, match="overlaps"):
        subscription_set_vacation(
            subscription=subscription, start=start + timedelta(days=3), end=start + timedelta(days=5)
        )


def test_a_vacation_starting_past_the_cutoff_is_refused():
    subscription = subscribe()

    with pytest.raises(SubscriptionError, match="closed at"):
        subscription_set_vacation(
            subscription=subscription, start=timezone.localdate(), end=timezone.localdate() + timedelta(days=3)
        )


def test_an_address_outside_the_service_area_is_refused():
    from accounts.services import address_save
    from accounts.tests.factories import AddressFactory
    from orders.tests.factories import customer_with_address, delivery_zone

    delivery_zone()
    user = customer_with_address()
    address_save(address=AddressFactory.build(user=user, pincode="110001"), make_default=True)

    with pytest.raises(SubscriptionError, match="We don't deliver to 110001 yet."):
        subscribe(user=user, product=milk())
