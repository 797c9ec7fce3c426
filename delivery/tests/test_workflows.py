"""Deliveries moved through orders.workflows: the flow of the design, who may make each move, and what it does to
the order and its payment. What endings do to stock, slot and money, through every door, is in test_outcomes."""

import itertools
from decimal import Decimal

import pytest
from django.db import transaction

from analytics.models import AnalyticsEvent, EventType
from delivery.models import Delivery, DeliveryStatus, FailureReason
from delivery.services import delivery_assign
from delivery.slots import upcoming_slots
from delivery.tests.doors import mover
from delivery.tests.factories import books, delivery_in, rider
from orders.models import Order, OrderStatus
from orders.tests.factories import place_order
from orders.workflows import (
    DeliveryError,
    NotAllowed,
    deliveries_pick_up,
    delivery_transition,
    order_cancel,
    order_pack,
    payment_succeeded,
)
from payments.models import PaymentMethod, PaymentStatus, RefundStatus
from payments.selectors import wallet_balance

pytestmark = pytest.mark.django_db

S = DeliveryStatus
# DESIGN §4: ASSIGNED → PICKED_UP → IN_TRANSIT → DELIVERED; ASSIGNED, PICKED_UP or IN_TRANSIT → FAILED or CANCELLED.
ROAD = [(S.ASSIGNED, S.PICKED_UP), (S.PICKED_UP, S.IN_TRANSIT), (S.IN_TRANSIT, S.DELIVERED)]
ENDINGS = [(start, end) for start in (S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT) for end in (S.FAILED, S.CANCELLED)]
DESIGNED = ROAD + ENDINGS
UNDESIGNED = [move for move in itertools.product(S, S) if move not in DESIGNED]


def _extras(delivery: Delivery, to: str) -> dict:
    if to == DeliveryStatus.FAILED:
        return {"failure_reason": FailureReason.ADDRESS_NOT_FOUND}
    if to == DeliveryStatus.DELIVERED:
        return {"cash_collected": delivery.cash_due or None, "proof_code": delivery.proof_code}
    if to == DeliveryStatus.CANCELLED:
        return {"note": "Customer phoned the dairy"}
    return {}


# The flow


@pytest.mark.parametrize("method", [PaymentMethod.WALLET, PaymentMethod.CASH])
@pytest.mark.parametrize(("start", "to"), DESIGNED)
def test_each_move_of_the_design_works_leaves_history_and_announces_after_commit(
    start, to, method, staff, django_capture_on_commit_callbacks
):
    delivery = delivery_in(start, method=method)
    history = delivery.history.count()

    with django_capture_on_commit_callbacks() as callbacks:
        delivery_transition(delivery=delivery, to=to, by=mover(delivery, to, staff), **_extras(delivery, to))
    assert not AnalyticsEvent.objects.filter(event_type=EventType.DELIVERY_UPDATED).exists()
    for callback in callbacks:
        callback()

    delivery.refresh_from_db()
    assert delivery.status == to
    last = delivery.history.last()
    assert (last.from_status, last.to_status) == (start, to)
    assert delivery.history.count() == history + 1
    event = AnalyticsEvent.objects.get(event_type=EventType.DELIVERY_UPDATED)
    assert event.order_id == delivery.order_id
    assert event.details == {"delivery_id": delivery.pk, "from_status": start, "to_status": to}


@pytest.mark.parametrize(("start", "to"), UNDESIGNED)
def test_every_other_move_is_refused_even_to_staff_and_changes_nothing(start, to, staff):
    delivery = delivery_in(start)
    before = books(delivery)

    with pytest.raises(DeliveryError, match="cannot be marked"):
        delivery_transition(delivery=delivery, to=to, by=staff, **_extras(delivery, to))

    assert books(delivery) == before


def test_an_unknown_status_is_refused():
    with pytest.raises(DeliveryError, match="no delivery status"):
        delivery_transition(delivery=delivery_in(DeliveryStatus.ASSIGNED), to="LOST")


def test_nobody_picks_up_an_unassigned_delivery():
    delivery = place_order().delivery

    with pytest.raises(DeliveryError, match="Assign a rider"):
        delivery_transition(delivery=delivery, to=DeliveryStatus.PICKED_UP)
    assert Order.objects.get(pk=delivery.order_id).status == OrderStatus.CONFIRMED


def test_a_failure_refused_for_want_of_a_note_leaves_order_stock_slot_and_money_as_they_were():
    delivery = delivery_in(DeliveryStatus.ASSIGNED)
    before = books(delivery)

    with pytest.raises(DeliveryError, match="Say what went wrong"):
        delivery_transition(delivery=delivery, to=DeliveryStatus.FAILED, by=delivery.rider, failure_reason="OTHER")

    assert books(delivery) == before


