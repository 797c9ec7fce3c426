from django.conf import settings

from payments.gateways.base import CheckoutStart, Gateway, GatewayError
from payments.gateways.demo import DemoGateway
from payments.gateways.stripe_gateway import StripeGateway

__all__ = ["CheckoutStart", "Gateway", "GatewayError", "online_gateway", "gateway_named"]


def stripe_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def online_gateway() -> Gateway | None:
    """Stripe when configured, else the demo gateway when allowed, else None (no card or UPI)."""
    if stripe_enabled():
        return StripeGateway()
    if settings.PAYMENTS_DEMO_GATEWAY:
        return DemoGateway()
    return None


def gateway_named(name: str) -> Gateway:
    """The gateway that took a payment, to refund it the same way."""
    gateways = {"stripe": StripeGateway, "demo": DemoGateway}
    if name not in gateways:
        raise GatewayError(f"No gateway called {name!r}.")
    return gateways[name]()
