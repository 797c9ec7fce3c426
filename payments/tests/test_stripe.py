"""The Stripe integration end to end; only Stripe's HTTP API is replaced, by a local server (stripe_fake)."""

import hashlib
import hmac
import json
import random
import time
from datetime import timedelta
from decimal import Decimal

import pytest
import stripe
import time_machine
from django.urls import reverse
from django.utils import timezone

from analytics.models import AnalyticsEvent, EventType
from catalog.models import Product
from catalog.tests.factories import ProductFactory
from orders.models import Order, OrderStatus
from orders.tests.factories import cart_with, customer_with_address, delivery_zone, open_slot, place_order
from orders.workflows import order_cancel
from payments.gateways import GatewayError
from payments.models import Payment, PaymentMethod, PaymentStatus, ProcessedWebhookEvent, Refund, RefundStatus
from payments.selectors import wallet_balance
from payments.services import payment_start_checkout, wallet_topup_create
from payments.tasks import send_refund
from payments.tests.stripe_events import (
    SECRET_KEY,
    WEBHOOK_SECRET,
    WEBHOOK_URL,
    charge_refunded,
    checkout_key,
    completed,
    event,
    expired,
    intent_of,
    paise,
    session,
    stripe_card_order,
)
from payments.tests.stripe_fake import refused_url
from payments.webhooks import stripe_event_handle

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_on")]

GATEWAY_DOWN = "The card payment service is not answering. Please try again in a minute."


def events_of(event_type: str) -> int:
    return AnalyticsEvent.objects.filter(event_type=event_type).count()


def assert_untouched(order: Order, payment: Payment) -> None:
    order.refresh_from_db()
    payment.refresh_from_db()
    assert ProcessedWebhookEvent.objects.count() == 0
    assert payment.status == PaymentStatus.PENDING
    assert order.status == OrderStatus.CREATED
    assert order.payment_status == PaymentStatus.PENDING
    assert events_of(EventType.PAYMENT_COMPLETED) == 0


# Signatures


def test_a_signed_completed_session_confirms_the_order_and_marks_the_payment_paid(deliver):
    order, payment = stripe_card_order()

    response = deliver(completed(payment))

    assert response.status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCESS
    assert payment.transaction_id == intent_of(payment)  # refunds need the payment intent, not the session
    assert order.status == OrderStatus.CONFIRMED
    assert order.payment_status == PaymentStatus.SUCCESS
    assert events_of(EventType.PAYMENT_COMPLETED) == 1
    assert events_of(EventType.ORDER_CONFIRMED) == 1


def test_a_signature_computed_by_hand_the_way_stripe_documents_it_is_accepted(deliver):
    order, payment = stripe_card_order()
    payload = json.dumps(completed(payment))
    timestamp = int(time.time())
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()

    response = deliver(payload, header=f"t={timestamp},v1={digest},v0=ignored")

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED


def test_an_event_signed_with_another_secret_is_refused_and_writes_nothing(deliver):
    order, payment = stripe_card_order()

    response = deliver(completed(payment), secret="whsec_someone_else")

    assert response.status_code == 400
    assert_untouched(order, payment)


def test_an_event_whose_body_was_changed_after_signing_is_refused(deliver):
    order, payment = stripe_card_order()
    genuine = json.dumps(completed(payment, payment_status="unpaid"))
    header = stripe.WebhookSignature.generate_signature_header(genuine, WEBHOOK_SECRET)
    forged = genuine.replace('"payment_status": "unpaid"', '"payment_status": "paid"')
    assert forged != genuine

    response = deliver(forged, header=header)

    assert response.status_code == 400
    assert_untouched(order, payment)


@pytest.mark.parametrize("header", ["", "t=,v1=", "v1=deadbeef", "garbage"])
def test_an_event_without_a_usable_signature_header_is_refused(deliver, header):
    order, payment = stripe_card_order()

    response = deliver(completed(payment), header=header)

    assert response.status_code == 400
    assert_untouched(order, payment)


def test_an_event_signed_longer_ago_than_the_tolerance_is_refused_and_writes_nothing(deliver):
    order, payment = stripe_card_order()

    response = deliver(completed(payment), timestamp=int(time.time()) - 310)

    assert response.status_code == 400
    assert_untouched(order, payment)


def test_an_event_signed_a_little_while_ago_is_still_accepted(deliver):
    order, payment = stripe_card_order()

    response = deliver(completed(payment), timestamp=int(time.time()) - 240)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED


