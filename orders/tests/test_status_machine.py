"""The order and payment flows of DESIGN §4, walked through the workflows that users reach them by.

Each status is reached the way it is in the shop (placing, paying, packing, the rider's taps, cancelling); each
move the design does not list is refused with a message that says why, and changes nothing."""

from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from delivery.models import DeliveryStatus
from delivery.tests.factories import delivery_in
from orders.models import Order, OrderStatus
from orders.services import OrderError
from orders.tests.books import books
from orders.tests.factories import customer_with_address, fund_wallet, order_on_demo_page, place_order
from orders.workflows import (
    delivery_transition,
    order_cancel,
    order_confirm,
    order_pack,
    order_pay,
    payment_declined,
    payment_succeeded,
)
from payments.models import Payment, PaymentMethod, PaymentStatus
from payments.services import PaymentError, payment_transition

pytestmark = pytest.mark.django_db

S = OrderStatus


@pytest.fixture
def shop():
    return UserFactory(is_staff=True)


def order_in(status: str, shop) -> Order:
    """A fresh order brought to status through the shop's own doors."""
    match status:
        case S.CREATED:
            return place_order(method=PaymentMethod.CARD)
        case S.CONFIRMED:
            return place_order(method=PaymentMethod.CASH)
        case S.PACKED:
            return order_pack(order=place_order(method=PaymentMethod.CASH), by=shop)
        case S.OUT_FOR_DELIVERY:
            return Order.objects.get(pk=delivery_in(DeliveryStatus.PICKED_UP).order_id)
        case S.DELIVERED:
            return Order.objects.get(pk=delivery_in(DeliveryStatus.DELIVERED).order_id)
        case S.CANCELLED:
            order = place_order(method=PaymentMethod.CASH)
            return order_cancel(order=order, by=order.user, reason="Changed my mind")
    raise AssertionError(f"no door leads to {status}")


def timeline(order: Order) -> list[tuple[str, str]]:
    return list(order.history.order_by("pk").values_list("from_status", "to_status"))


# Reaching each status


def test_a_card_order_awaits_payment_and_paying_confirms_it():
    order, payment = order_on_demo_page()
    assert timeline(order) == [("", S.CREATED)]

    payment_succeeded(payment_id=payment.pk, reference="demo_paid")

    order.refresh_from_db()
    assert (order.status, order.payment_status) == (S.CONFIRMED, PaymentStatus.SUCCESS)
    assert timeline(order) == [("", S.CREATED), (S.CREATED, S.CONFIRMED)]
    assert order.delivery.status == DeliveryStatus.ASSIGNED


def test_cash_on_delivery_is_confirmed_at_placement():
    order = place_order(method=PaymentMethod.CASH)

    assert timeline(order) == [("", S.CREATED), (S.CREATED, S.CONFIRMED)]
    assert order.history.last().note == "Cash on delivery"


def test_the_shop_packs_a_confirmed_order(shop):
    order = order_in(S.PACKED, shop)

    assert timeline(order)[-1] == (S.CONFIRMED, S.PACKED)
    assert order.history.last().changed_by == shop


@pytest.mark.parametrize("packed_first", [True, False], ids=["packed", "only-confirmed"])
def test_the_riders_pickup_sends_the_order_out_for_delivery(shop, packed_first):
    delivery = delivery_in(DeliveryStatus.ASSIGNED)
    if packed_first:
        order_pack(order=delivery.order, by=shop)

    delivery = delivery_transition(delivery=delivery, to=DeliveryStatus.PICKED_UP, by=delivery.rider)

    order = Order.objects.get(pk=delivery.order_id)
    assert order.status == S.OUT_FOR_DELIVERY
    assert timeline(order)[-2:] == [(S.CONFIRMED, S.PACKED), (S.PACKED, S.OUT_FOR_DELIVERY)]


def test_the_riders_delivery_delivers_the_order(shop):
    order = order_in(S.DELIVERED, shop)

    assert timeline(order)[-1] == (S.OUT_FOR_DELIVERY, S.DELIVERED)


@pytest.mark.parametrize("start", [S.CREATED, S.CONFIRMED, S.PACKED])
def test_an_order_not_yet_out_for_delivery_can_be_cancelled(shop, start):
    order = order_in(start, shop)

    order_cancel(order=order, by=shop, reason="The dairy is closed")

    order.refresh_from_db()
    assert order.status == S.CANCELLED
    assert timeline(order)[-1] == (start, S.CANCELLED)
    assert order.history.last().note == "The dairy is closed"


# Refused moves

