"""Every allowed status move works; every other one is refused and changes nothing."""

import itertools

import pytest

from orders.models import TRANSITIONS, Order, OrderStatus, OrderStatusHistory
from orders.services import OrderError, order_transition
from orders.tests.factories import place_order
from payments.models import PAYMENT_TRANSITIONS, PaymentStatus
from payments.services import PaymentError, payment_transition

pytestmark = pytest.mark.django_db

ALL_MOVES = list(itertools.product(OrderStatus, OrderStatus))


def order_in(status: str) -> Order:
    order = place_order()
    Order.objects.filter(pk=order.pk).update(status=status)
    order.refresh_from_db()
    return order


@pytest.mark.parametrize(("start", "to"), [move for move in ALL_MOVES if move[1] in TRANSITIONS[move[0]]])
def test_allowed_order_moves_work_and_leave_history(start, to):
    order = order_in(start)
    before = OrderStatusHistory.objects.filter(order=order).count()

    order_transition(order=order, to=to, note="test")

    order.refresh_from_db()
    assert order.status == to
    last = OrderStatusHistory.objects.filter(order=order).last()
    assert (last.from_status, last.to_status) == (start, to)
    assert OrderStatusHistory.objects.filter(order=order).count() == before + 1


@pytest.mark.parametrize(("start", "to"), [move for move in ALL_MOVES if move[1] not in TRANSITIONS[move[0]]])
def test_every_other_order_move_is_refused(start, to):
    order = order_in(start)
    history = OrderStatusHistory.objects.filter(order=order).count()

    with pytest.raises(OrderError, match="cannot be moved to"):
        order_transition(order=order, to=to)

    order.refresh_from_db()
    assert order.status == start
    assert OrderStatusHistory.objects.filter(order=order).count() == history


def test_the_order_flow_of_the_design():
    assert {
        OrderStatus.CREATED: {OrderStatus.CONFIRMED, OrderStatus.CANCELLED},
        OrderStatus.CONFIRMED: {OrderStatus.PACKED, OrderStatus.CANCELLED},
        OrderStatus.PACKED: {OrderStatus.OUT_FOR_DELIVERY, OrderStatus.CANCELLED},
        OrderStatus.OUT_FOR_DELIVERY: {OrderStatus.DELIVERED},
        OrderStatus.DELIVERED: {OrderStatus.RETURNED},
        OrderStatus.CANCELLED: set(),
        OrderStatus.RETURNED: set(),
    } == TRANSITIONS


PAYMENT_MOVES = list(itertools.product(PaymentStatus, PaymentStatus))


@pytest.mark.parametrize(("start", "to"), PAYMENT_MOVES)
def test_payment_moves_follow_the_design(start, to):
    order = place_order()
    payment = order.payments.get()
    payment.status = start
    payment.save()
    allowed = {
        (PaymentStatus.PENDING, PaymentStatus.SUCCESS),
        (PaymentStatus.PENDING, PaymentStatus.FAILED),
        (PaymentStatus.SUCCESS, PaymentStatus.REFUNDED),
    }
    assert ((start, to) in allowed) == (to in PAYMENT_TRANSITIONS[start])

    if (start, to) in allowed:
        payment_transition(payment=payment, to=to)
        payment.refresh_from_db()
        assert payment.status == to
    else:
        with pytest.raises(PaymentError):
            payment_transition(payment=payment, to=to)
        payment.refresh_from_db()
        assert payment.status == start
