"""Stripe's report of a payment and a cancellation (the unpaid-order sweep, or the customer) reaching one order at
the same moment, in real threads on their own connections (as orders/tests/test_concurrency.py).

CI runs these on PostgreSQL, where the row locks decide who goes first, and on SQLite, where IMMEDIATE
transactions queue the writers. Either way both finish, and the order ends one of two ways: paid and confirmed,
or cancelled with the money that came late refunded in full."""

import json
import threading
import time
from datetime import datetime, timedelta
from functools import partial

import pytest
import stripe
from django.db import connection, transaction
from django.test import Client

from milkshop.tests.threads import run_at_once
from orders.models import Order, OrderStatus
from orders.tests.books import books
from orders.workflows import order_cancel, orders_cancel_unpaid, payment_succeeded
from payments.models import PaymentStatus, RefundStatus
from payments.tests.stripe_events import WEBHOOK_SECRET, WEBHOOK_URL, completed, stripe_card_order

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("stripe_on")]

# Each round gives the cancellation a different head start (negative: the payment's report starts first), so
# both ways of meeting happen.
HEAD_STARTS = [0.0, -0.02, -0.05, 0.0, -0.1, 0.02]


def webhook(event: dict):
    """Stripe posting the event, signed, from wherever it is called (each thread its own client)."""
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)
    response = Client().post(
        WEBHOOK_URL, data=payload, content_type="application/json", headers={"Stripe-Signature": header}
    )
    assert response.status_code == 200
    return response


def after_the_page_closed(payment) -> datetime:
    return payment.checkout_expires_at + timedelta(minutes=1)


def settled_one_way(order: Order, payment, *, placed: dict) -> str:
    """Paid and confirmed, or cancelled with the late money refunded in full; which one it is.

    placed: the order's books as it was placed."""
    order.refresh_from_db()
    payment.refresh_from_db()
    refunds = list(payment.refunds.values_list("status", "amount"))
    after = books(order)
    if order.status == OrderStatus.CONFIRMED:
        assert (payment.status, order.payment_status) == (PaymentStatus.SUCCESS, PaymentStatus.SUCCESS)
        assert refunds == []
        assert (after["left"], after["seats"]) == (placed["left"], placed["seats"])
        assert after["delivery"] == ["ASSIGNED"]
    else:
        assert order.status == OrderStatus.CANCELLED
        assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, payment.amount)
        assert refunds == [(RefundStatus.SUCCEEDED, payment.amount)]
        assert after["left"] == {pk: qty + 2 for pk, qty in placed["left"].items()}
        assert after["seats"] == placed["seats"] - 1
        assert after["delivery"] in ([], ["CANCELLED"])
    return order.status


def starting_after(seconds: float, call):
    def delayed():
        time.sleep(max(seconds, 0))
        return call()

    return delayed


def meeting(report, cancel, head_start: float) -> list:
    """Run the payment's report and the cancellation at once, one of them a little ahead."""
    return run_at_once([starting_after(head_start, report), starting_after(-head_start, cancel)])


def test_stripes_payment_and_the_unpaid_sweep_at_once_settle_one_way():
    for head_start in HEAD_STARTS:
        order, payment = stripe_card_order()
        placed = books(order)
        later = after_the_page_closed(payment)

        results = meeting(partial(webhook, completed(payment)), partial(orders_cancel_unpaid, now=later), head_start)

        assert [r.error for r in results] == [None, None]
        settled_one_way(order, payment, placed=placed)


def test_stripes_payment_and_the_customers_cancel_at_once_settle_one_way():
    for head_start in HEAD_STARTS:
        order, payment = stripe_card_order()
        placed = books(order)
        cancel = partial(order_cancel, order=order, by=order.user, reason="Changed my mind")

        results = meeting(partial(webhook, completed(payment)), cancel, head_start)

        assert [r.error for r in results] == [None, None]
        settled_one_way(order, payment, placed=placed)


def wait_until_someone_waits_for_a_lock() -> None:
    """PostgreSQL shows a backend waiting for a row lock; SQLite cannot, so give the waiter a moment."""
    if connection.vendor != "postgresql":
        time.sleep(1)
        return
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("nobody waited for the order's lock")


def test_an_order_paid_while_the_sweep_waits_for_it_stays_paid_and_confirmed():
    """The sweep picked the order while it was unpaid; the payment lands while the sweep waits for the order's
    lock. The sweep must look again under the lock and leave the now-paid order alone."""
    order, payment = stripe_card_order()
    placed = books(order)
    later = after_the_page_closed(payment)
    locked, sweep_waits = threading.Event(), threading.Event()
    swept = []

    def payment_arriving_slowly():
        try:
            with transaction.atomic():
                Order.objects.select_for_update().get(pk=order.pk)  # the report is being handled
                locked.set()
                sweep_waits.wait(timeout=15)
                payment_succeeded(payment_id=payment.pk, reference="pi_test_slow")
        finally:
            connection.close()

    def sweep():
        try:
            swept.append(orders_cancel_unpaid(now=later))
        finally:
            connection.close()

    paying = threading.Thread(target=payment_arriving_slowly, daemon=True)
    sweeping = threading.Thread(target=sweep, daemon=True)
    paying.start()
    assert locked.wait(timeout=10)
    sweeping.start()
    wait_until_someone_waits_for_a_lock()
    sweep_waits.set()
    paying.join(timeout=30)
    sweeping.join(timeout=30)

    assert not paying.is_alive() and not sweeping.is_alive()
    assert swept == [0]
    assert settled_one_way(order, payment, placed=placed) == OrderStatus.CONFIRMED
