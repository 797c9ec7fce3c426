"""What a delivery's end does to stock, the slot and money, through every door that ends one.

Before pickup nothing has left the dairy: the stock goes back on sale, the slot's seat frees up, the order is
cancelled and what was paid is back in the wallet. After pickup the goods are written off (returned from the
order, then wasted), so what is left stays as it was, and the seat stays taken.
"""

from decimal import Decimal

import pytest

from catalog.models import DailySupply, MovementKind, Product, StockMovement
from catalog.tests.factories import ProductFactory
from delivery.models import DeliveryStatus, FailureReason
from delivery.tests import doors
from delivery.tests.factories import delivery_in, seats_booked
from orders.models import Order, OrderStatus
from payments.models import PaymentStatus
from payments.selectors import wallet_balance

pytestmark = pytest.mark.django_db

FAIL = {"failure_reason": FailureReason.CUSTOMER_UNAVAILABLE}
CANCEL = {"note": "Customer phoned the dairy"}


def packaged():
    return ProductFactory(price=Decimal("40.00"), stock=10)


def perishable():
    return ProductFactory(price=Decimal("40.00"), perishable=True, daily_supply=10)


def on_hand(product, day) -> int:
    """A packaged good's running stock, or what is left of a perishable's supply for the day."""
    if product.perishable:
        return DailySupply.objects.get(product=product, date=day).left
    return Product.objects.get(pk=product.pk).stock


def movements(order) -> list[tuple[str, int]]:
    return list(StockMovement.objects.filter(order=order).order_by("pk").values_list("kind", "quantity"))


def three_of(kind, start: str):
    """A wallet-paid order of 3 × ₹40 of a product with 10 on hand, its delivery brought to start."""
    product = kind()
    delivery = delivery_in(start, lines=[(product, 3)])
    order = delivery.order
    assert on_hand(product, order.delivery_date) == 7
    assert wallet_balance(user=order.user) == Decimal("380.00")
    return product, delivery, order


def assert_cancelled_and_refunded(order):
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (OrderStatus.CANCELLED, PaymentStatus.REFUNDED)
    assert wallet_balance(user=order.user) == Decimal("500.00")


@pytest.mark.parametrize("kind", [packaged, perishable])
@pytest.mark.parametrize("door", doors.ROAD_DOORS)
def test_failing_before_pickup_returns_the_stock_frees_the_slot_and_refunds_the_wallet(door, kind, client, staff):
    product, delivery, order = three_of(kind, DeliveryStatus.ASSIGNED)
    seats = seats_booked(order.slot)

    door(client, staff, delivery, DeliveryStatus.FAILED, **FAIL)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert on_hand(product, order.delivery_date) == 10
    assert movements(order) == [(MovementKind.SOLD, -3), (MovementKind.RETURNED, 3)]
    assert seats_booked(order.slot) == seats - 1
    assert_cancelled_and_refunded(order)


@pytest.mark.parametrize("start", [DeliveryStatus.PICKED_UP, DeliveryStatus.IN_TRANSIT])
@pytest.mark.parametrize("kind", [packaged, perishable])
@pytest.mark.parametrize("door", doors.ROAD_DOORS)
def test_failing_after_pickup_writes_the_goods_off_and_keeps_the_seat(door, kind, start, client, staff):
    product, delivery, order = three_of(kind, start)
    seats = seats_booked(order.slot)

    door(client, staff, delivery, DeliveryStatus.FAILED, **FAIL)

    assert on_hand(product, order.delivery_date) == 7
    assert movements(order) == [(MovementKind.SOLD, -3), (MovementKind.RETURNED, 3), (MovementKind.WASTED, -3)]
    assert seats_booked(order.slot) == seats
    assert_cancelled_and_refunded(order)


@pytest.mark.parametrize("kind", [packaged, perishable])
@pytest.mark.parametrize("door", doors.CANCEL_DOORS)
def test_staff_cancelling_before_pickup_cancel_the_order_return_the_stock_free_the_slot_and_refund(
    door, kind, client, staff
):
    product, delivery, order = three_of(kind, DeliveryStatus.ASSIGNED)
    seats = seats_booked(order.slot)

    door(client, staff, delivery, DeliveryStatus.CANCELLED, **CANCEL)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.CANCELLED
    assert on_hand(product, order.delivery_date) == 10
    assert movements(order) == [(MovementKind.SOLD, -3), (MovementKind.RETURNED, 3)]
    assert seats_booked(order.slot) == seats - 1
    assert_cancelled_and_refunded(order)


@pytest.mark.parametrize("door", doors.CANCEL_DOORS)
def test_staff_cancelling_on_the_road_write_the_goods_off(door, client, staff):
    product, delivery, order = three_of(packaged, DeliveryStatus.IN_TRANSIT)
    seats = seats_booked(order.slot)

    door(client, staff, delivery, DeliveryStatus.CANCELLED, **CANCEL)

    assert on_hand(product, order.delivery_date) == 7
    assert movements(order)[-2:] == [(MovementKind.RETURNED, 3), (MovementKind.WASTED, -3)]
    assert seats_booked(order.slot) == seats
    assert_cancelled_and_refunded(order)


@pytest.mark.parametrize("door", doors.ROAD_DOORS)
def test_a_cash_order_failing_before_pickup_calls_its_payment_off_and_owes_nothing(door, client, staff):
    delivery = delivery_in(DeliveryStatus.ASSIGNED, method="CASH")

    door(client, staff, delivery, DeliveryStatus.FAILED, **FAIL)

    order = Order.objects.get(pk=delivery.order_id)
    assert order.status == OrderStatus.CANCELLED
    assert order.payments.get().status == PaymentStatus.FAILED
    assert wallet_balance(user=order.user) == Decimal("0.00")
