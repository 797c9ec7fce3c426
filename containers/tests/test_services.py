from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from containers.models import ContainerBalance, ContainerMovement, ContainerType, MovementKind, OrderDeposit
from containers.selectors import deposit_preview
from containers.services import ContainerError, deposit_units_due
from containers.tests.factories import (
    DEPOSIT,
    books,
    bottled_milk,
    deliver,
    glass_bottle,
    held,
    take_to_the_door,
    with_rider,
)
from delivery.models import DeliveryStatus
from delivery.services import DeliveryError
from orders.models import Order
from orders.tests.factories import customer_with_address, fund_wallet, place_order
from orders.workflows import NotAllowed, containers_record, delivery_transition
from payments.models import PaymentMethod
from subscriptions.generation import generate_subscription_orders
from subscriptions.services import first_changeable_date
from subscriptions.tests.factories import subscribe

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("held_now", "covered", "arriving", "due"),
    [
        (0, 0, 2, 2),  # a first order: a deposit for each bottle
        (2, 2, 2, 0),  # two empties swapped for two full bottles: nothing more
        (2, 2, 3, 1),  # one bottle more than before
        (2, 2, 1, 0),  # one fewer: nothing to charge (the spare deposit goes back at the door)
        (3, 2, 2, 1),  # one kept last time without a deposit: charged now
        (0, 2, 2, 0),  # deposits already paid with an order still on its way
    ],
)
def test_the_deposit_rule(held_now, covered, arriving, due):
    assert deposit_units_due(held=held_now, covered=covered, arriving=arriving) == due


@pytest.fixture
def customer():
    with_rider()
    customer = customer_with_address()
    fund_wallet(customer, Decimal("1000.00"))
    return customer


def test_a_container_without_deposit_is_counted_but_charges_nothing(customer):
    crate = ContainerType.objects.create(name="Crate", deposit=Decimal("0.00"))
    order = place_order(user=customer, lines=[(bottled_milk(container=crate), 3)], method=PaymentMethod.WALLET)

    deliver(order)

    assert order.total_amount == Decimal("330.00")
    assert not OrderDeposit.objects.exists()
    assert held(customer, crate) == 3


def test_the_checkout_preview_is_what_the_order_charges(customer):
    milk = bottled_milk()
    deliver(place_order(user=customer, lines=[(milk, 2)], method=PaymentMethod.WALLET))
    lines = [(milk, 3)]

    preview = deposit_preview(user=customer, lines=lines)
    order = place_order(user=customer, lines=lines, method=PaymentMethod.WALLET)

    assert [(charge.container_type.name, charge.qty, charge.amount) for charge in preview.charges] == [
        ("Glass bottle 1 L", 1, DEPOSIT)
    ]
    assert preview.grand_total == order.total_amount == Decimal("360.00")


def test_a_visitors_cart_shows_a_deposit_for_every_bottle():
    from django.contrib.auth.models import AnonymousUser

    preview = deposit_preview(user=AnonymousUser(), lines=[(bottled_milk(), 2)])

    assert (preview.total, preview.grand_total) == (Decimal("60.00"), Decimal("280.00"))


@pytest.mark.parametrize(
    ("empties", "message"),
    [
        (-1, "cannot be below zero"),
        (5, "had 2 empties and was given 2 full: at most 4 can be collected, not 5"),
    ],
)
def test_impossible_empties_are_refused_and_nothing_is_applied(customer, empties, message):
    milk = bottled_milk()
    deliver(place_order(user=customer, lines=[(milk, 2)], method=PaymentMethod.WALLET))
    order = place_order(user=customer, lines=[(milk, 2)], method=PaymentMethod.WALLET)
    delivery = take_to_the_door(order)
    before = books(customer, glass_bottle())

    with pytest.raises(DeliveryError, match=message):
        delivery_transition(
            delivery=delivery, to=DeliveryStatus.DELIVERED, by=delivery.rider, empties_collected=empties
        )

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.IN_TRANSIT
    assert Order.objects.get(pk=order.pk).status != "DELIVERED"
    assert books(customer, glass_bottle()) == before


def test_a_customer_who_pours_the_milk_out_can_hand_the_new_bottles_back_at_once(customer):
    order = place_order(user=customer, lines=[(bottled_milk(), 2)], method=PaymentMethod.WALLET)

    deliver(order, empties=2)

    final = books(customer, glass_bottle())
    assert (final.held, final.deposit_refunds, final.add_up()) == (0, Decimal("60.00"), True)


def test_empties_at_a_stop_with_nothing_to_collect_are_refused(customer):
    from catalog.tests.factories import ProductFactory

    order = place_order(user=customer, lines=[(ProductFactory(), 1)], method=PaymentMethod.WALLET)
    delivery = take_to_the_door(order)

    with pytest.raises(DeliveryError, match="had 0 empties and was given none: at most 0 can be collected, not 1"):
        delivery_transition(delivery=delivery, to=DeliveryStatus.DELIVERED, by=delivery.rider, empties_collected=1)


