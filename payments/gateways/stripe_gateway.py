from decimal import Decimal

import stripe
from django.conf import settings

from payments.gateways.base import CheckoutStart, GatewayError
from payments.models import Payment, PaymentPurpose, Refund


def to_paise(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def stripe_client() -> stripe.StripeClient:
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses=base, max_network_retries=2)


class StripeGateway:
    """Stripe Checkout: the customer pays on Stripe's page; the webhook reports the outcome."""

    name = "stripe"

    def start_checkout(self, *, payment: Payment, success_url: str, cancel_url: str, expires_at) -> CheckoutStart:
        if payment.purpose == PaymentPurpose.ORDER:
            description = f"{settings.SHOP_NAME} order {payment.order.number}"
        elif payment.purpose == PaymentPurpose.ACCOUNT:
            description = f"{settings.SHOP_NAME} monthly account payment"
        else:
            description = f"{settings.SHOP_NAME} wallet top-up"
        metadata = {"payment_id": str(payment.pk), "order_number": payment.order.number if payment.order_id else ""}
        try:
            session = stripe_client().v1.checkout.sessions.create(
                params={
                    "mode": "payment",
                    "client_reference_id": str(payment.pk),
                    "customer_email": payment.user.email,
                    "line_items": [
                        {
                            "quantity": 1,
                            "price_data": {
                                "currency": settings.CURRENCY.lower(),
                                "unit_amount": to_paise(payment.amount),
                                "product_data": {"name": description},
                            },
                        }
                    ],
                    "metadata": metadata,
                    "payment_intent_data": {"metadata": metadata},
                    "success_url": success_url,
                    "cancel_url": cancel_url,
                    "expires_at": int(expires_at.timestamp()),
                },
                options={"idempotency_key": f"checkout-{payment.idempotency_key}-{int(expires_at.timestamp())}"},
            )
        except stripe.StripeError as error:
            raise GatewayError("The card payment service is not answering. Please try again in a minute.") from error
        return CheckoutStart(redirect_url=session.url, reference=session.id)

    def expire_checkout(self, *, payment: Payment) -> None:
        """Close the Checkout Session so it can take no money; one already closed or paid is left as it is."""
        if not payment.transaction_id.startswith("cs_"):
            return
        try:
            stripe_client().v1.checkout.sessions.expire(payment.transaction_id)
        except stripe.InvalidRequestError:
            return  # already expired or completed; a late payment is refunded when its report arrives
        except stripe.StripeError as error:
            raise GatewayError("The card payment service did not close the payment page.") from error

    def refund(self, *, refund: Refund) -> str:
        payment = refund.payment
        if not payment.transaction_id.startswith("pi_"):
            raise GatewayError(f"Payment {payment.pk} has no Stripe payment intent to refund.")
        try:
            result = stripe_client().v1.refunds.create(
                params={
                    "payment_intent": payment.transaction_id,
                    "amount": to_paise(refund.amount),
                    "metadata": {"refund_id": str(refund.pk), "payment_id": str(payment.pk)},
                },
                options={"idempotency_key": f"refund-{refund.idempotency_key}"},
            )
        except stripe.StripeError as error:
            raise GatewayError("The refund could not be sent to the card payment service.") from error
        return result.id