@pytest.mark.parametrize(
    "payload",
    [
        "{not json",
        "[]",
        '{"id": "evt_test_1", "type": "checkout.session.completed"}',
        '{"id": "evt_test_1", "type": "checkout.session.completed", "data": null}',
    ],
    ids=["not-json", "not-an-object", "no-data", "null-data"],
)
def test_a_validly_signed_but_malformed_event_is_a_bad_request(deliver, payload):
    order, payment = stripe_card_order()

    response = deliver(payload)

    assert response.status_code == 400
    assert_untouched(order, payment)


def test_the_webhook_does_not_exist_while_stripe_is_not_configured(deliver, settings):
    order, payment = stripe_card_order()
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = deliver(completed(payment), secret=WEBHOOK_SECRET)

    assert response.status_code == 404
    assert_untouched(order, payment)


def test_the_webhook_accepts_only_post(client):
    assert client.get(WEBHOOK_URL).status_code == 405


def test_an_event_type_we_do_not_handle_is_acknowledged_and_changes_nothing(deliver):
    order, payment = stripe_card_order()

    response = deliver(event("payment_intent.created", {"id": intent_of(payment), "object": "payment_intent"}))

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


# Replays and events out of order


def test_a_replayed_event_is_acknowledged_and_announced_once(deliver):
    order, payment = stripe_card_order()
    paid = completed(payment)

    responses = [deliver(paid), deliver(paid), deliver(paid)]

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert ProcessedWebhookEvent.objects.filter(event_id=paid["id"]).count() == 1
    assert events_of(EventType.PAYMENT_COMPLETED) == 1
    assert events_of(EventType.ORDER_CONFIRMED) == 1


def test_handling_an_event_id_again_reports_it_as_seen_even_when_its_body_differs():
    order, payment = stripe_card_order()
    paid = completed(payment)
    stripe_event_handle(paid)
    # A forged or confused redelivery under a known id must not run a handler a second time.
    same_id_refund = {**charge_refunded(payment, amount_refunded=paise(payment)), "id": paid["id"]}

    assert stripe_event_handle(same_id_refund) is False

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCESS
    assert not Refund.objects.exists()


def _deliveries_with_expiry_first(sequence: tuple[str, ...]) -> bool:
    first = {name: sequence.index(name) for name in set(sequence)}
    return first["expired"] < min(first["completed"], first["refunded"])


def _shuffled_deliveries(seed: int, count: int) -> list[tuple[str, ...]]:
    rng = random.Random(seed)
    found: list[tuple[str, ...]] = []
    while len(found) < count:
        sequence = ["completed", "completed", "refunded", "refunded", "expired", "expired"]
        rng.shuffle(sequence)
        if not _deliveries_with_expiry_first(tuple(sequence)) and tuple(sequence) not in found:
            found.append(tuple(sequence))
    return found


# Stripe never expires a session it was paid through, so a stray expiry can only trail a payment report here;
# an expiry that comes before any payment report is the failed-session case further down.
DELIVERY_ORDERS = [
    ("completed", "completed", "refunded", "refunded", "expired", "expired"),
    ("refunded", "completed", "expired", "refunded", "completed", "expired"),
    ("refunded", "refunded", "expired", "completed", "expired", "completed"),
    ("completed", "expired", "refunded", "expired", "completed", "refunded"),
    *_shuffled_deliveries(seed=6100, count=6),
]


@pytest.mark.parametrize("deliveries", DELIVERY_ORDERS, ids=["-".join(order) for order in DELIVERY_ORDERS])
def test_every_event_twice_in_any_order_settles_the_same_way_and_announces_each_change_once(deliver, deliveries):
    order, payment = stripe_card_order()
    events = {
        "completed": completed(payment),
        "refunded": charge_refunded(payment, amount_refunded=paise(payment)),
        "expired": expired(payment),
    }

    statuses = [deliver(events[name]).status_code for name in deliveries]

    assert statuses == [200] * len(deliveries)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.refunded_amount == payment.amount == Decimal("64.00")
    assert order.status == OrderStatus.CONFIRMED
    assert payment.refunds.get().status == RefundStatus.SUCCEEDED
    assert ProcessedWebhookEvent.objects.count() == 3
    assert events_of(EventType.PAYMENT_COMPLETED) == 1
    assert events_of(EventType.ORDER_CONFIRMED) == 1
    assert events_of(EventType.PAYMENT_REFUNDED) == 1
    assert events_of(EventType.PAYMENT_FAILED) == 0


