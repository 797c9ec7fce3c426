import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from milkshop.customer_versions import OwnedQuerySet


class PaymentMethod(models.TextChoices):
    CARD = "CARD", "Card"
    UPI = "UPI", "UPI"
    CASH = "CASH", "Cash on delivery"
    WALLET = "WALLET", "Wallet"
    POSTPAID = "POSTPAID", "Monthly account"


ONLINE_METHODS = (PaymentMethod.CARD, PaymentMethod.UPI)


class PaymentStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    SUCCESS = "SUCCESS", "Paid"
    FAILED = "FAILED", "Failed"
    REFUNDED = "REFUNDED", "Refunded"


# Partial refunds keep SUCCESS until the whole amount is refunded.
PAYMENT_TRANSITIONS = {
    PaymentStatus.PENDING: {PaymentStatus.SUCCESS, PaymentStatus.FAILED},
    PaymentStatus.SUCCESS: {PaymentStatus.REFUNDED},
    PaymentStatus.FAILED: set(),
    PaymentStatus.REFUNDED: set(),
}


class PaymentPurpose(models.TextChoices):
    ORDER = "ORDER", "Order"
    WALLET_TOPUP = "WALLET_TOPUP", "Wallet top-up"
    ACCOUNT = "ACCOUNT", "Monthly account payment"


class Payment(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments")
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    purpose = models.CharField(max_length=20, choices=PaymentPurpose.choices, default=PaymentPurpose.ORDER)
    method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    status = models.CharField(max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    provider = models.CharField(max_length=20, blank=True, help_text="stripe, demo, cash or wallet.")
    transaction_id = models.CharField(max_length=255, blank=True, db_index=True, help_text="The provider's reference.")
    checkout_url = models.URLField(max_length=1000, blank=True)
    checkout_expires_at = models.DateTimeField(null=True, blank=True, help_text="When the gateway's page closes.")
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    refunded_amount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    failure_reason = models.CharField(max_length=255, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who took a cash payment by hand (a rider on the round, or staff).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("amount")),
                name="payment_refund_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(purpose__in=["WALLET_TOPUP", "ACCOUNT"]) | Q(order__isnull=False),
                name="order_payment_has_order",
            ),
        ]

    def __str__(self):
        return f"{self.get_method_display()} {self.amount} ({self.status})"

    @property
    def refundable_amount(self) -> Decimal:
        return self.amount - self.refunded_amount


class RefundStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    SUCCEEDED = "SUCCEEDED", "Refunded"
    FAILED = "FAILED", "Failed"


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    status = models.CharField(max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    reason = models.CharField(max_length=255, blank=True)
    provider_reference = models.CharField(max_length=255, blank=True, db_index=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self):
        return f"Refund {self.amount} of payment {self.payment_id} ({self.status})"


class Wallet(models.Model):
    """One per customer; its row is locked while the balance is checked and changed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wallet")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Wallet of {self.user}"


class WalletEntryKind(models.TextChoices):
    TOPUP = "TOPUP", "Top-up"
    ORDER_DEBIT = "ORDER_DEBIT", "Order"
    REFUND = "REFUND", "Refund"
    DEPOSIT_REFUND = "DEPOSIT_REFUND", "Deposit refund"
    ADJUSTMENT = "ADJUSTMENT", "Adjustment"


class WalletEntry(models.Model):
    """A ledger line: credits are positive, debits negative; the balance is their sum."""

    wallet = models.ForeignKey(Wallet, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=20, choices=WalletEntryKind.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    refund = models.OneToOneField(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="wallet_entry")
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "wallet entries"
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="wallet_entry_not_zero"),
            models.UniqueConstraint(
                fields=["payment"], condition=Q(kind="TOPUP"), name="one_wallet_credit_per_topup_payment"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"


class ProcessedWebhookEvent(models.Model):
    """Provider events already handled; a replay finds its id here and changes nothing."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100)
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="one_row_per_provider_event")]

    def __str__(self):
        return f"{self.provider} {self.event_type} {self.event_id}"
