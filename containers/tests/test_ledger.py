"""Deposits and refunds add up in the wallet ledger after every path an order takes: delivered, failed, cancelled,
returned, with fewer empties than expected. After each, the deposit money the shop kept (deposits of paid orders,
less DEPOSIT_REFUND credits) is one deposit for each container the customer holds, and the wallet holds what the
customer paid in, less what they paid for, plus what came back."""

from decimal import Decimal

import pytest

from catalog.tests.factories import ProductFactory
from containers.models import ContainerMovement, DepositRelease, MovementKind, OrderDeposit, ReleaseKind
from containers.selectors import holdings_for
from containers.tests.factories import DEPOSIT, books, bottled_milk, deliver, glass_bottle, held, take_to_the_door
from delivery.models import DeliveryStatus, FailureReason
from orders.models import OrderStatus
from orders.tests.factories import customer_with_address, fund_wallet, place_order
from orders.workflows import (
    containers_record,
    delivery_transition,
    order_cancel,
    order_pending_payment,
    payment_succeeded,
    refund_record_external,
)
from payments.models import PaymentMethod, PaymentStatus, RefundStatus, WalletEntry, WalletEntryKind
from payments.services import payment_start_checkout

pytestmark = pytest.mark.django_db

FUNDS = Decimal("1000.00")


@pytest.fixture
def bottle():
    return glass_bottle()


@pytest.fixture
def milk(bottle, rider_on_duty):
    return bottled_milk(container=bottle)


@pytest.fixture
def rider_on_duty():
    from containers.tests.factories import with_rider

    return with_rider()


@pytest.fixture
def customer():
    customer = customer_with_address()
    fund_wallet(customer, FUNDS)
    return customer


def order(customer, milk, qty=2, method=PaymentMethod.WALLET, **kwargs):
    return place_order(user=customer, lines=[(milk, qty)], method=method, **kwargs)


def test_the_first_order_charges_a_deposit_for_each_bottle_as_part_of_its_total(customer, milk, bottle):
    placed = order(customer, milk)

    deposit = OrderDeposit.objects.get(order=placed)
    assert (deposit.container_name, deposit.qty, deposit.unit_deposit, deposit.amount) == (
        "Glass bottle 1 L",
        2,
        DEPOSIT,
        Decimal("60.00"),
    )
    assert placed.total_amount == Decimal("280.00")
    assert placed.payments.get().amount == Decimal("280.00")
    assert books(customer, bottle).wallet == FUNDS - Decimal("280.00")
    assert held(customer, bottle) == 0  # nothing is handed over before the door


def test_delivered_then_swapped_every_day_the_deposit_is_paid_once(customer, milk, bottle):
    deliver(order(customer, milk))
    after_first = books(customer, bottle)

    second = order(customer, milk)
    deliver(second)  # the rider collects the expected 2 empties

    assert (after_first.held, after_first.add_up()) == (2, True)
    assert second.total_amount == Decimal("220.00")
    assert not second.deposits.exists()
    final = books(customer, bottle)
    assert (final.held, final.moved, final.deposits_paid, final.deposit_refunds) == (2, 2, Decimal("60.00"), 0)
    assert final.add_up()
    assert final.wallet == FUNDS - Decimal("280.00") - Decimal("220.00")
    kinds = list(
        ContainerMovement.objects.filter(order=second).order_by("pk").values_list("kind", "quantity", "delivery")
    )
    assert kinds == [(MovementKind.ISSUED, 2, second.delivery.pk), (MovementKind.RETURNED, -2, second.delivery.pk)]


def test_empties_returned_beyond_what_the_customer_keeps_come_back_to_the_wallet(customer, milk, bottle):
    deliver(order(customer, milk))
    fewer = order(customer, milk, qty=1)

    deliver(fewer)  # 2 empties back, 1 full bottle kept

    entry = WalletEntry.objects.get(wallet__user=customer, kind=WalletEntryKind.DEPOSIT_REFUND)
    assert entry.amount == DEPOSIT
    assert entry.order == fewer
    assert entry.note == f"Deposit back: 1 × Glass bottle 1 L returned, order {fewer.number}"
    assert entry.deposit_release.qty == 1
    final = books(customer, bottle)
    assert (final.held, final.add_up()) == (1, True)
    assert final.wallet == FUNDS - Decimal("280.00") - Decimal("110.00") + DEPOSIT


