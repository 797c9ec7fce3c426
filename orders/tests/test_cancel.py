from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from analytics.models import AnalyticsEvent, EventType
from catalog.models import Product
from catalog.tests.factories import ProductFactory
from delivery.models import DeliveryStatus, SlotBooking
from delivery.tests.factories import delivery_in
from orders.models import Order, OrderStatus
from orders.services import OrderError
from orders.tasks import cancel_unpaid_orders
from orders.tests.books import books
from orders.tests.factories import customer_with_address, fund_wallet, order_on_demo_page, place_order
from orders.workflows import order_cancel, payment_succeeded
from payments.models import PaymentMethod, PaymentStatus, RefundStatus
from payments.selectors import wallet_balance

pytestmark = pytest.mark.django_db


def test_cancelling_returns_stock_frees_the_slot_and_voids_cash(django_capture_on_commit_callbacks):
    milk = ProductFactory(stock=10)
    order = place_order(lines=[(milk, 4)])

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, by=order.user, reason="Changed my mind")

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert Product.objects.get(pk=milk.pk).stock == 10
    assert SlotBooking.objects.get().booked == 0
    assert order.payments.get().status == PaymentStatus.FAILED
    assert order.history.last().note == "Changed my mind"
    assert AnalyticsEvent.objects.filter(event_type=EventType.ORDER_CANCELLED).count() == 1


def test_cancelling_a_wallet_order_refunds_the_wallet_once():
    customer = customer_with_address()
    fund_wallet(customer, Decimal("100.00"))
    order = place_order(user=customer, lines=[(ProductFactory(price=Decimal("40.00")), 2)], method=PaymentMethod.WALLET)
    assert wallet_balance(user=customer) == Decimal("20.00")

    order_cancel(order=order, by=customer, reason="Cancelled by the customer")
    with pytest.raises(OrderError, match="can no longer be cancelled"):
        order_cancel(order=order, by=customer, reason="again")

    assert wallet_balance(user=customer) == Decimal("100.00")
    payment = order.payments.get()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, Decimal("80.00"))


def test_cancelling_a_paid_online_order_refunds_through_the_gateway(django_capture_on_commit_callbacks):
    order, payment = order_on_demo_page()
    payment_succeeded(payment_id=payment.pk, reference="demo_ref")

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, by=order.user, reason="Cancelled by the customer")

    payment.refresh_from_db()
    refund = payment.refunds.get()
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.provider_reference.startswith("demo_refund_")
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, payment.amount)


@pytest.mark.parametrize("step", [DeliveryStatus.PICKED_UP, DeliveryStatus.DELIVERED])
def test_an_order_on_its_way_cannot_be_cancelled(step):
    order = Order.objects.get(pk=delivery_in(step).order_id)
    before = books(order)

    with pytest.raises(OrderError, match="can no longer be cancelled"):
        order_cancel(order=order, by=order.user, reason="too late")

    assert books(order) == before


def test_unpaid_online_orders_are_cancelled_after_the_timeout(settings):
    settings.UNPAID_ORDER_TIMEOUT_MINUTES = 30
    milk = ProductFactory(stock=10)
    with time_machine.travel(timezone.now() - timedelta(minutes=31)):
        stale = place_order(lines=[(milk, 2)], method=PaymentMethod.UPI)
        cash = place_order(lines=[(milk, 1)], method=PaymentMethod.CASH)
    fresh = place_order(lines=[(milk, 1)], method=PaymentMethod.UPI)

    assert cancel_unpaid_orders() == 1

    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {stale.pk: "CANCELLED", fresh.pk: "CREATED", cash.pk: "CONFIRMED"}
    assert Product.objects.get(pk=milk.pk).stock == 8


def test_a_payment_arriving_after_auto_cancel_is_refunded(django_capture_on_commit_callbacks):
    order, payment = order_on_demo_page()
    order_cancel(order=order, by=None, reason="Payment not received in time")

    with django_capture_on_commit_callbacks(execute=True):
        payment_succeeded(payment_id=payment.pk, reference="late")

    payment.refresh_from_db()
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert payment.status == PaymentStatus.REFUNDED


def test_the_auto_cancel_schedule_exists():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(func="orders.tasks.cancel_unpaid_orders")
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 5, -1)


def test_a_fully_refunded_order_says_refunded():
    customer = customer_with_address()
    fund_wallet(customer, Decimal("100.00"))
    order = place_order(user=customer, method=PaymentMethod.WALLET)

    order_cancel(order=order, by=customer, reason="Cancelled by the customer")

    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.REFUNDED
