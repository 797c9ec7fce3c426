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
