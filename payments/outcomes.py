"""What a provider's verdict on a payment does: the same path for Stripe's webhook and the demo gateway."""

from django.db import transaction

from orders.services import order_payment_failed, order_payment_succeeded
from payments.models import Payment, PaymentPurpose, PaymentStatus
from payments.services import payment_transition, wallet_topup_credit


@transaction.atomic
def payment_succeeded(*, payment_id: int, reference: str = "") -> Payment:
    """Mark a pending payment paid and let its order or top-up follow; a repeat report changes nothing."""
    payment = Payment.objects.select_for_update().get(pk=payment_id)
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