def test_fewer_empties_than_expected_are_owed_and_charged_with_the_next_order(customer, milk, bottle):
    deliver(order(customer, milk))
    deliver(order(customer, milk), empties=1)  # one empty stayed in the kitchen

    short = books(customer, bottle)
    [holding] = holdings_for(user=customer)
    assert (short.held, holding.owed, holding.owed_amount) == (3, 1, DEPOSIT)
    assert not short.add_up()  # one bottle has no deposit yet…

    third = order(customer, milk)

    assert third.deposits.get().qty == 1  # …so the next order charges it
    assert third.total_amount == Decimal("250.00")
    assert books(customer, bottle).add_up()
    deliver(third)  # the 3 empties come back, 2 full ones stay
    final = books(customer, bottle)
    assert (final.held, final.deposit_refunds, final.add_up()) == (2, DEPOSIT, True)
    assert holdings_for(user=customer)[0].owed == 0


def test_a_failed_attempt_before_pickup_refunds_the_deposit_with_the_order_and_issues_nothing(customer, milk, bottle):
    placed = order(customer, milk)

    delivery_transition(
        delivery=placed.delivery,
        to=DeliveryStatus.FAILED,
        by=placed.delivery.rider,
        failure_reason=FailureReason.CUSTOMER_UNAVAILABLE,
    )

    placed.refresh_from_db()
    final = books(customer, bottle)
    assert (placed.status, placed.payment_status) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)
    assert (final.held, final.moved, final.deposits_paid, final.order_refunds) == (0, 0, 0, Decimal("280.00"))
    assert final.add_up()
    assert final.wallet == FUNDS


def test_a_delivery_failed_on_the_road_issues_nothing_and_refunds_the_deposit(customer, milk, bottle):
    deliver(order(customer, milk))
    second = order(customer, milk)
    delivery = take_to_the_door(second)

    delivery_transition(
        delivery=delivery, to=DeliveryStatus.FAILED, by=delivery.rider, failure_reason=FailureReason.REFUSED
    )

    final = books(customer, bottle)
    assert not ContainerMovement.objects.filter(order=second).exists()
    assert (final.held, final.add_up()) == (2, True)  # the bottles of the first order are still there
    assert final.wallet == FUNDS - Decimal("280.00")


def test_a_cancelled_wallet_order_gives_the_deposit_back_to_the_wallet(customer, milk, bottle):
    placed = order(customer, milk)

    order_cancel(order=placed, by=customer, reason="Cancelled by the customer")

    final = books(customer, bottle)
    assert (final.held, final.order_refunds, final.wallet) == (0, Decimal("280.00"), FUNDS)
    assert final.add_up()
    # The next order charges the deposit again: the cancelled one's went back.
    assert order(customer, milk).deposits.get().qty == 2


def test_a_cancelled_card_order_refunds_the_deposit_through_the_gateway(
    customer, milk, bottle, django_capture_on_commit_callbacks
):
    placed = order(customer, milk, method=PaymentMethod.CARD)
    payment = order_pending_payment(order=placed, by=customer)
    payment_start_checkout(payment=payment, success_url="/", cancel_url="/")
    payment_succeeded(payment_id=payment.pk, reference="demo_ref")

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=placed, by=customer, reason="Cancelled by the customer")

    refund = payment.refunds.get()
    assert (refund.status, refund.amount) == (RefundStatus.SUCCEEDED, Decimal("280.00"))
    final = books(customer, bottle)
    assert (final.held, final.deposits_paid, final.wallet) == (0, 0, FUNDS)
    assert final.add_up()


def test_cash_on_delivery_collects_the_deposit_at_the_door(customer, milk, bottle):
    placed = order(customer, milk, method=PaymentMethod.CASH)
    assert placed.delivery.cash_due == Decimal("280.00")

    delivery = deliver(placed)

    assert delivery.cash_collected == Decimal("280.00")
    final = books(customer, bottle)
    assert (final.held, final.deposits_paid, final.wallet) == (2, Decimal("60.00"), FUNDS)
    assert final.add_up()


def test_all_empties_handed_back_at_a_later_stop_come_back_as_deposit(customer, milk, bottle):
    deliver(order(customer, milk))
    curd = place_order(user=customer, lines=[(ProductFactory(price=Decimal("35.00")), 1)], method=PaymentMethod.WALLET)

    deliver(curd)  # the customer gives the rider both empties

    final = books(customer, bottle)
    assert (final.held, final.deposit_refunds, final.add_up()) == (0, Decimal("60.00"), True)
    assert final.wallet == FUNDS - Decimal("280.00") - Decimal("35.00") + Decimal("60.00")