def test_a_rolled_back_move_announces_nothing(django_capture_on_commit_callbacks):
    delivery = delivery_in(DeliveryStatus.ASSIGNED)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        delivery_transition(delivery=delivery, to=DeliveryStatus.PICKED_UP, by=delivery.rider)
        raise RuntimeError("the request failed after the move")

    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.ASSIGNED
    assert not AnalyticsEvent.objects.filter(event_type=EventType.DELIVERY_UPDATED).exists()


# Who may move


RIDER_TAPS = [
    (S.ASSIGNED, S.PICKED_UP, {}),
    (S.PICKED_UP, S.IN_TRANSIT, {}),
    (S.IN_TRANSIT, S.DELIVERED, {"cash_collected": Decimal("64.00")}),
    (S.IN_TRANSIT, S.FAILED, {"failure_reason": FailureReason.REFUSED}),
]


@pytest.mark.parametrize(("start", "to", "extras"), RIDER_TAPS, ids=[tap[1] for tap in RIDER_TAPS])
def test_a_rider_moves_only_their_own_delivery(start, to, extras):
    owner = rider()
    delivery = delivery_in(start, method=PaymentMethod.CASH)
    assert delivery.rider == owner
    before = books(delivery)

    with pytest.raises(NotAllowed, match="is not yours"):
        delivery_transition(delivery=delivery, to=to, by=rider(), **extras)

    assert books(delivery) == before


def test_a_rider_cannot_move_a_delivery_given_to_someone_else():
    delivery = delivery_in(DeliveryStatus.ASSIGNED)
    first = delivery.rider
    delivery_assign(delivery=delivery, rider=rider())
    before = books(delivery)

    with pytest.raises(NotAllowed, match="is not yours"):
        delivery_transition(delivery=delivery, to=DeliveryStatus.PICKED_UP, by=first)

    assert books(delivery) == before


def test_a_customer_cannot_move_their_own_delivery():
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT)
    before = books(delivery)

    with pytest.raises(NotAllowed):
        delivery_transition(delivery=delivery, to=DeliveryStatus.DELIVERED, by=delivery.user)

    assert books(delivery) == before


@pytest.mark.parametrize(
    ("start", "to"), [(S.ASSIGNED, S.IN_TRANSIT), (S.ASSIGNED, S.DELIVERED), (S.PICKED_UP, S.DELIVERED)]
)
def test_a_rider_moves_only_along_the_road(start, to):
    delivery = delivery_in(start)
    before = books(delivery)

    with pytest.raises(DeliveryError, match="cannot be marked"):
        delivery_transition(delivery=delivery, to=to, by=delivery.rider)

    assert books(delivery) == before


@pytest.mark.parametrize("start", [S.ASSIGNED, S.PICKED_UP, S.IN_TRANSIT])
def test_a_rider_cannot_cancel_their_delivery(start):
    delivery = delivery_in(start)
    before = books(delivery)

    with pytest.raises(NotAllowed, match="Only the shop can cancel"):
        delivery_transition(delivery=delivery, to=DeliveryStatus.CANCELLED, by=delivery.rider, note="Gate locked")

    assert books(delivery) == before


def test_staff_cancelling_a_delivery_say_why(staff):
    delivery = delivery_in(DeliveryStatus.ASSIGNED)
    before = books(delivery)

    with pytest.raises(DeliveryError, match="Say why"):
        delivery_transition(delivery=delivery, to=DeliveryStatus.CANCELLED, by=staff, note="  ")

    assert books(delivery) == before


# The order and its payment


def _order_moves(order_id) -> list[tuple[str, str]]:
    return [(entry.from_status, entry.to_status) for entry in Order.objects.get(pk=order_id).history.all()]


def test_picking_up_a_confirmed_order_packs_it_then_sends_it_out():
    delivery = delivery_in(DeliveryStatus.ASSIGNED)

    delivery_transition(delivery=delivery, to=DeliveryStatus.PICKED_UP, by=delivery.rider)

    assert Order.objects.get(pk=delivery.order_id).status == OrderStatus.OUT_FOR_DELIVERY
    assert _order_moves(delivery.order_id)[-2:] == [
        (OrderStatus.CONFIRMED, OrderStatus.PACKED),
        (OrderStatus.PACKED, OrderStatus.OUT_FOR_DELIVERY),
    ]


def test_picking_up_an_order_the_dairy_packed_sends_it_out(staff):
    delivery = delivery_in(DeliveryStatus.ASSIGNED)
    order_pack(order=delivery.order, by=staff)

    delivery_transition(delivery=delivery, to=DeliveryStatus.PICKED_UP, by=delivery.rider)

    assert _order_moves(delivery.order_id)[-2:] == [
        (OrderStatus.CONFIRMED, OrderStatus.PACKED),
        (OrderStatus.PACKED, OrderStatus.OUT_FOR_DELIVERY),
    ]


