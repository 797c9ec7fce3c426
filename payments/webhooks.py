"""Stripe's webhook events, each handled once, in whatever order they arrive."""

import logging
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from orders.workflows import payment_declined, payment_succeeded, refund_record_external
from payments.models import Payment, PaymentStatus, ProcessedWebhookEvent, RefundStatus

logger = logging.getLogger(__name__)


def _payment_for(obj) -> Payment | None:
    metadata = obj.get("metadata") or {}
    payment_id = metadata.get("payment_id") or obj.get("client_reference_id")
    if payment_id and str(payment_id).isdigit():
        return Payment.objects.filter(pk=int(payment_id)).first()
    intent = obj.get("payment_intent")
    return Payment.objects.filter(transaction_id=intent).first() if intent else None


def _paid(session) -> None:
    if (payment := _payment_for(session)) is None:
        return
    payment_succeeded(payment_id=payment.pk, reference=session.get("payment_intent") or session.get("id", ""))


def _session_paid(session) -> None:
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return  # UPI and other delayed methods report later with async_payment_succeeded
    _paid(session)


def _session_async_paid(session) -> None:
    _paid(session)


def _session_failed(session) -> None:
    if payment := _payment_for(session):
        payment_declined(payment_id=payment.pk, reason="The payment was not completed.")


def _charge_refunded(charge) -> None:
    payment = _payment_for(charge)
    if payment is None:
        return
    if payment.status == PaymentStatus.PENDING:
        # The refund overtook the payment's own success event: the money did arrive first.
        payment = payment_succeeded(payment_id=payment.pk, reference=charge.get("payment_intent", ""))
    if payment.status == PaymentStatus.FAILED:
        # Money we never counted went back to the customer: nothing to record, and a 500 would only
        # make Stripe redeliver the event for days.
        logger.warning("Stripe refunded charge %s of payment %s, which had failed.", charge.get("id"), payment.pk)
        return
    refunded = Decimal(charge.get("amount_refunded", 0)) / 100
    known = payment.refunds.exclude(status=RefundStatus.FAILED).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    if refunded > known:
        payment.refresh_from_db()
        refund_record_external(payment=payment, amount=refunded - known, reference=charge.get("id", ""))


HANDLERS = {
    "checkout.session.completed": _session_paid,
    "checkout.session.async_payment_succeeded": _session_async_paid,
    "checkout.session.async_payment_failed": _session_failed,
    "checkout.session.expired": _session_failed,
    "charge.refunded": _charge_refunded,
}


def stripe_event_handle(event: dict) -> bool:
    """Apply one verified event; False when it was seen before (a replay changes nothing)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                ProcessedWebhookEvent.objects.create(provider="stripe", event_id=event["id"], event_type=event["type"])
        except IntegrityError:
            return False
        if handler := HANDLERS.get(event["type"]):
            handler(event["data"]["object"])
    return True
