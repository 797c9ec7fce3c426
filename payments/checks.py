from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=False)
def demo_gateway_only_in_development(app_configs, **kwargs):
    if settings.PAYMENTS_DEMO_GATEWAY and not settings.DEBUG:
        return [
            Error(
                "The demo payment gateway is enabled with DEBUG off: anyone could approve their own payments.",
                hint="Unset PAYMENTS_DEMO_GATEWAY and configure STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET.",
                id="payments.E001",
            )
        ]
    return []


@register(deploy=False)
def unpaid_timeout_fits_stripe(app_configs, **kwargs):
    from payments.gateways import stripe_enabled

    if stripe_enabled() and not 30 <= settings.UNPAID_ORDER_TIMEOUT_MINUTES <= 24 * 60:
        return [
            Error(
                "UNPAID_ORDER_TIMEOUT_MINUTES must be from 30 to 1440 with Stripe: its payment pages close at that "
                "time and Stripe allows only that range.",
                id="payments.E002",
            )
        ]
    return []