def test_a_refund_is_matched_by_payment_intent_when_the_charge_carries_no_metadata(deliver):
    order, payment = stripe_card_order()
    deliver(completed(payment))

    response = deliver(charge_refunded(payment, amount_refunded=2000, with_metadata=False))

    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("20.00")
    assert payment.status == PaymentStatus.SUCCESS  # partly refunded payments stay paid


def test_partial_refunds_reported_by_stripe_add_up_to_its_running_total(deliver):
    order, payment = stripe_card_order()
    deliver(completed(payment))
    first, second = (charge_refunded(payment, amount_refunded=2000), charge_refunded(payment, amount_refunded=6400))

    for refund_event in (first, second, first, second):
        assert deliver(refund_event).status_code == 200

    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("64.00")
    assert payment.status == PaymentStatus.REFUNDED
    assert sorted(payment.refunds.values_list("amount", flat=True)) == [Decimal("20.00"), Decimal("44.00")]
    assert events_of(EventType.PAYMENT_REFUNDED) == 2


# Failed and expired sessions


@pytest.mark.parametrize("failure", ["checkout.session.expired", "checkout.session.async_payment_failed"])
def test_a_failed_or_expired_session_fails_the_payment_and_leaves_the_order_unpaid(deliver, failure):
    order, payment = stripe_card_order()
    stock = Product.objects.get(pk=order.lines.get().product_id).stock

    response = deliver(event(failure, session(payment, status="expired", payment_status="unpaid", intent=None)))

    assert response.status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert payment.failure_reason
    assert order.status == OrderStatus.CREATED
    assert order.payment_status == PaymentStatus.FAILED
    assert Product.objects.get(pk=order.lines.get().product_id).stock == stock  # the order still holds its items
    assert events_of(EventType.PAYMENT_FAILED) == 1
    assert events_of(EventType.ORDER_CONFIRMED) == 0


def test_a_completed_session_whose_money_is_still_on_its_way_confirms_only_when_it_arrives(deliver):
    order, payment = stripe_card_order()

    deliver(completed(payment, payment_status="unpaid"))
    order.refresh_from_db()
    assert order.status == OrderStatus.CREATED
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PENDING

    deliver(event("checkout.session.async_payment_succeeded", session(payment)))
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.SUCCESS


def test_money_taken_after_the_session_expired_goes_back_in_full_and_the_order_stays_unpaid(deliver, fake_stripe):
    order, payment = stripe_card_order()
    deliver(expired(payment))

    response = deliver(completed(payment))

    assert response.status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.CREATED
    assert order.payment_status == PaymentStatus.FAILED
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.refunded_amount == payment.amount
    (sent,) = fake_stripe.requests_to("/v1/refunds")
    assert sent.form["payment_intent"] == intent_of(payment)
    assert sent.form["amount"] == str(paise(payment))
    assert payment.refunds.get().reason == "Paid after the payment had already failed: refunded automatically."
    assert events_of(EventType.PAYMENT_COMPLETED) == 0
    assert events_of(EventType.ORDER_CONFIRMED) == 0
    assert events_of(EventType.PAYMENT_REFUNDED) == 1

    # Stripe's report of that refund, and the success again, change nothing more.
    deliver(charge_refunded(payment, amount_refunded=paise(payment)))
    deliver(completed(payment))
    payment.refresh_from_db()
    assert payment.refunds.count() == 1
    assert payment.refunded_amount == payment.amount
    assert len(fake_stripe.requests_to("/v1/refunds")) == 1


def test_a_top_up_paid_after_its_session_expired_is_credited_to_the_wallet_once(deliver):
    customer = customer_with_address()
    payment = wallet_topup_create(user=customer, amount=Decimal("500.00"), method=PaymentMethod.CARD)
    payment_start_checkout(payment=payment, success_url="https://shop.test/back", cancel_url="https://shop.test/back")
    payment.refresh_from_db()
    deliver(expired(payment))

    deliver(completed(payment))
    deliver(completed(payment))

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCESS
    assert wallet_balance(user=customer) == Decimal("500.00")


