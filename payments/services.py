"""Every write to payments, refunds and the wallet ledger."""

from datetime import timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from milkshop.money import format_money
from milkshop.taskqueue.services import enqueue
from payments.gateways import GatewayError, gateway_named, online_gateway
from payments.models import (
    PAYMENT_TRANSITIONS,
    Payment,
    PaymentMethod,
    PaymentPurpose,
    PaymentStatus,
    Refund,
    RefundStatus,
    Wallet,
    WalletEntry,
    WalletEntryKind,
)
from payments.signals import payment_completed, payment_failed, payment_refunded


class PaymentError(Exception):
    """A payment change that is not allowed; the message is for people."""


class InsufficientWalletBalance(PaymentError):
    pass


def payment_transition(*, payment: Payment, to: str, reason: str = "") -> Payment:
    """Move a payment along PAYMENT_TRANSITIONS and announce it after commit. Call with the row locked."""
    if to not in PAYMENT_TRANSITIONS[payment.status]:
        raise PaymentError(
            f"A {payment.get_status_display().lower()} payment cannot become {PaymentStatus(to).label.lower()}."
        )
    payment.status = to
    if reason:
        payment.failure_reason = reason[:255]
    payment.save(update_fields=["status", "failure_reason", "updated_at"])
    signal = {PaymentStatus.SUCCESS: payment_completed, PaymentStatus.FAILED: payment_failed}.get(to)
    if signal is not None:
        transaction.on_commit(partial(signal.send, sender=Payment, payment_id=payment.pk))
    return payment


def payment_void(*, payment: Payment, reason: str) -> Payment:
    """A pending payment that will never be made (the order was cancelled, or is paid another way): FAILED,
    quietly, since nothing was charged and nothing is owed. An open gateway page is expired after commit, so it
    cannot take money for it. Call with the payment locked."""
    if payment.status != PaymentStatus.PENDING:
        raise PaymentError("Only a pending payment can be called off.")
    payment.status = PaymentStatus.FAILED
    payment.failure_reason = reason[:255]
    payment.save(update_fields=["status", "failure_reason", "updated_at"])
    if payment.checkout_url and payment.provider:
        transaction.on_commit(
            partial(enqueue, "payments.tasks.expire_checkout", payment.pk, task_name=f"expire-checkout:{payment.pk}")
        )
    return payment


def payment_expire_checkout(*, payment_id: int) -> None:
    """Close a void payment's page at its gateway (a task: the provider is called outside every lock)."""
    payment = Payment.objects.get(pk=payment_id)
    if payment.status == PaymentStatus.PENDING or not payment.transaction_id:
        return
    gateway_named(payment.provider).expire_checkout(payment=payment)


def payment_create(
    *, user: User, amount: Decimal, method: str, order=None, purpose: str = PaymentPurpose.ORDER, provider: str = ""
) -> Payment:
    return Payment.objects.create(
        user=user, order=order, amount=amount, method=method, purpose=purpose, provider=provider
    )


def payment_start_checkout(*, payment: Payment, success_url: str, cancel_url: str, now=None) -> str:
    """Open the provider's payment page for a pending online payment; returns where to send the customer.

    A page opened before and still open is used again. A page expires UNPAID_ORDER_TIMEOUT_MINUTES after it was
    opened; the unpaid-order sweep waits for that, and cancelling the order closes it sooner."""
    now = now or timezone.now()
    gateway = online_gateway()
    if gateway is None:
        raise PaymentError("Card and UPI payments are not available right now. Choose cash on delivery or your wallet.")
    if payment.status != PaymentStatus.PENDING:
        raise PaymentError("This payment is already settled.")
    if (
        payment.checkout_url
        and payment.provider == gateway.name
        and payment.checkout_expires_at
        and (payment.checkout_expires_at > now + timedelta(minutes=1))
    ):
        return payment.checkout_url
    expires_at = now + timedelta(minutes=settings.UNPAID_ORDER_TIMEOUT_MINUTES)
    try:
        start = gateway.start_checkout(
            payment=payment, success_url=success_url, cancel_url=cancel_url, expires_at=expires_at
        )
    except GatewayError as error:
        raise PaymentError(str(error)) from error
    Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
        provider=gateway.name,
        transaction_id=start.reference,
        checkout_url=start.redirect_url,
        checkout_expires_at=expires_at,
    )
    return start.redirect_url


