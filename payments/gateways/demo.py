from django.urls import reverse

from payments.gateways.base import CheckoutStart
from payments.models import Payment, Refund


class DemoGateway:
    """A local stand-in for a card/UPI provider: a page where the customer approves or declines."""

    name = "demo"

    def start_checkout(self, *, payment: Payment, success_url: str, cancel_url: str, expires_at) -> CheckoutStart:
        return CheckoutStart(
            redirect_url=reverse("payments:demo_checkout", args=[payment.idempotency_key]),
            reference=f"demo_{payment.idempotency_key.hex}",
        )

    def expire_checkout(self, *, payment: Payment) -> None:
        """Nothing to close: the demo page refuses any payment that is no longer pending."""

    def refund(self, *, refund: Refund) -> str:
        return f"demo_refund_{refund.idempotency_key.hex}"
