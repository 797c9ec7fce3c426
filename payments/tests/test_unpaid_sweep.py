"""The unpaid-order sweep (orders.tasks.cancel_unpaid_orders, every five minutes) waits for an open Stripe page:
a customer paying on it must not find their order gone. Once the page has closed, the order is cancelled."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from orders.models import OrderStatus
from orders.tasks import cancel_unpaid_orders
from orders.tests.books import books
from orders.tests.factories import place_order
from payments.models import PaymentMethod, PaymentStatus
from payments.services import payment_start_checkout
from payments.tests.stripe_events import BACK, completed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_on")]


@pytest.fixture
def start(settings):
    settings.UNPAID_ORDER_TIMEOUT_MINUTES = 30
    return timezone.now()


def order_paying_late(start):
    """A card order placed at start whose customer opened Stripe's page 20 minutes later (open until start + 50)."""
    with time_machine.travel(start):
        order = place_order(method=PaymentMethod.CARD)
    payment = order.payments.get()
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        payment_start_checkout(payment=payment, success_url=BACK, cancel_url=BACK)
    payment.refresh_from_db()
    assert payment.checkout_expires_at == start + timedelta(minutes=50)
    return order, payment


def test_the_sweep_leaves_an_order_whose_stripe_page_is_still_open(start):
    order, payment = order_paying_late(start)
    before = books(order)

    with time_machine.travel(start + timedelta(minutes=49)):
        assert cancel_unpaid_orders() == 0

    assert books(order) == before


def test_the_sweep_cancels_the_order_once_its_stripe_page_has_closed(start, fake_stripe):
    order, payment = order_paying_late(start)
    left = books(order)["left"]

    with time_machine.travel(start + timedelta(minutes=51)):
        assert cancel_unpaid_orders() == 1

    after = books(order)
    assert after["order"][0] == OrderStatus.CANCELLED
    assert after["left"] == {pk: qty + 2 for pk, qty in left.items()}
    assert after["seats"] == 0
    assert order.history.last().note == "Payment not received in time"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED


def test_an_order_paid_on_its_page_is_never_swept(start, deliver):
    order, payment = order_paying_late(start)
    with time_machine.travel(start + timedelta(minutes=40)):
        deliver(completed(payment))

    with time_machine.travel(start + timedelta(minutes=51)):
        assert cancel_unpaid_orders() == 0

    order.refresh_from_db()
    assert (order.status, order.payment_status) == (OrderStatus.CONFIRMED, PaymentStatus.SUCCESS)
