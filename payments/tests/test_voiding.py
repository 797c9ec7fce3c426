"""Cancelling an order calls off its pending online payment and closes the gateway's page, so the page can take
no money for an order that will not come. A called-off payment is not a failed one: the customer hears nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from analytics.models import AnalyticsEvent, EventType
from milkshop.tests.apiclient import ApiClient
from notifications.models import Notification, NotificationType
from orders.models import OrderStatus
from orders.tests.factories import order_on_demo_page, place_order
from payments.models import PaymentMethod, PaymentStatus, Refund, WalletEntry
from payments.tests.stripe_events import stripe_card_order

pytestmark = pytest.mark.django_db


def assert_called_off_quietly(order, payment) -> None:
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert payment.status == PaymentStatus.FAILED
    assert not Refund.objects.filter(payment__order=order).exists()
    assert not AnalyticsEvent.objects.filter(event_type=EventType.PAYMENT_FAILED).exists()
    assert not Notification.objects.filter(type=NotificationType.PAYMENT_FAILED).exists()


def assert_page_closed(fake_stripe, payment) -> None:
    """Stripe was asked to expire the payment's session, once, and it is no longer open."""
    assert fake_stripe.sessions_asked_to_expire() == [payment.transaction_id]
    assert payment.transaction_id not in fake_stripe.sessions


# Stripe


def test_a_stripe_page_opened_through_the_api_closes_by_the_unpaid_order_timeout(me, fake_stripe, stripe_on, settings):
    order = place_order(user=me.user, method=PaymentMethod.CARD)
    now = timezone.now().replace(microsecond=0)

    with time_machine.travel(now, tick=False):
        response = me.post("/payment/pay", {"orderId": order.number, "paymentMethod": "CARD"})

    (sent,) = fake_stripe.requests_to("/v1/checkout/sessions")
    assert response.json()["checkoutUrl"].startswith("https://checkout.stripe.test/")
    assert int(sent.form["expires_at"]) == (now + timedelta(minutes=settings.UNPAID_ORDER_TIMEOUT_MINUTES)).timestamp()


@pytest.mark.usefixtures("stripe_on")
def test_cancelling_on_the_order_page_expires_the_open_stripe_session(shopper, fake_stripe):
    order, payment = stripe_card_order(user=shopper.user)

    shopper.post(reverse("orders:cancel", args=[order.number]))

    assert_page_closed(fake_stripe, payment)
    assert_called_off_quietly(order, payment)


@pytest.mark.usefixtures("stripe_on")
def test_cancelling_through_the_api_expires_the_open_stripe_session(
    client, fake_stripe, django_capture_on_commit_callbacks
):
    order, payment = stripe_card_order()
    api = ApiClient(client).login(order.user.email)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/order/cancel", {"orderId": order.number})

    assert (response.status_code, response.json()["status"]) == (200, "CANCELLED")
    assert_page_closed(fake_stripe, payment)
    assert_called_off_quietly(order, payment)


@pytest.mark.usefixtures("stripe_on")
def test_staff_cancelling_from_the_admin_expires_the_open_stripe_session(
    client, staff, fake_stripe, django_capture_on_commit_callbacks
):
    order, payment = stripe_card_order()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:orders_order_changelist"),
            {"action": "cancel_with_refund", "_selected_action": [order.pk], "reason": "Customer phoned"},
        )

    assert_page_closed(fake_stripe, payment)
    assert_called_off_quietly(order, payment)


@pytest.mark.usefixtures("stripe_on")
def test_a_stripe_page_that_has_already_closed_does_not_stop_the_cancellation(shopper, fake_stripe):
    order, payment = stripe_card_order(user=shopper.user)

    with time_machine.travel(payment.checkout_expires_at + timedelta(seconds=1)):
        shopper.post(reverse("orders:cancel", args=[order.number]))

    # Stripe answers that only an open session can be expired: there was nothing left to close.
    assert fake_stripe.sessions_asked_to_expire() == [payment.transaction_id]
    assert_called_off_quietly(order, payment)


# The demo gateway


def test_after_cancelling_approving_on_the_demo_page_takes_no_money(client, django_capture_on_commit_callbacks):
    order, payment = order_on_demo_page()
    client.force_login(order.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("orders:cancel", args=[order.number]))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(payment.checkout_url, {"decision": "approve"}, follow=True)

    assert "This payment was already settled." in response.content.decode()
    assert not WalletEntry.objects.filter(wallet__user=order.user).exists()
    assert_called_off_quietly(order, payment)
    assert not AnalyticsEvent.objects.filter(event_type=EventType.PAYMENT_COMPLETED).exists()
