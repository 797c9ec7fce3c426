from dataclasses import dataclass
from typing import Protocol

from payments.models import Payment, Refund


class GatewayError(Exception):
    """The payment provider could not do what was asked; the message is safe to show."""


@dataclass(frozen=True)
class CheckoutStart:
    redirect_url: str
    reference: str


class Gateway(Protocol):
    """An online payment provider for card and UPI payments."""

    name: str

    def start_checkout(self, *, payment: Payment, success_url: str, cancel_url: str, expires_at) -> CheckoutStart:
        """Open a payment page that closes at expires_at."""
        ...

    def expire_checkout(self, *, payment: Payment) -> None:
        """Close the payment page of a payment that was called off."""
        ...

    def refund(self, *, refund: Refund) -> str:
        """Pay the refund back to the original method; returns the provider's reference."""
        ...
