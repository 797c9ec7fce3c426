from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from analytics.models import AnalyticsEvent, EventType
from catalog.models import DailySupply, Product, StockMovement
from catalog.stock import supply_set
from delivery.models import SlotBooking
from delivery.slots import DeliverySlot
from milkshop.tests.threads import run_at_once
from orders.models import Order, OrderStatus
from orders.tests.factories import customer_with_address, fund_wallet, place_order
from payments.models import PaymentMethod, PaymentStatus, WalletEntry
from payments.selectors import wallet_balance
from subscriptions.generation import generate_subscription_orders
from subscriptions.models import Frequency, MissedDelivery, SubscriptionStatus
from subscriptions.services import subscription_skip, subscription_transition
from subscriptions.tests.factories import milk, subscribe

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded():
    customer = customer_with_address()
    fund_wallet(customer, Decimal("1000.00"))
    return customer


def fresh_milk(**fields):
    return milk(perishable=True, **fields)


def supply_on(product, day) -> DailySupply:
    return DailySupply.objects.get(product=product, date=day)


def moved_on(product, day) -> int:
    return StockMovement.objects.filter(product=product, date=day).aggregate(total=Sum("quantity"))["total"]


def test_each_due_subscription_becomes_one_confirmed_paid_order(funded, django_capture_on_commit_callbacks):
    product = fresh_milk(daily_supply=50)
    subscription = subscribe(user=funded, product=product, qty=2)
    day = subscription.start_date

    with django_capture_on_commit_callbacks(execute=True):
        report = generate_subscription_orders(day=day)

    order = Order.objects.get()
    assert report.created == 1
    assert (order.subscription, order.delivery_date, order.delivery_slot) == (subscription, day, "MORNING")
    assert (order.status, order.payment_status, order.total_amount) == (
        OrderStatus.CONFIRMED,
        PaymentStatus.SUCCESS,
        Decimal("64.00"),
    )
    assert order.lines.get().qty == 2
    assert order.payments.get().status == PaymentStatus.SUCCESS
    assert wallet_balance(user=funded) == Decimal("936.00")
    supply = supply_on(product, day)
    assert (supply.subscribed, supply.ordered, supply.left) == (2, 0, 48)
    assert moved_on(product, day) == 48
    assert AnalyticsEvent.objects.filter(event_type=EventType.ORDER_CONFIRMED, order=order).count() == 1


def test_running_twice_creates_nothing_more(funded):
    subscription = subscribe(user=funded)
    day = subscription.start_date

    generate_subscription_orders(day=day)
    second = generate_subscription_orders(day=day)

    assert (second.created, second.already) == (0, 1)
    assert Order.objects.count() == 1
    assert wallet_balance(user=funded) == Decimal("968.00")


@pytest.mark.django_db(transaction=True)
def test_two_generators_at_once_make_exactly_one_order_per_subscription():
    product = fresh_milk(daily_supply=1000)
    customers = [customer_with_address() for _ in range(12)]
    for customer in customers:
        fund_wallet(customer, Decimal("500.00"))
    subscriptions = [subscribe(user=customer, product=product) for customer in customers]
    day = subscriptions[0].start_date

    outcomes = run_at_once([lambda: generate_subscription_orders(day=day, chunk_size=5)] * 2)

    assert [o.error for o in outcomes] == [None, None]
    assert sum(o.value.created for o in outcomes) == 12
    assert Order.objects.filter(delivery_date=day).count() == 12
    assert supply_on(product, day).subscribed == 12
    assert moved_on(product, day) == 1000 - 12
    assert WalletEntry.objects.filter(kind="ORDER_DEBIT").aggregate(total=Sum("amount"))["total"] == Decimal("-384.00")