def test_on_the_way_leaves_the_order_out_for_delivery():
    delivery = delivery_in(DeliveryStatus.PICKED_UP)

    delivery_transition(delivery=delivery, to=DeliveryStatus.IN_TRANSIT, by=delivery.rider)

    assert Order.objects.get(pk=delivery.order_id).status == OrderStatus.OUT_FOR_DELIVERY


def test_delivering_a_prepaid_order_delivers_it_and_takes_no_cash():
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT)

    with pytest.raises(DeliveryError, match="already paid"):
        delivery_transition(
            delivery=delivery, to=DeliveryStatus.DELIVERED, by=delivery.rider, cash_collected=Decimal("64.00")
        )
    delivery_transition(delivery=delivery, to=DeliveryStatus.DELIVERED, by=delivery.rider)

    order = Order.objects.get(pk=delivery.order_id)
    assert (order.status, order.payment_status) == (OrderStatus.DELIVERED, PaymentStatus.SUCCESS)
    assert delivery.cash_collected == Decimal("0.00")


@pytest.mark.parametrize("who", ["rider", "staff"])
def test_delivering_cash_on_delivery_records_the_cash_and_pays_the_order(
    who, staff, django_capture_on_commit_callbacks
):
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT, method=PaymentMethod.CASH)
    assert delivery.cash_due == Decimal("64.00")
    by = delivery.rider if who == "rider" else staff

    with django_capture_on_commit_callbacks(execute=True):
        delivery_transition(
            delivery=delivery,
            to=DeliveryStatus.DELIVERED,
            by=by,
            cash_collected=Decimal("64.00"),
            proof_code=delivery.proof_code,
        )

    order = Order.objects.get(pk=delivery.order_id)
    payment = order.payments.get()
    assert (order.status, order.payment_status) == (OrderStatus.DELIVERED, PaymentStatus.SUCCESS)
    assert (payment.status, payment.transaction_id) == (PaymentStatus.SUCCESS, f"cash:delivery-{delivery.pk}")
    assert delivery.cash_collected == Decimal("64.00")
    assert delivery.cash_due == Decimal("0.00")
    assert delivery.history.last().note == "Cash collected: ₹64.00"
    assert AnalyticsEvent.objects.filter(event_type=EventType.PAYMENT_COMPLETED, order=order).count() == 1


@pytest.mark.parametrize("who", ["rider", "staff"])
@pytest.mark.parametrize(("cash", "message"), [(None, "Collect ₹64.00"), (Decimal("50.00"), "not ₹50.00")])
def test_cash_on_delivery_without_the_exact_cash_is_refused_whoever_marks_it(cash, message, who, staff):
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT, method=PaymentMethod.CASH)
    by = delivery.rider if who == "rider" else staff
    before = books(delivery)

    with pytest.raises(DeliveryError, match=message):
        delivery_transition(
            delivery=delivery, to=DeliveryStatus.DELIVERED, by=by, cash_collected=cash, proof_code=delivery.proof_code
        )

    assert books(delivery) == before
    assert before["order"] == (OrderStatus.OUT_FOR_DELIVERY, PaymentStatus.PENDING)


def test_more_cash_than_due_is_refused_too():
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT, method=PaymentMethod.CASH)
    before = books(delivery)

    with pytest.raises(DeliveryError, match="not ₹100.00"):
        delivery_transition(
            delivery=delivery,
            to=DeliveryStatus.DELIVERED,
            by=delivery.rider,
            cash_collected=Decimal("100.00"),
            proof_code=delivery.proof_code,
        )

    assert books(delivery) == before


# Failure and cancellation: what the order and its payment say


def test_failure_needs_a_reason_and_other_needs_a_note():
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT)

    with pytest.raises(DeliveryError, match="Choose why"):
        delivery_transition(delivery=delivery, to=DeliveryStatus.FAILED, by=delivery.rider)
    with pytest.raises(DeliveryError, match="Say what went wrong"):
        delivery_transition(
            delivery=delivery, to=DeliveryStatus.FAILED, by=delivery.rider, failure_reason=FailureReason.OTHER
        )
    delivery_transition(
        delivery=delivery,
        to=DeliveryStatus.FAILED,
        by=delivery.rider,
        failure_reason=FailureReason.OTHER,
        note="Gate locked, dog loose",
    )

    assert (delivery.failure_reason, delivery.failure_note) == (FailureReason.OTHER, "Gate locked, dog loose")
    assert delivery.history.last().note == "Other: Gate locked, dog loose"