def payment_cash_received(*, user: User, amount: Decimal, purpose: str, received_by: User | None) -> Payment:
    """Cash taken by hand (a monthly account's payment to a rider or the shop): a payment made and settled at once."""
    payment = Payment.objects.create(
        user=user, amount=amount, method=PaymentMethod.CASH, purpose=purpose, provider="cash", received_by=received_by
    )
    return payment_transition(payment=payment, to=PaymentStatus.SUCCESS)


def wallet_topup_create(*, user: User, amount: Decimal, method: str) -> Payment:
    if method not in (PaymentMethod.CARD, PaymentMethod.UPI):
        raise PaymentError("Top up by card or UPI.")
    return payment_create(user=user, amount=amount, method=method, purpose=PaymentPurpose.WALLET_TOPUP)


# Wallet


def _locked_wallet(user: User) -> Wallet:
    Wallet.objects.get_or_create(user=user)
    return Wallet.objects.select_for_update().get(user=user)


def _balance(wallet: Wallet) -> Decimal:
    return WalletEntry.objects.filter(wallet=wallet).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


@transaction.atomic
def wallet_credit(*, user: User, amount: Decimal, kind: str, note: str = "", **links) -> WalletEntry:
    wallet = _locked_wallet(user)
    return WalletEntry.objects.create(wallet=wallet, kind=kind, amount=amount, note=note, **links)


@transaction.atomic
def wallet_debit(*, user: User, amount: Decimal, kind: str, note: str = "", **links) -> WalletEntry:
    """Take money from the wallet; the balance is checked under the wallet's row lock and never goes below zero."""
    wallet = _locked_wallet(user)
    balance = _balance(wallet)
    if balance < amount:
        raise InsufficientWalletBalance(
            f"Your wallet has {format_money(balance)}, which does not cover {format_money(amount)}. Top up or pick another way to pay."
        )
    return WalletEntry.objects.create(wallet=wallet, kind=kind, amount=-amount, note=note, **links)


@transaction.atomic
def wallet_pay(*, user: User, amount: Decimal, order) -> Payment:
    """Pay an order from the wallet at once: a debit and a successful payment."""
    payment = payment_create(user=user, amount=amount, method=PaymentMethod.WALLET, order=order, provider="wallet")
    wallet_debit(
        user=user,
        amount=amount,
        kind=WalletEntryKind.ORDER_DEBIT,
        order=order,
        payment=payment,
        note=f"Order {order.number}",
    )
    payment_transition(payment=payment, to=PaymentStatus.SUCCESS)
    return payment


@transaction.atomic
def wallet_topup_credit(*, payment: Payment) -> WalletEntry | None:
    """Credit a successful top-up once, however many times its success is reported."""
    if WalletEntry.objects.filter(payment=payment, kind=WalletEntryKind.TOPUP).exists():
        return None
    return wallet_credit(
        user=payment.user, amount=payment.amount, kind=WalletEntryKind.TOPUP, payment=payment, note="Top-up"
    )


# Refunds


def refund_create(*, payment: Payment, amount: Decimal, reason: str, to_wallet: bool = False) -> Refund:
    """Record a refund to be paid back; wallet and cash refunds (and any with to_wallet) complete at once.

    Call with the payment locked."""
    if amount <= 0 or amount > payment.refundable_amount:
        raise PaymentError(
            f"Cannot refund {format_money(amount)}: {format_money(payment.refundable_amount)} of this payment is refundable."
        )
    refund = Refund.objects.create(payment=payment, amount=amount, reason=reason)
    if payment.method == PaymentMethod.POSTPAID:
        # Billed to a monthly account: the money goes back on its ledger (orders.workflows credits it).
        refund_complete(refund=refund, provider_reference="account")
    elif to_wallet or payment.method in (PaymentMethod.WALLET, PaymentMethod.CASH):
        # Wallet payments, cash already collected, and refunds the shop sends to the wallet go back at once.
        wallet_credit(
            user=payment.user,
            amount=amount,
            kind=WalletEntryKind.REFUND,
            order=payment.order,
            payment=payment,
            refund=refund,
            note=reason,
        )
        refund_complete(refund=refund, provider_reference="wallet")
    else:
        # The provider is called after commit, outside every row lock.
        transaction.on_commit(
            partial(enqueue, "payments.tasks.send_refund", refund.pk, task_name=f"refund:{refund.pk}")
        )
    return refund