def test_a_dates_supply_running_out_misses_with_out_of_stock_and_the_run_continues(
    funded, django_capture_on_commit_callbacks
):
    scarce = fresh_milk(name="A2 Milk", daily_supply=5)
    ghee = milk(name="Desi Ghee", stock=100)
    first = subscribe(user=funded, product=scarce, qty=2)
    second = subscribe(user=customer_with_address(), product=scarce, qty=2, payment_method=PaymentMethod.CASH)
    third = subscribe(user=funded, product=ghee, qty=1)
    day = first.start_date
    place_order(lines=[(scarce, 2)], slot=DeliverySlot(date=day, name="MORNING"))

    with django_capture_on_commit_callbacks(execute=True):
        report = generate_subscription_orders(day=day)

    assert report.created == 2
    assert dict(report.missed) == {MissedDelivery.Reason.OUT_OF_STOCK: 1}
    assert set(Order.objects.filter(subscription__isnull=False).values_list("subscription", flat=True)) == {
        first.pk,
        third.pk,
    }
    assert MissedDelivery.objects.get().subscription == second
    supply = supply_on(scarce, day)
    assert (supply.ordered, supply.subscribed, supply.left) == (2, 2, 1)
    assert Product.objects.get(pk=ghee.pk).stock == 99
    skipped = AnalyticsEvent.objects.get(event_type=EventType.SUBSCRIPTION_ORDER_SKIPPED)
    assert skipped.user == second.user
    assert skipped.details["reason"] == "OUT_OF_STOCK"


def test_the_run_draws_on_the_supply_staff_set_for_that_date(funded):
    product = fresh_milk(daily_supply=10)
    first = subscribe(user=funded, product=product, qty=2)
    second = subscribe(user=funded, product=product, qty=2)
    short, next_day = first.start_date, first.start_date + timedelta(days=1)
    supply_set(product=product, day=short, supply=3)
    supply_set(product=product, day=next_day, supply=4)

    generate_subscription_orders(day=short)
    generate_subscription_orders(day=next_day)

    missed = MissedDelivery.objects.get()
    assert (missed.subscription, missed.date, missed.reason) == (second, short, MissedDelivery.Reason.OUT_OF_STOCK)
    assert (supply_on(product, short).subscribed, supply_on(product, short).left) == (2, 1)
    assert (supply_on(product, next_day).subscribed, supply_on(product, next_day).left) == (4, 0)


def test_a_full_slot_misses_with_slot_full_and_other_slots_still_deliver(funded, settings):
    settings.DELIVERY_SLOT_CAPACITY = 2
    product = fresh_milk(daily_supply=20)
    first = subscribe(user=funded, product=product)
    day = first.start_date
    place_order(slot=DeliverySlot(date=day, name="MORNING"))
    second = subscribe(user=funded, product=product)
    evening = subscribe(user=funded, product=product, slot="EVENING", start_date=day)

    report = generate_subscription_orders(day=day)

    assert report.created == 2
    assert dict(report.missed) == {MissedDelivery.Reason.SLOT_FULL: 1}
    assert MissedDelivery.objects.get().subscription == second
    assert set(Order.objects.filter(subscription__isnull=False).values_list("subscription", flat=True)) == {
        first.pk,
        evening.pk,
    }
    booked = dict(SlotBooking.objects.filter(date=day).values_list("slot", "booked"))
    assert booked == {"MORNING": 2, "EVENING": 1}
    assert supply_on(product, day).subscribed == 2
    assert wallet_balance(user=funded) == Decimal("1000.00") - 2 * Decimal("32.00")


def test_a_slot_with_room_again_gets_the_missed_delivery_on_the_next_run(funded, settings):
    settings.DELIVERY_SLOT_CAPACITY = 1
    subscription = subscribe(user=funded, product=fresh_milk())
    place_order(slot=DeliverySlot(date=subscription.start_date, name="MORNING"))
    generate_subscription_orders(day=subscription.start_date)
    assert MissedDelivery.objects.get().reason == MissedDelivery.Reason.SLOT_FULL

    settings.DELIVERY_SLOT_CAPACITY = 2
    generate_subscription_orders(day=subscription.start_date)

    assert Order.objects.filter(subscription=subscription).count() == 1
    assert not MissedDelivery.objects.exists()


def test_low_balance_skips_without_touching_stock_or_money(django_capture_on_commit_callbacks):
    poor = customer_with_address()
    fund_wallet(poor, Decimal("20.00"))
    product = fresh_milk(daily_supply=10)
    subscription = subscribe(user=poor, product=product)

    with django_capture_on_commit_callbacks(execute=True):
        generate_subscription_orders(day=subscription.start_date)
        generate_subscription_orders(day=subscription.start_date)

    assert not Order.objects.exists()
    assert wallet_balance(user=poor) == Decimal("20.00")
    assert supply_on(product, subscription.start_date).left == 10
    assert MissedDelivery.objects.get().reason == MissedDelivery.Reason.LOW_BALANCE
    assert AnalyticsEvent.objects.filter(event_type=EventType.SUBSCRIPTION_ORDER_SKIPPED).count() == 1