def test_a_refund_reported_for_a_payment_that_had_failed_is_acknowledged_and_records_nothing(deliver):
    order, payment = stripe_card_order()
    deliver(expired(payment))

    response = deliver(charge_refunded(payment, amount_refunded=paise(payment)))

    assert response.status_code == 200  # a 500 would make Stripe redeliver it for days
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert payment.refunded_amount == Decimal("0.00")
    assert not Refund.objects.exists()
    assert events_of(EventType.PAYMENT_REFUNDED) == 0


def test_after_an_expired_session_the_customer_can_pay_again_with_a_new_session(deliver, shopper, fake_stripe):
    order, first = stripe_card_order(user=shopper.user)
    deliver(expired(first))

    response = shopper.post(reverse("orders:pay", args=[order.number]))

    second = order.payments.get(status=PaymentStatus.PENDING)
    assert second.pk != first.pk
    assert response.status_code == 302
    assert response["Location"] == second.checkout_url
    retry = fake_stripe.requests_to("/v1/checkout/sessions")[-1]
    assert retry.form["metadata[payment_id]"] == str(second.pk)
    assert retry.headers["idempotency-key"] == checkout_key(second, int(retry.form["expires_at"]))

    deliver(completed(second))
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert order.payment_status == PaymentStatus.SUCCESS


# Session creation and refunds against the local Stripe


def test_checkout_by_card_opens_a_stripe_session_for_the_order_and_sends_the_customer_there(
    shopper, fake_stripe, settings
):
    delivery_zone()
    cart_with(shopper.user, (ProductFactory(price=Decimal("32.50"), stock=10), 3))
    address = shopper.user.addresses.get(is_default=True)
    now = timezone.now().replace(microsecond=0)

    with time_machine.travel(now, tick=False):
        response = shopper.post(
            reverse("orders:checkout"), {"address": address.pk, "slot": open_slot().key, "method": PaymentMethod.CARD}
        )

    order = Order.objects.get(user=shopper.user)
    payment = order.payments.get()
    (sent,) = fake_stripe.requests_to("/v1/checkout/sessions")
    assert response.status_code == 302
    assert response["Location"] == payment.checkout_url
    assert response["Location"].startswith("https://checkout.stripe.test/c/pay/cs_test_")
    assert payment.transaction_id == response["Location"].rsplit("/", 1)[1]
    assert payment.provider == "stripe"
    assert sent.headers["authorization"] == f"Bearer {SECRET_KEY}"
    closes = int((now + timedelta(minutes=settings.UNPAID_ORDER_TIMEOUT_MINUTES)).timestamp())
    assert sent.headers["idempotency-key"] == checkout_key(payment, closes)
    assert payment.checkout_expires_at.timestamp() == closes
    back = f"http://testserver{order.get_absolute_url()}"
    assert sent.form == {
        "mode": "payment",
        "client_reference_id": str(payment.pk),
        "customer_email": shopper.user.email,
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "inr",
        "line_items[0][price_data][unit_amount]": "9750",
        "line_items[0][price_data][product_data][name]": f"Milkshop order {order.number}",
        "metadata[payment_id]": str(payment.pk),
        "metadata[order_number]": order.number,
        "payment_intent_data[metadata][payment_id]": str(payment.pk),
        "payment_intent_data[metadata][order_number]": order.number,
        "success_url": back,
        "cancel_url": back,
        "expires_at": str(closes),
    }


def test_cancelling_a_paid_stripe_order_refunds_through_stripe_once(shopper, deliver, fake_stripe):
    order, payment = stripe_card_order(user=shopper.user)
    deliver(completed(payment))

    response = shopper.post(reverse("orders:cancel", args=[order.number]))

    assert response.status_code == 302
    refund = payment.refunds.get()
    (sent,) = fake_stripe.requests_to("/v1/refunds")
    assert sent.form == {
        "payment_intent": intent_of(payment),
        "amount": "6400",
        "metadata[refund_id]": str(refund.pk),
        "metadata[payment_id]": str(payment.pk),
    }
    assert sent.headers["idempotency-key"] == f"refund-{refund.idempotency_key}"
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert payment.status == PaymentStatus.REFUNDED
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.provider_reference.startswith("re_test_")

    # Stripe then reports the refund it made for us; it must not be counted twice.
    assert deliver(charge_refunded(payment, amount_refunded=paise(payment))).status_code == 200
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("64.00")
    assert payment.refunds.count() == 1
    assert events_of(EventType.PAYMENT_REFUNDED) == 1


# Stripe unavailable