def refund_complete(*, refund: Refund, provider_reference: str) -> Refund:
    """The money went back: count it against the payment, which becomes REFUNDED once fully refunded."""
    if refund.status == RefundStatus.SUCCEEDED:
        return refund
    payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
    refund.status = RefundStatus.SUCCEEDED
    refund.provider_reference = provider_reference
    refund.save(update_fields=["status", "provider_reference", "updated_at"])
    payment.refunded_amount += refund.amount
    payment.save(update_fields=["refunded_amount", "updated_at"])
    if payment.refunded_amount == payment.amount:
        payment_transition(payment=payment, to=PaymentStatus.REFUNDED)
    transaction.on_commit(partial(payment_refunded.send, sender=Payment, payment_id=payment.pk, refund_id=refund.pk))
    return refund


def refund_fail(*, refund: Refund, error: str) -> Refund:
    refund.status = RefundStatus.FAILED
    refund.last_error = error[:2000]
    refund.save(update_fields=["status", "last_error", "updated_at"])
    return refund


def refunds_retry_failed(*, refunds) -> int:
    """Send failed refunds again (from the admin); each runs in its own task, outside any lock."""
    failed = list(refunds.filter(status=RefundStatus.FAILED).values_list("pk", flat=True))
    for refund_id in failed:
        enqueue("payments.tasks.send_refund", refund_id, task_name=f"refund:{refund_id}")
    return len(failed)


def refund_send(*, refund_id: int) -> str | None:
    """Ask the provider to pay a pending refund back; returns its reference (None if it was already paid back).

    Call outside every lock; orders.workflows.refund_settle records the result."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if refund.status == RefundStatus.SUCCEEDED:
        return None
    try:
        return gateway_named(refund.payment.provider).refund(refund=refund)
    except GatewayError as error:
        refund_fail(refund=refund, error=str(error))
        raise


# Many at once (the nightly subscription run)


def payments_create_many(*, payments: list[Payment]) -> list[Payment]:
    return Payment.objects.bulk_create(payments)


def wallets_lock_balances(*, user_ids: list[int]) -> dict[int, Decimal]:
    """Lock the customers' wallets (in pk order) and read their balances."""
    if not user_ids:
        return {}
    Wallet.objects.bulk_create([Wallet(user_id=user_id) for user_id in user_ids], ignore_conflicts=True)
    wallets = list(Wallet.objects.select_for_update().filter(user_id__in=user_ids).order_by("pk"))
    totals = dict(
        WalletEntry.objects.filter(wallet__in=wallets)
        .values("wallet_id")
        .annotate(total=Sum("amount"))
        .values_list("wallet_id", "total")
    )
    return {wallet.user_id: totals.get(wallet.pk) or Decimal("0") for wallet in wallets}


def wallets_pay_many(*, payments: list[Payment], note: str) -> None:
    """Debit the wallets (locked, balances checked by wallets_lock_balances) for these successful wallet payments."""
    if not payments:
        return
    wallets = dict(Wallet.objects.filter(user_id__in={p.user_id for p in payments}).values_list("user_id", "pk"))
    WalletEntry.objects.bulk_create(
        WalletEntry(
            wallet_id=wallets[payment.user_id],
            kind=WalletEntryKind.ORDER_DEBIT,
            amount=-payment.amount,
            order_id=payment.order_id,
            payment=payment,
            note=note,
        )
        for payment in payments
    )