@pytest.mark.parametrize(
    ("kind", "qty", "message"),
    [
        (MovementKind.RETURNED, 3, "must be between 1 and 2"),
        (MovementKind.LOST, 0, "must be between 1 and 2"),
        (MovementKind.COUNTED, 2, "already: nothing to record"),
        (MovementKind.ISSUED, 1, "Record containers returned, counted, or lost or broken"),
    ],
)
def test_staff_cannot_record_more_than_the_customer_holds(customer, staff, kind, qty, message):
    deliver(place_order(user=customer, lines=[(bottled_milk(), 2)], method=PaymentMethod.WALLET))

    with pytest.raises(ContainerError, match=message):
        containers_record(customer=customer, container_type=glass_bottle(), kind=kind, qty=qty, by=staff)

    assert held(customer, glass_bottle()) == 2
    assert ContainerMovement.objects.count() == 1


def test_only_the_shop_records_containers(customer):
    with pytest.raises(NotAllowed):
        containers_record(
            customer=customer, container_type=glass_bottle(), kind=MovementKind.RETURNED, qty=1, by=customer
        )


def test_the_database_refuses_a_negative_balance(customer):
    balance = ContainerBalance.objects.create(user=customer, container_type=glass_bottle())

    with pytest.raises(IntegrityError), transaction.atomic():
        ContainerBalance.objects.filter(pk=balance.pk).update(held=-1)


# The nightly subscription run


def test_subscription_orders_charge_the_deposit_on_the_first_order_only(customer):
    subscription = subscribe(user=customer, product=bottled_milk(), qty=2)
    first_day = subscription.start_date

    generate_subscription_orders(day=first_day)
    generate_subscription_orders(day=first_day + timedelta(days=1))

    first, second = Order.objects.order_by("delivery_date")
    assert (first.total_amount, first.deposits.get().qty) == (Decimal("280.00"), 2)
    assert (second.total_amount, second.deposits.exists()) == (Decimal("220.00"), False)
    deliver(first)
    deliver(second)
    final = books(customer, glass_bottle())
    assert (final.held, final.add_up()) == (2, True)
    assert final.wallet == Decimal("1000.00") - Decimal("280.00") - Decimal("220.00")


def test_two_bottled_subscriptions_of_one_customer_each_charge_their_bottles(customer):
    subscribe(user=customer, product=bottled_milk(), qty=1)
    day = subscribe(user=customer, product=bottled_milk(name="Buffalo Milk"), qty=2).start_date

    generate_subscription_orders(day=day)

    assert sorted(OrderDeposit.objects.values_list("qty", flat=True)) == [1, 2]


def test_a_wallet_that_covers_the_milk_but_not_the_deposit_misses_with_low_balance():
    with_rider()
    customer = customer_with_address()
    fund_wallet(customer, Decimal("230.00"))
    subscription = subscribe(user=customer, product=bottled_milk(), qty=2)

    report = generate_subscription_orders(day=subscription.start_date)

    assert (report.created, dict(report.missed)) == (0, {"LOW_BALANCE": 1})


def _run_queries(product, count: int, day) -> int:
    """The queries of a run for day, with count more bottled subscriptions (daily, from day) than before."""
    for _ in range(count):
        buyer = customer_with_address()
        fund_wallet(buyer, Decimal("5000.00"))  # no low-balance warnings: they cost queries per customer
        subscribe(user=buyer, product=product, qty=2, start_date=day)
    with CaptureQueriesContext(connection) as queries:
        report = generate_subscription_orders(day=day)
    assert report.created == Order.objects.filter(delivery_date=day).count() > count - 1
    return len(queries)


def test_the_runs_queries_do_not_grow_with_bottled_subscriptions():
    with_rider()
    product = bottled_milk(stock=1000)
    day = first_changeable_date("MORNING")

    few = _run_queries(product, 2, day)
    many = _run_queries(product, 8, day + timedelta(days=1))  # ten orders: the first two customers' too

    assert many == few


def test_the_demo_catalogues_glass_bottled_milk_comes_with_a_deposit(settings, tmp_path):
    from catalog.demo import demo_catalog_ensure
    from catalog.models import Product

    settings.MEDIA_ROOT = tmp_path

    demo_catalog_ensure()
    demo_catalog_ensure()

    bottled = Product.objects.get(name="A2 Gir Cow Milk", unit="1 L")
    assert (bottled.container.name, bottled.container.deposit) == ("Glass bottle 1 L", Decimal("30.00"))
    assert ContainerType.objects.count() == 1
