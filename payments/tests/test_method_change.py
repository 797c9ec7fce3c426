"""Changing how an unpaid order is paid is not a failed payment (DESIGN §4): the earlier payment is called off
and its page closed, and the customer is told nothing about a failure."""

import pytest

from analytics.models import AnalyticsEvent, EventType
from notifications.models import Notification, NotificationType
from orders.models import OrderStatus
from orders.tests.factories import order_on_demo_page, place_order
from orders.workflows import order_pay, payment_declined
from payments.models import PaymentMethod, PaymentStatus
from payments.signals import payment_failed

pytestmark = pytest.mark.django_db


@pytest.fixture
def failures():
    """The payment ids payment_failed is sent for."""
    sent = []

    def receiver(sender, payment_id, **kwargs):
        sent.append(payment_id)

    payment_failed.connect(receiver, weak=False)
    yield sent
    payment_failed.disconnect(receiver)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


def assert_no_failure_announced(failures) -> None:
    assert failures == []
    assert not AnalyticsEvent.objects.filter(event_type=EventType.PAYMENT_FAILED).exists()
    assert not Notification.objects.filter(type=NotificationType.PAYMENT_FAILED).exists()


@pytest.mark.usefixtures("stripe_on")
def test_switching_from_card_to_upi_in_the_api_closes_the_card_page_and_announces_no_failure(
    me, committed, failures, fake_stripe
):
    order = place_order(user=me.user, method=PaymentMethod.CARD)
    committed(me.post, "/payment/pay", {"orderId": order.number, "paymentMethod": "CARD"})
    card = order.payments.get()

    response = committed(me.post, "/payment/pay", {"orderId": order.number, "paymentMethod": "UPI"})

    assert response.status_code == 200
    upi = order.payments.get(method=PaymentMethod.UPI)
    assert (response.json()["paymentId"], response.json()["status"]) == (upi.pk, PaymentStatus.PENDING)
    assert response.json()["checkoutUrl"] == upi.checkout_url
    card.refresh_from_db()
    assert (card.status, card.failure_reason) == (PaymentStatus.FAILED, "Paid by UPI instead")
    assert fake_stripe.sessions_asked_to_expire() == [card.transaction_id]
    order.refresh_from_db()
    assert (order.status, order.payment_method, order.payment_status) == (
        OrderStatus.CREATED,
        PaymentMethod.UPI,
        PaymentStatus.PENDING,
    )
    assert_no_failure_announced(failures)


@pytest.mark.usefixtures("stripe_on")
def test_switching_from_card_to_cash_in_the_api_confirms_the_order_and_announces_no_failure(
    me, committed, failures, fake_stripe
):
    order = place_order(user=me.user, method=PaymentMethod.CARD)
    committed(me.post, "/payment/pay", {"orderId": order.number, "paymentMethod": "CARD"})
    card = order.payments.get()

    response = committed(me.post, "/payment/pay", {"orderId": order.number, "paymentMethod": "CASH"})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["orderStatus"]) == (PaymentStatus.PENDING, "CONFIRMED")
    assert fake_stripe.sessions_asked_to_expire() == [card.transaction_id]
    card.refresh_from_db()
    assert card.status == PaymentStatus.FAILED
    order.refresh_from_db()
    assert (order.status, order.payment_method) == (OrderStatus.CONFIRMED, PaymentMethod.CASH)
    assert_no_failure_announced(failures)


@pytest.mark.parametrize("to", [PaymentMethod.UPI, PaymentMethod.CASH])
def test_order_pay_with_another_method_announces_no_failure(committed, failures, to):
    order, card = order_on_demo_page()

    committed(order_pay, order=order, method=to, by=order.user)

    card.refresh_from_db()
    assert card.status == PaymentStatus.FAILED
    assert order.payments.get(method=to).status == PaymentStatus.PENDING
    assert_no_failure_announced(failures)


def test_a_card_payment_that_really_fails_is_announced(committed, failures):
    """The other side of the rule: the same listeners do hear a declined card."""
    order, card = order_on_demo_page()

    committed(payment_declined, payment_id=card.pk, reason="Card declined")

    assert failures == [card.pk]
    assert AnalyticsEvent.objects.filter(event_type=EventType.PAYMENT_FAILED).count() == 1
    assert Notification.objects.filter(user=order.user, type=NotificationType.PAYMENT_FAILED).exists()
