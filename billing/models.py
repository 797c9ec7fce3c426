"""Monthly (postpaid) accounts with their ledger and statements, and the GST documents the shop issues.

A postpaid account's ledger says what the household owes: a delivery adds its goods and deposits, a return or credit
takes off, a payment settles. Statements are made from the ledger once a month; payments settle the oldest
statement first (billing.ledger works that out from the ledger, so it never goes stale).

Tax documents are numbered in a series per financial year without gaps (DocumentSequence, locked while a number is
taken), and keep a snapshot of their lines and of the buyer as they were when issued.
"""

from decimal import Decimal

from django.conf import settings
from django.core.files.storage import storages
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from billing.states import STATE_CHOICES
from milkshop.customer_versions import OwnedQuerySet


def documents_storage():
    """Private, like invoices (settings.STORAGES["invoices"]): statements and tax documents carry names and addresses."""
    return storages["invoices"]


class AccountKind(models.TextChoices):
    PREPAID = "PREPAID", "Prepaid"
    POSTPAID = "POSTPAID", "Monthly account"


class BillingAccount(models.Model):
    """How a household pays: prepaid (the default, no row needed) or monthly, within a credit limit."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="billing_account")
    kind = models.CharField(max_length=10, choices=AccountKind.choices, default=AccountKind.PREPAID)
    credit_limit = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="The most the household may owe, billed and not yet billed together.",
    )
    payment_days = models.PositiveSmallIntegerField(
        default=10, help_text="Days after a statement is made before it is overdue."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(credit_limit__gte=0), name="credit_limit_not_negative")]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.user}"

    @property
    def is_postpaid(self) -> bool:
        return self.kind == AccountKind.POSTPAID


class EntryKind(models.TextChoices):
    DELIVERY = "DELIVERY", "Delivery"
    DEPOSIT = "DEPOSIT", "Container deposit"
    DEPOSIT_REFUND = "DEPOSIT_REFUND", "Deposit returned"
    RETURN = "RETURN", "Return or refund"
    CREDIT = "CREDIT", "Credit"
    PAYMENT = "PAYMENT", "Payment"
    PAYMENT_REFUNDED = "PAYMENT_REFUNDED", "Payment refunded"


# What the household paid: payments, less any of them refunded at the payment provider.
PAYMENT_KINDS = (EntryKind.PAYMENT, EntryKind.PAYMENT_REFUNDED)


class LedgerEntry(models.Model):
    """One line of a monthly account: positive is owed, negative is paid or credited. The balance is their sum."""

    account = models.ForeignKey(BillingAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    day = models.DateField(db_index=True, help_text="The date it counts for: the delivery date, or when paid.")
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey("payments.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["day", "pk"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_not_zero"),
            # A delivery is charged once, however often its DELIVERED is reported; a payment is counted once.
            models.UniqueConstraint(
                fields=["order", "kind"],
                condition=Q(kind__in=["DELIVERY", "DEPOSIT"]),
                name="one_charge_per_order_and_kind",
            ),
            models.UniqueConstraint(fields=["payment"], condition=Q(kind="PAYMENT"), name="one_entry_per_payment"),
        ]
        indexes = [models.Index(fields=["account", "day"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} on {self.day}"


class Statement(models.Model):
    """One month of a monthly account. Made again after late changes as a new version; the old one is kept.

    lines is the month as printed: [{"day", "kind", "description", "amount"}] (amount "" for what cost nothing, a
    skip or a failed delivery), oldest first."""

    account = models.ForeignKey(BillingAccount, on_delete=models.PROTECT, related_name="statements")
    period_start = models.DateField()
    period_end = models.DateField()
    version = models.PositiveSmallIntegerField(default=1)
    superseded_at = models.DateTimeField(null=True, blank=True, help_text="When a newer version replaced it.")
    opening_balance = models.DecimalField(max_digits=12, decimal_places=2)
    charges = models.DecimalField(max_digits=12, decimal_places=2, help_text="Deliveries and deposits.")
    credits = models.DecimalField(max_digits=12, decimal_places=2, help_text="Returns, refunds and credits.")
    payments = models.DecimalField(max_digits=12, decimal_places=2)
    closing_balance = models.DecimalField(max_digits=12, decimal_places=2)
    lines = models.JSONField(default=list)
    changes = models.TextField(blank=True, help_text="What changed since the previous version.")
    issued_at = models.DateTimeField()
    due_date = models.DateField()
    pdf = models.FileField(upload_to="statements/", blank=True, storage=documents_storage)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "period_start", "version"], name="one_statement_version_per_month"
            ),
            models.UniqueConstraint(
                fields=["account", "period_start"],
                condition=Q(superseded_at__isnull=True),
                name="one_current_statement_per_month",
            ),
        ]

    def __str__(self):
        suffix = f" (version {self.version})" if self.version > 1 else ""
        return f"Statement {self.period_start:%B %Y} for {self.account.user}{suffix}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None


class DocumentKind(models.TextChoices):
    TAX_INVOICE = "TAX_INVOICE", "Tax invoice"
    BILL_OF_SUPPLY = "BILL_OF_SUPPLY", "Bill of supply"
    INVOICE_CUM_BILL = "INVOICE_CUM_BILL", "Invoice-cum-bill of supply"
    CREDIT_NOTE = "CREDIT_NOTE", "Credit note"


class DocumentSequence(models.Model):
    """The last number taken in a series for a financial year; its row is locked while the next is taken."""

    series = models.CharField(max_length=8)
    financial_year = models.CharField(max_length=7, help_text='For example "2026-27".')
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "financial_year"], name="one_sequence_per_series")]

    def __str__(self):
        return f"{self.series} {self.financial_year}: {self.last_number}"


class TaxDocument(models.Model):
    """A tax invoice, bill of supply, invoice-cum-bill of supply or credit note, as issued (amounts never change).

    It is for one prepaid order or one monthly statement; a credit note names the document it reduces."""

    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    series = models.CharField(max_length=8)
    financial_year = models.CharField(max_length=7)
    sequence = models.PositiveIntegerField()
    number = models.CharField(max_length=16, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tax_documents")
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="tax_documents"
    )
    statement = models.ForeignKey(
        Statement, null=True, blank=True, on_delete=models.PROTECT, related_name="tax_documents"
    )
    original = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        help_text="The document a credit note reduces.",
    )
    reason = models.CharField(max_length=255, blank=True)
    issued_at = models.DateTimeField(db_index=True)
    place_of_supply = models.CharField(max_length=2, choices=STATE_CHOICES)
    buyer_name = models.CharField(max_length=150)
    buyer_address = models.TextField()
    buyer_gstin = models.CharField(max_length=15, blank=True)
    taxable_value = models.DecimalField(max_digits=12, decimal_places=2, help_text="Taxable goods, before tax.")
    exempt_value = models.DecimalField(max_digits=12, decimal_places=2, help_text="Nil-rated and exempt goods.")
    cgst = models.DecimalField(max_digits=12, decimal_places=2)
    sgst = models.DecimalField(max_digits=12, decimal_places=2)
    igst = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2, help_text="Goods with tax; deposits are not in it.")
    pdf = models.FileField(upload_to="documents/", blank=True, storage=documents_storage)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "financial_year", "sequence"], name="one_document_per_series_number"
            ),
            models.CheckConstraint(
                condition=Q(kind="CREDIT_NOTE", original__isnull=False) | (~Q(kind="CREDIT_NOTE") & Q(original=None)),
                name="credit_note_names_its_document",
            ),
        ]
        indexes = [models.Index(fields=["order"]), models.Index(fields=["kind", "issued_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"


class TaxDocumentLine(models.Model):
    document = models.ForeignKey(TaxDocument, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(max_length=200)
    hsn_code = models.CharField("HSN", max_length=8)
    qty = models.PositiveIntegerField()
    unit = models.CharField(max_length=40)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2, help_text="With tax, as sold.")
    gst_rate = models.DecimalField(max_digits=5, decimal_places=2)
    taxable_value = models.DecimalField(max_digits=12, decimal_places=2)
    cgst = models.DecimalField(max_digits=12, decimal_places=2)
    sgst = models.DecimalField(max_digits=12, decimal_places=2)
    igst = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.qty} × {self.description}"
