"""What a provider's verdict on a payment does: the same path for Stripe's webhook and the demo gateway."""

import logging

from django.db import transaction

from orders.services import order_payment_failed, order_payment_succeeded
from payments.models import ONLINE_METHODS, Payment, PaymentPurpose, PaymentStatus
from payments.services import payment_transition, refund_create, wallet_topup_credit

logger = logging.getLogger(__name__)
LATE_PAYMENT_REFUND_REASON = "Paid after the payment had already failed: refunded automatically."


@transaction.atomic
def payment_succeeded(*, payment_id: int, reference: str = "") -> Payment:
    """Mark a pending payment paid and let its order or top-up follow; a repeat report changes nothing.

    Money reported for a payment that had already failed is not lost: see _paid_after_failing."""
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.status == PaymentStatus.FAILED and payment.method in ONLINE_METHODS:
        return _paid_after_failing(payment=payment, reference=reference)
    if payment.status != PaymentStatus.PENDING:
        return payment
    if reference:
        payment.transaction_id = reference
        payment.save(update_fields=["transaction_id", "updated_at"])
    payment_transition(payment=payment, to=PaymentStatus.SUCCESS)
    if payment.purpose == PaymentPurpose.ORDER:
        order_payment_succeeded(payment=payment)
    else:
        wallet_topup_credit(payment=payment)
    return payment


@transaction.atomic
def payment_declined(*, payment_id: int, reason: str) -> Payment:
    """Mark a pending payment failed; one already settled stays as it is (reports may arrive out of order)."""
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    if payment.status != PaymentStatus.PENDING:
        return payment
    payment_transition(payment=payment, to=PaymentStatus.FAILED, reason=reason)
    if payment.purpose == PaymentPurpose.ORDER:
        order_payment_failed(payment=payment)
    return payment


def _paid_after_failing(*, payment: Payment, reference: str) -> Payment:
    """The provider took the money after we had given up on the payment (a bank that confirmed after the
    checkout session expired). The order stopped waiting for it, so an order's money goes back in full through
    the provider; a top-up is credited to the wallet, which is what the customer paid for.

    FAILED is otherwise final: this is the one way out of it, and it announces no payment_completed (the
    order was never confirmed by it); the refund announces itself when it is paid back."""
    payment.status = PaymentStatus.SUCCESS
    payment.transaction_id = reference or payment.transaction_id
    payment.save(update_fields=["status", "transaction_id", "updated_at"])
    if payment.purpose == PaymentPurpose.ORDER:
        refund_create(payment=payment, amount=payment.amount, reason=LATE_PAYMENT_REFUND_REASON)
        logger.warning("Payment %s was paid after it had failed; refunding it in full.", payment.pk)
    else:
        wallet_topup_credit(payment=payment)
        logger.warning("Top-up %s was paid after it had failed; credited to the wallet.", payment.pk)
    return payment