@pytest.mark.parametrize("outage", ["server-error", "connection-refused"])
def test_stripe_failing_at_checkout_shows_a_clear_message_and_keeps_the_order_unpaid(
    shopper, fake_stripe, settings, outage
):
    if outage == "server-error":
        fake_stripe.fail_with(500)
    else:
        settings.STRIPE_API_BASE = refused_url()
    delivery_zone()
    product = ProductFactory(price=Decimal("32.00"), stock=10)
    cart_with(shopper.user, (product, 2))
    address = shopper.user.addresses.get(is_default=True)

    response = shopper.post(
        reverse("orders:checkout"),
        {"address": address.pk, "slot": open_slot().key, "method": PaymentMethod.CARD},
        follow=True,
    )

    order = Order.objects.get(user=shopper.user)
    payment = order.payments.get()
    assert response.status_code == 200
    assert response.redirect_chain == [(order.get_absolute_url(), 302)]
    assert GATEWAY_DOWN in response.content.decode()
    assert order.status == OrderStatus.CREATED
    assert order.payment_status == PaymentStatus.PENDING
    assert payment.status == PaymentStatus.PENDING
    assert payment.checkout_url == ""
    product.refresh_from_db()
    assert product.stock == 8
    if outage == "server-error":
        # The SDK retried, and every attempt carried the same key, so Stripe could never open two sessions.
        attempts = fake_stripe.requests_to("/v1/checkout/sessions")
        closes = {int(request.form["expires_at"]) for request in attempts}
        assert len(attempts) == 3
        assert len(closes) == 1
        assert {request.headers["idempotency-key"] for request in attempts} == {checkout_key(payment, closes.pop())}


def test_once_stripe_is_back_the_customer_pays_the_same_order(shopper, fake_stripe):
    order = place_order(user=shopper.user, method=PaymentMethod.CARD)
    fake_stripe.fail_with(500)
    shopper.post(reverse("orders:pay", args=[order.number]))
    fake_stripe.fail_with(None)

    response = shopper.post(reverse("orders:pay", args=[order.number]))

    payment = order.payments.get()
    assert response.status_code == 302
    assert response["Location"] == payment.checkout_url
    assert response["Location"].startswith("https://checkout.stripe.test/")


def test_a_refund_stripe_refuses_is_kept_as_failed_and_the_payment_stays_paid(
    deliver, fake_stripe, django_capture_on_commit_callbacks
):
    order, payment = stripe_card_order()
    deliver(completed(payment))
    fake_stripe.fail_with(500)

    with django_capture_on_commit_callbacks():
        order_cancel(order=order, by=order.user, reason="Cancelled by the customer")
    refund = payment.refunds.get()
    # What the queued task does; it fails loudly so that django-q keeps it as a failed task.
    with pytest.raises(GatewayError, match="could not be sent"):
        send_refund(refund.pk)

    order.refresh_from_db()
    payment.refresh_from_db()
    refund.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert payment.status == PaymentStatus.SUCCESS
    assert payment.refunded_amount == Decimal("0.00")
    assert refund.status == RefundStatus.FAILED
    assert "could not be sent" in refund.last_error
    assert len(fake_stripe.requests_to("/v1/refunds")) == 3  # the SDK's own retries, all refused
    assert {request.headers["idempotency-key"] for request in fake_stripe.requests_to("/v1/refunds")} == {
        f"refund-{refund.idempotency_key}"
    }


def test_staff_send_a_refund_stripe_refused_again_and_the_money_goes_back(
    client, staff, deliver, fake_stripe, django_capture_on_commit_callbacks
):
    order, payment = stripe_card_order()
    deliver(completed(payment))
    fake_stripe.fail_with(500)
    # The refund task runs inline and fails loudly, as django-q records it.
    with pytest.raises(GatewayError), django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, by=order.user, reason="Cancelled by the customer")
    refund = payment.refunds.get()
    assert refund.status == RefundStatus.FAILED
    fake_stripe.fail_with(None)

    response = client.post(
        reverse("admin:payments_refund_changelist"), {"action": "retry", "_selected_action": [refund.pk]}, follow=True
    )

    assert "1 failed refund(s) sent again." in response.content.decode()
    refund.refresh_from_db()
    payment.refresh_from_db()
    order.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.provider_reference.startswith("re_test_")
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, payment.amount)
    assert order.payment_status == PaymentStatus.REFUNDED
    assert len(fake_stripe.requests_to("/v1/refunds")) == 4  # three refused attempts, then the one sent again
