"""Stripe for the payments tests: the shop's Stripe settings point at a local stand-in for Stripe's API."""

import json

import pytest
import stripe

from orders.tests.factories import customer_with_address
from payments.tests.stripe_events import SECRET_KEY, WEBHOOK_SECRET, WEBHOOK_URL
from payments.tests.stripe_fake import FakeStripe


@pytest.fixture
def fake_stripe():
    server = FakeStripe().start()
    yield server
    server.stop()


@pytest.fixture
def stripe_on(settings, fake_stripe):
    """Card and UPI go through Stripe (the local one); the demo gateway is off."""
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake_stripe.url
    settings.PAYMENTS_DEMO_GATEWAY = False
    return fake_stripe


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """POST a webhook as Stripe does, signed by the stripe library; after-commit events run as in production."""

    def deliver(event, *, secret=WEBHOOK_SECRET, timestamp=None, header=None):
        payload = event if isinstance(event, str) else json.dumps(event)
        if header is None:
            header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                WEBHOOK_URL, data=payload, content_type="application/json", headers={"Stripe-Signature": header}
            )

    return deliver


@pytest.fixture
def shopper(client, django_capture_on_commit_callbacks):
    """A signed-in customer's browser; after-commit work (tasks, signals) runs as it would after a real request."""

    class Shopper:
        user = customer_with_address()

        def post(self, url, data=None, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return client.post(url, data or {}, **kwargs)

    client.force_login(Shopper.user)
    return Shopper()
