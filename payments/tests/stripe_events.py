"""Orders paid through Stripe, and the webhook events Stripe sends about them."""

import random
import time

from orders.models import Order
from orders.tests.factories import place_order
from payments.models import Payment, PaymentMethod
from payments.services import payment_start_checkout

SECRET_KEY = "sk_test_milkshop"
WEBHOOK_SECRET = "whsec_test_milkshop"
WEBHOOK_URL = "/payments/stripe/webhook/"
BACK = "https://shop.test/back"


def stripe_card_order(user=None) -> tuple[Order, Payment]:
    """A card order whose Stripe Checkout Session is open, reached through order_place and payment_start_checkout."""
    order = place_order(user=user, method=PaymentMethod.CARD)
    payment = order.payments.get()
    payment_start_checkout(payment=payment, success_url=BACK, cancel_url=BACK)
    payment.refresh_from_db()
    return order, payment


def paise(payment: Payment) -> int:
    return int(payment.amount * 100)


def intent_of(payment: Payment) -> str:
    return f"pi_test_{payment.idempotency_key.hex[:16]}"


def checkout_key(payment: Payment, expires_at: int) -> str:
    """The idempotency key of the session opened for payment that closes at expires_at (a Unix time)."""
    return f"checkout-{payment.idempotency_key}-{expires_at}"


def event(event_type: str, obj: dict) -> dict:
    return {
        "id": f"evt_test_{random.getrandbits(64):016x}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": obj},
    }


def session(payment: Payment, *, status="complete", payment_status="paid", intent: str | None = "") -> dict:
    return {
        "id": payment.transaction_id,
        "object": "checkout.session",
        "client_reference_id": str(payment.pk),
        "metadata": {
            "payment_id": str(payment.pk),
            **({"order_number": payment.order.number} if payment.order else {}),
        },
        "amount_total": paise(payment),
        "currency": "inr",
        "status": status,
        "payment_status": payment_status,
        "payment_intent": intent_of(payment) if intent == "" else intent,
    }


def completed(payment: Payment, **fields) -> dict:
    return event("checkout.session.completed", session(payment, **fields))


def expired(payment: Payment) -> dict:
    return event("checkout.session.expired", session(payment, status="expired", payment_status="unpaid", intent=None))


def charge_refunded(payment: Payment, *, amount_refunded: int, with_metadata: bool = True) -> dict:
    charge = {
        "id": f"ch_test_{payment.pk}",
        "object": "charge",
        "amount": paise(payment),
        "amount_refunded": amount_refunded,
        "currency": "inr",
        "payment_intent": intent_of(payment),
        "refunded": amount_refunded == paise(payment),
        # Stripe copies the payment intent's metadata (payment_intent_data.metadata) onto its charges.
        "metadata": {"payment_id": str(payment.pk)} if with_metadata else {},
    }
    return event("charge.refunded", charge)