def test_a_failed_delivery_cancels_the_order_saying_why_and_refunds_its_payment_in_full():
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT)

    delivery_transition(
        delivery=delivery,
        to=DeliveryStatus.FAILED,
        by=delivery.rider,
        failure_reason=FailureReason.CUSTOMER_UNAVAILABLE,
    )

    order = Order.objects.get(pk=delivery.order_id)
    assert _order_moves(order.pk)[-1] == (OrderStatus.OUT_FOR_DELIVERY, OrderStatus.CANCELLED)
    assert order.history.last().note == "Delivery failed: Customer not available"
    payment = order.payments.get()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, Decimal("64.00"))


def test_a_failed_card_order_is_refunded_to_the_wallet_not_the_card():
    rider()
    order = place_order(method=PaymentMethod.CARD)
    payment_succeeded(payment_id=order.payments.get().pk, reference="pay_1")
    delivery = Delivery.objects.get(order=order)
    delivery_transition(delivery=delivery, to=DeliveryStatus.PICKED_UP, by=delivery.rider)

    delivery_transition(
        delivery=delivery, to=DeliveryStatus.FAILED, by=delivery.rider, failure_reason=FailureReason.REFUSED
    )

    refund = order.payments.get().refunds.get()
    assert (refund.status, refund.provider_reference, refund.amount) == (
        RefundStatus.SUCCEEDED,
        "wallet",
        Decimal("64.00"),
    )
    assert wallet_balance(user=order.user) == Decimal("64.00")


def test_a_failed_cash_order_owes_nothing(django_capture_on_commit_callbacks):
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT, method=PaymentMethod.CASH)

    with django_capture_on_commit_callbacks(execute=True):
        delivery_transition(
            delivery=delivery, to=DeliveryStatus.FAILED, by=delivery.rider, failure_reason=FailureReason.REFUSED
        )

    order = Order.objects.get(pk=delivery.order_id)
    payment = order.payments.get()
    assert order.status == OrderStatus.CANCELLED
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.FAILED, Decimal("0.00"))
    assert wallet_balance(user=order.user) == Decimal("0.00")
    assert delivery.cash_due == Decimal("0.00")
    assert AnalyticsEvent.objects.filter(event_type=EventType.ORDER_CANCELLED, order=order).count() == 1
    assert not AnalyticsEvent.objects.filter(event_type=EventType.PAYMENT_FAILED).exists()


def test_cancelling_the_order_cancels_its_delivery(django_capture_on_commit_callbacks):
    delivery = delivery_in(DeliveryStatus.ASSIGNED, method=PaymentMethod.CASH)

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=delivery.order, by=delivery.user, reason="Cancelled by the customer")

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.CANCELLED
    assert delivery.history.last().note == "Cancelled by the customer"
    event = AnalyticsEvent.objects.get(event_type=EventType.DELIVERY_UPDATED)
    assert event.details["to_status"] == DeliveryStatus.CANCELLED


def test_staff_cancelling_the_delivery_before_pickup_cancel_the_order_with_their_reason(staff):
    delivery = delivery_in(DeliveryStatus.ASSIGNED)

    delivery_transition(delivery=delivery, to=DeliveryStatus.CANCELLED, by=staff, note="Customer phoned the dairy")

    order = Order.objects.get(pk=delivery.order_id)
    assert _order_moves(order.pk)[-1] == (OrderStatus.CONFIRMED, OrderStatus.CANCELLED)
    assert (order.history.last().note, order.history.last().changed_by) == (
        "Delivery cancelled: Customer phoned the dairy",
        staff,
    )


# A rider's day


def test_picking_up_a_whole_slot_takes_only_the_riders_waiting_deliveries():
    ravi = rider()
    slot = upcoming_slots()[0]
    waiting = [place_order(slot=slot).delivery for _ in range(2)]
    already = delivery_in(DeliveryStatus.PICKED_UP, slot=slot)
    other_slot = place_order(slot=upcoming_slots()[1]).delivery
    theirs = place_order(slot=slot).delivery
    delivery_assign(delivery=theirs, rider=rider())
    assert {d.rider for d in [*waiting, already, other_slot]} == {ravi}
    before = books(theirs)

    picked = deliveries_pick_up(rider=ravi, delivery_date=slot.date, slot=slot.name)

    assert picked == 2
    statuses = dict(Delivery.objects.values_list("pk", "status"))
    assert [statuses[d.pk] for d in waiting] == [DeliveryStatus.PICKED_UP] * 2
    assert statuses[other_slot.pk] == DeliveryStatus.ASSIGNED
    assert books(theirs) == before