def test_a_topped_up_wallet_gets_the_delivery_on_the_next_run(django_capture_on_commit_callbacks):
    customer = customer_with_address()
    subscription = subscribe(user=customer)
    generate_subscription_orders(day=subscription.start_date)
    fund_wallet(customer, Decimal("100.00"))

    generate_subscription_orders(day=subscription.start_date)

    assert Order.objects.count() == 1
    assert not MissedDelivery.objects.exists()


def test_skips_pauses_and_weekdays_are_respected(funded):
    daily = subscribe(user=funded)
    day = daily.start_date
    skipped = subscribe(user=funded)
    subscription_skip(subscription=skipped, day=day)
    paused = subscribe(user=funded)
    subscription_transition(subscription=paused, to=SubscriptionStatus.PAUSED)
    other_weekday = subscribe(user=funded, frequency=Frequency.WEEKLY, weekdays=1 << ((day.weekday() + 1) % 7))
    ended = subscribe(user=funded, start_date=day - timedelta(days=0), end_date=day)

    generate_subscription_orders(day=day)
    generate_subscription_orders(day=day + timedelta(days=1))

    ordered = set(Order.objects.values_list("subscription", "delivery_date"))
    assert ordered == {
        (daily.pk, day),
        (ended.pk, day),
        (daily.pk, day + timedelta(days=1)),
        (skipped.pk, day + timedelta(days=1)),
        (other_weekday.pk, day + timedelta(days=1)),
    }


def test_cash_subscriptions_order_without_a_wallet():
    subscription = subscribe(payment_method=PaymentMethod.CASH)

    generate_subscription_orders(day=subscription.start_date)

    order = Order.objects.get()
    assert (order.status, order.payment_status, order.payment_method) == (
        OrderStatus.CONFIRMED,
        PaymentStatus.PENDING,
        "CASH",
    )


def test_money_and_each_days_supply_add_up_over_a_week(funded):
    product = fresh_milk(daily_supply=40, price=Decimal("30.00"))
    subscription = subscribe(user=funded, product=product, qty=2)
    days = [subscription.start_date + timedelta(days=n) for n in range(7)]
    for day in days:
        generate_subscription_orders(day=day)

    orders = Order.objects.filter(subscription=subscription)
    spent = orders.aggregate(total=Sum("total_amount"))["total"]
    assert orders.count() == 7
    assert spent == Decimal("420.00")
    assert wallet_balance(user=funded) == Decimal("1000.00") - spent
    for day in days:
        assert (supply_on(product, day).subscribed, supply_on(product, day).left, moved_on(product, day)) == (2, 38, 38)


def test_packaged_goods_draw_on_running_stock_over_a_week(funded):
    ghee = milk(name="Desi Ghee", stock=40)
    subscription = subscribe(user=funded, product=ghee, qty=2)
    for n in range(7):
        generate_subscription_orders(day=subscription.start_date + timedelta(days=n))

    assert Product.objects.get(pk=ghee.pk).stock == 40 - 14
    assert sum(ghee.movements.values_list("quantity", flat=True)) == 40 - 14
    assert not DailySupply.objects.exists()


def test_the_low_balance_warning_comes_at_most_once_a_day(django_capture_on_commit_callbacks):
    customer = customer_with_address()
    fund_wallet(customer, Decimal("70.00"))
    subscription = subscribe(user=customer)

    generate_subscription_orders(day=subscription.start_date)
    generate_subscription_orders(day=subscription.start_date)

    assert AnalyticsEvent.objects.filter(event_type=EventType.WALLET_LOW_BALANCE, user=customer).count() == 1


def test_the_command_and_the_nightly_schedule(funded, capsys):
    from django_q.models import Schedule

    subscription = subscribe(user=funded)

    call_command("generate_subscription_orders", "--date", subscription.start_date.isoformat())

    assert "1 orders created" in capsys.readouterr().out
    assert Schedule.objects.get(func="subscriptions.tasks.generate_closed_dates").schedule_type == Schedule.DAILY