MOVES = {
    "confirm": lambda order, shop: order_confirm(order=order, by=shop),
    "pack": lambda order, shop: order_pack(order=order, by=shop),
    "cancel": lambda order, shop: order_cancel(order=order, by=shop, reason="Refused, surely"),
    "pay": lambda order, shop: order_pay(order=order, method=PaymentMethod.CARD, by=order.user),
}
REFUSED = [
    (S.CREATED, "confirm", "is not paid yet; it is confirmed when its payment arrives"),
    (S.CONFIRMED, "confirm", "is confirmed; it cannot be moved to confirmed"),
    (S.PACKED, "confirm", "is packed; it cannot be moved to confirmed"),
    (S.OUT_FOR_DELIVERY, "confirm", "is out for delivery; it cannot be moved to confirmed"),
    (S.DELIVERED, "confirm", "is delivered; it cannot be moved to confirmed"),
    (S.CANCELLED, "confirm", "is cancelled; it cannot be moved to confirmed"),
    (S.CREATED, "pack", "is awaiting payment; it cannot be moved to packed"),
    (S.PACKED, "pack", "is packed; it cannot be moved to packed"),
    (S.OUT_FOR_DELIVERY, "pack", "is out for delivery; it cannot be moved to packed"),
    (S.DELIVERED, "pack", "is delivered; it cannot be moved to packed"),
    (S.CANCELLED, "pack", "is cancelled; it cannot be moved to packed"),
    (S.OUT_FOR_DELIVERY, "cancel", "is out for delivery and can no longer be cancelled"),
    (S.DELIVERED, "cancel", "is delivered and can no longer be cancelled"),
    (S.CANCELLED, "cancel", "is cancelled and can no longer be cancelled"),
    (S.CONFIRMED, "pay", "is confirmed; there is nothing to pay"),
    (S.PACKED, "pay", "is packed; there is nothing to pay"),
    (S.OUT_FOR_DELIVERY, "pay", "is out for delivery; there is nothing to pay"),
    (S.DELIVERED, "pay", "is delivered; there is nothing to pay"),
    (S.CANCELLED, "pay", "is cancelled; there is nothing to pay"),
]


@pytest.mark.parametrize(("start", "move", "says"), REFUSED, ids=[f"{move}-{start}" for start, move, _ in REFUSED])
def test_a_move_the_flow_does_not_allow_is_refused_with_why_and_changes_nothing(shop, start, move, says):
    order = order_in(start, shop)
    before = books(order)

    with pytest.raises(OrderError) as refused:
        MOVES[move](order, shop)

    assert str(refused.value).startswith(f"Order {order.number} {says}")
    assert books(order) == before


# Payments: PENDING → SUCCESS or FAILED; SUCCESS → REFUNDED


def payment_in(status: str) -> Payment:
    """A card payment brought to status by the provider's reports (or, REFUNDED, by cancelling a wallet order)."""
    if status == PaymentStatus.REFUNDED:
        customer = customer_with_address()
        fund_wallet(customer, Decimal("64.00"))
        order = place_order(user=customer, method=PaymentMethod.WALLET)
        order_cancel(order=order, by=customer, reason="Changed my mind")
        return order.payments.get()
    _order, payment = order_on_demo_page()
    if status == PaymentStatus.SUCCESS:
        payment_succeeded(payment_id=payment.pk, reference="demo_paid")
    elif status == PaymentStatus.FAILED:
        payment_declined(payment_id=payment.pk, reason="Card declined")
    payment.refresh_from_db()
    assert payment.status == status
    return payment


ALLOWED_PAYMENT_MOVES = {
    (PaymentStatus.PENDING, PaymentStatus.SUCCESS),
    (PaymentStatus.PENDING, PaymentStatus.FAILED),
    (PaymentStatus.SUCCESS, PaymentStatus.REFUNDED),
}
REFUSED_PAYMENT_MOVES = [
    (start, to) for start in PaymentStatus for to in PaymentStatus if (start, to) not in ALLOWED_PAYMENT_MOVES
]


@pytest.mark.parametrize(("start", "to"), REFUSED_PAYMENT_MOVES, ids=[f"{s}-{t}" for s, t in REFUSED_PAYMENT_MOVES])
def test_a_payment_move_the_flow_does_not_allow_is_refused(start, to):
    payment = payment_in(start)

    with pytest.raises(PaymentError, match=f"payment cannot become {PaymentStatus(to).label.lower()}"):
        payment_transition(payment=payment, to=to)

    payment.refresh_from_db()
    assert payment.status == start


def test_a_decline_reported_after_the_payment_went_through_changes_nothing():
    payment = payment_in(PaymentStatus.SUCCESS)

    payment_declined(payment_id=payment.pk, reason="A stale report")

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCESS
    assert payment.order.status == S.CONFIRMED


def test_a_success_reported_again_after_a_refund_changes_nothing():
    payment = payment_in(PaymentStatus.REFUNDED)
    before = books(payment.order)

    payment_succeeded(payment_id=payment.pk, reference="reported again")

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert books(payment.order) == before
