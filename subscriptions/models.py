from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from payments.models import PaymentMethod


class Frequency(models.TextChoices):
    DAILY = "DAILY", "Every day"
    ALTERNATE_DAYS = "ALTERNATE_DAYS", "Every other day"
    WEEKLY = "WEEKLY", "On chosen weekdays"


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "ACTIVE", "Active"
    PAUSED = "PAUSED", "Paused"
    CANCELLED = "CANCELLED", "Cancelled"


TRANSITIONS = {
    SubscriptionStatus.ACTIVE: {SubscriptionStatus.PAUSED, SubscriptionStatus.CANCELLED},
    SubscriptionStatus.PAUSED: {SubscriptionStatus.ACTIVE, SubscriptionStatus.CANCELLED},
    SubscriptionStatus.CANCELLED: set(),
}

SUBSCRIPTION_PAYMENT_METHODS = [
    (PaymentMethod.WALLET, "Wallet (prepaid, debited each delivery day)"),
    (PaymentMethod.CASH, "Cash on delivery"),
]
WEEKDAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


class Subscription(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="subscriptions")
    qty = models.PositiveSmallIntegerField(default=1)
    frequency = models.CharField(max_length=20, choices=Frequency.choices, default=Frequency.DAILY)
    # Weekly deliveries: bit 0 is Monday … bit 6 is Sunday.
    weekdays = models.PositiveSmallIntegerField(default=0)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    slot = models.CharField(max_length=20, default="MORNING")
    address = models.ForeignKey("accounts.Address", null=True, on_delete=models.SET_NULL, related_name="subscriptions")
    zone = models.ForeignKey(
        "delivery.DeliveryZone", null=True, on_delete=models.SET_NULL, related_name="subscriptions"
    )
    payment_method = models.CharField(max_length=10, choices=SUBSCRIPTION_PAYMENT_METHODS, default=PaymentMethod.WALLET)
    status = models.CharField(max_length=10, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(qty__gte=1), name="subscription_qty_at_least_one"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="subscription_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(frequency="WEEKLY") | Q(weekdays__gt=0, weekdays__lt=128),
                name="weekly_subscription_has_days",
            ),
        ]
        indexes = [models.Index(fields=["status", "start_date"])]

    def __str__(self):
        return f"{self.qty} × {self.product} {self.get_frequency_display().lower()}"

    def get_absolute_url(self):
        return f"{reverse('subscriptions:list')}#subscription-{self.pk}"

    @property
    def weekday_numbers(self) -> list[int]:
        return [day for day in range(7) if self.weekdays & (1 << day)]

    @property
    def schedule_label(self) -> str:
        if self.frequency == Frequency.WEEKLY:
            return "Every " + ", ".join(WEEKDAY_NAMES[day] for day in self.weekday_numbers)
        return self.get_frequency_display()


class SubscriptionStatusHistory(models.Model):
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=10, choices=SubscriptionStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=SubscriptionStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "subscription status history"

    def __str__(self):
        return f"{self.subscription_id}: {self.from_status or '—'} → {self.to_status}"


class SkippedDate(models.Model):
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="skips")
    date = models.DateField()

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["subscription", "date"], name="one_skip_per_subscription_date")]

    def __str__(self):
        return f"Skip {self.date}"


class Vacation(models.Model):
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="vacations")
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="vacation_ends_after_start")
        ]

    def __str__(self):
        return f"Vacation {self.start_date} – {self.end_date}"


class QuantityChange(models.Model):
    """One date's quantity instead of the usual (0 means nothing that day)."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="quantity_changes")
    date = models.DateField()
    qty = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "date"], name="one_quantity_change_per_subscription_date")
        ]

    def __str__(self):
        return f"{self.qty} on {self.date}"


class MissedDelivery(models.Model):
    """A due delivery the generator could not create, and why (shown on the calendar)."""

    class Reason(models.TextChoices):
        OUT_OF_STOCK = "OUT_OF_STOCK", "Not enough stock"
        LOW_BALANCE = "LOW_BALANCE", "Wallet balance too low"
        PRODUCT_UNAVAILABLE = "PRODUCT_UNAVAILABLE", "Product no longer sold"
        NO_ADDRESS = "NO_ADDRESS", "No delivery address in our service area"
        SLOT_FULL = "SLOT_FULL", "Delivery slot full"
        OVER_LIMIT = "OVER_LIMIT", "Monthly account over its credit limit"

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="missed")
    date = models.DateField()
    reason = models.CharField(max_length=30, choices=Reason.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date"]
        verbose_name_plural = "missed deliveries"
        constraints = [models.UniqueConstraint(fields=["subscription", "date"], name="one_missed_record_per_date")]

    def __str__(self):
        return f"Missed {self.date}: {self.get_reason_display()}"


class LowBalanceWarning(models.Model):
    """At most one wallet warning per customer per day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "date"], name="one_low_balance_warning_per_day")]

    def __str__(self):
        return f"Low balance warning {self.date}"