def test_an_order_refunded_whole_at_the_provider_gives_no_deposit_back_a_second_time(customer, milk, bottle):
    placed = order(customer, milk, method=PaymentMethod.CARD)
    payment = order_pending_payment(order=placed, by=customer)
    payment_start_checkout(payment=payment, success_url="/", cancel_url="/")
    payment_succeeded(payment_id=payment.pk, reference="demo_ref")
    deliver(placed)
    refund_record_external(payment=payment, amount=Decimal("280.00"), reference="re_dashboard")
    curd = place_order(user=customer, lines=[(ProductFactory(price=Decimal("35.00")), 1)], method=PaymentMethod.WALLET)

    deliver(curd)  # both empties come back; their deposit already went back with the refund

    final = books(customer, bottle)
    assert (final.held, final.deposits_paid, final.deposit_refunds) == (0, Decimal("0.00"), Decimal("0.00"))
    assert final.wallet == FUNDS - Decimal("35.00")
    assert final.add_up()


def test_empties_handed_in_at_the_dairy_come_back_when_staff_record_them(customer, milk, bottle, staff):
    deliver(order(customer, milk))

    movement, releases = containers_record(
        customer=customer, container_type=bottle, kind=MovementKind.RETURNED, qty=2, by=staff, note="At the dairy"
    )

    assert (movement.quantity, movement.by, movement.note) == (-2, staff, "At the dairy")
    assert [(r.kind, r.qty, r.amount) for r in releases] == [(ReleaseKind.REFUNDED, 2, Decimal("60.00"))]
    final = books(customer, bottle)
    assert (final.held, final.add_up()) == (0, True)
    assert final.wallet == FUNDS - Decimal("280.00") + Decimal("60.00")


def test_lost_bottles_keep_their_deposit(customer, milk, bottle, staff):
    deliver(order(customer, milk))

    containers_record(customer=customer, container_type=bottle, kind=MovementKind.LOST, qty=1, by=staff)

    kept = DepositRelease.objects.get(kind=ReleaseKind.KEPT)
    assert (kept.qty, kept.amount, kept.wallet_entry) == (1, DEPOSIT, None)
    final = books(customer, bottle)
    assert final.held == 1
    assert final.deposits_paid - final.deposit_refunds - kept.amount == final.held * DEPOSIT
    assert final.wallet == FUNDS - Decimal("280.00")


def test_a_count_at_the_door_corrects_the_balance_either_way(customer, milk, bottle, staff):
    deliver(order(customer, milk))

    containers_record(customer=customer, container_type=bottle, kind=MovementKind.COUNTED, qty=3, by=staff)
    assert holdings_for(user=customer)[0].owed == 1
    containers_record(customer=customer, container_type=bottle, kind=MovementKind.COUNTED, qty=1, by=staff)

    final = books(customer, bottle)
    assert (final.held, final.moved, final.deposit_refunds, final.add_up()) == (1, 1, DEPOSIT, True)


def test_two_orders_for_the_same_morning_charge_for_every_bottle_arriving(customer, milk, bottle):
    first = order(customer, milk)
    second = order(customer, milk, qty=1)

    assert (first.deposits.get().qty, second.deposits.get().qty) == (2, 1)
    deliver(first)
    deliver(second, empties=0)
    assert books(customer, bottle).add_up()


def test_the_next_days_order_placed_before_todays_delivery_charges_nothing_more(customer, milk, bottle):
    from catalog.tests.factories import slots_apart

    today, later = slots_apart()
    first = order(customer, milk, slot=today)
    second = order(customer, milk, slot=later)

    assert not second.deposits.exists()
    deliver(first)
    assert (books(customer, bottle).held, DepositRelease.objects.count()) == (2, 0)  # kept for tomorrow's swap
    deliver(second)
    assert books(customer, bottle).add_up()


def test_the_revenue_report_leaves_the_deposits_out(customer, milk):
    from django.utils import timezone

    from analytics.selectors import orders_per_day

    order(customer, milk)  # ₹220 of milk and ₹60 of deposit
    today = timezone.localdate()

    assert orders_per_day(today, today).rows[0]["revenue"] == Decimal("220.00")
