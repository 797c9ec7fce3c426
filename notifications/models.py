from django.conf import settings
from django.db import models
from django.db.models import Q


class NotificationType(models.TextChoices):
    """What a message is about; each has its templates in templates/notifications/messages/<type>.html."""

    WELCOME_EMAIL = "WELCOME_EMAIL", "Welcome"
    ORDER_CONFIRMED = "ORDER_CONFIRMED", "Order confirmed"
    ORDER_CANCELLED = "ORDER_CANCELLED", "Order cancelled"
    PAYMENT_COMPLETED = "PAYMENT_COMPLETED", "Payment received"
    PAYMENT_FAILED = "PAYMENT_FAILED", "Payment failed"
    PAYMENT_REFUNDED = "PAYMENT_REFUNDED", "Refund"
    DELIVERY_UPDATE = "DELIVERY_UPDATE", "Delivery update"
    SUBSCRIPTION_ACTIVE = "SUBSCRIPTION_ACTIVE", "Subscription active"
    SUBSCRIPTION_PAUSED = "SUBSCRIPTION_PAUSED", "Subscription paused"
    SUBSCRIPTION_CANCELLED = "SUBSCRIPTION_CANCELLED", "Subscription cancelled"
    SUBSCRIPTION_ORDER_SKIPPED = "SUBSCRIPTION_ORDER_SKIPPED", "Subscription delivery skipped"
    WALLET_LOW_BALANCE = "WALLET_LOW_BALANCE", "Wallet running low"
    STATEMENT_READY = "STATEMENT_READY", "Monthly statement"
    STATEMENT_OVERDUE = "STATEMENT_OVERDUE", "Statement overdue"
    ACCOUNT_PAYMENT_RECEIVED = "ACCOUNT_PAYMENT_RECEIVED", "Monthly account payment received"


class Channel(models.TextChoices):
    EMAIL = "EMAIL", "Email"
    SMS = "SMS", "SMS"
    IN_APP = "IN_APP", "In the shop"


class NotificationStatus(models.TextChoices):
    QUEUED = "QUEUED", "Queued"
    SENT = "SENT", "Sent"
    # The last attempt failed: tried again at next_attempt_at, or never again once that is empty.
    FAILED = "FAILED", "Failed"


class NotificationKind(models.TextChoices):
    """The kinds of message a customer turns email or SMS off for (NotificationPreference)."""

    ORDERS = "ORDERS", "Orders"
    DELIVERIES = "DELIVERIES", "Deliveries"
    PAYMENTS = "PAYMENTS", "Payments and refunds"
    SUBSCRIPTIONS = "SUBSCRIPTIONS", "Subscriptions"
    WALLET = "WALLET", "Wallet reminders"


# Order and delivery messages always reach the customer by email or SMS: one of the two stays on.
ESSENTIAL_KINDS = frozenset({NotificationKind.ORDERS, NotificationKind.DELIVERIES})

# The kind each type belongs to; the welcome email is a one-off that no switch covers.
KIND_OF_TYPE = {
    NotificationType.WELCOME_EMAIL: None,
    NotificationType.ORDER_CONFIRMED: NotificationKind.ORDERS,
    NotificationType.ORDER_CANCELLED: NotificationKind.ORDERS,
    NotificationType.PAYMENT_COMPLETED: NotificationKind.PAYMENTS,
    NotificationType.PAYMENT_FAILED: NotificationKind.PAYMENTS,
    NotificationType.PAYMENT_REFUNDED: NotificationKind.PAYMENTS,
    NotificationType.DELIVERY_UPDATE: NotificationKind.DELIVERIES,
    NotificationType.SUBSCRIPTION_ORDER_SKIPPED: NotificationKind.DELIVERIES,
    NotificationType.SUBSCRIPTION_ACTIVE: NotificationKind.SUBSCRIPTIONS,
    NotificationType.SUBSCRIPTION_PAUSED: NotificationKind.SUBSCRIPTIONS,
    NotificationType.SUBSCRIPTION_CANCELLED: NotificationKind.SUBSCRIPTIONS,
    NotificationType.WALLET_LOW_BALANCE: NotificationKind.WALLET,
    NotificationType.STATEMENT_READY: NotificationKind.PAYMENTS,
    NotificationType.STATEMENT_OVERDUE: NotificationKind.PAYMENTS,
    NotificationType.ACCOUNT_PAYMENT_RECEIVED: NotificationKind.PAYMENTS,
}

KIND_HELP = {
    NotificationKind.ORDERS: "Confirmations and cancellations.",
    NotificationKind.DELIVERIES: "On the way, delivered, or a delivery that could not happen or was skipped.",
    NotificationKind.PAYMENTS: "Top-ups, failed payments, refunds, and your monthly account's statements.",
    NotificationKind.SUBSCRIPTIONS: "When a subscription starts, pauses, resumes or ends.",
    NotificationKind.WALLET: "A reminder when your wallet won't cover the next few days of milk.",
}


class Notification(models.Model):
    """One message to one customer on one channel, and what became of it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    type = models.CharField(max_length=40, choices=NotificationType.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=254, blank=True, help_text="The email address or phone number used.")
    subject = models.CharField(max_length=200, blank=True)
    message = models.TextField(blank=True, help_text="The plain text: the email's text part, the SMS, the in-app note.")
    html_message = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True, help_text="The page of the shop the message is about.")
    status = models.CharField(max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # When the retry sweep should try (again): a safety net while queued, the lease of a send in flight,
    # the backoff after a failure; empty once sent or given up.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    provider_reference = models.CharField(max_length=100, blank=True, help_text="The SMS provider's message id.")
    # One message per event, channel and recipient, however often its task runs.
    dedupe_key = models.CharField(max_length=200, unique=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("resend_notification", "Can send a failed email or SMS again")]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["user", "-created_at"], condition=Q(channel="IN_APP"), name="notification_inbox"),
            models.Index(
                fields=["user"], condition=Q(channel="IN_APP", read_at__isnull=True), name="notification_unread"
            ),
            models.Index(
                fields=["next_attempt_at"], condition=Q(next_attempt_at__isnull=False), name="notification_due"
            ),
        ]

    def __str__(self):
        return f"{self.get_type_display()} by {self.get_channel_display()} to {self.user}"

    @property
    def is_unread(self) -> bool:
        return self.channel == Channel.IN_APP and self.read_at is None


class NotificationPreference(models.Model):
    """A customer's email and SMS switches for one kind of message; without a row, both are on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    email = models.BooleanField(default=True)
    sms = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_user_and_kind"),
            models.CheckConstraint(
                condition=~Q(kind__in=sorted(ESSENTIAL_KINDS)) | Q(email=True) | Q(sms=True),
                name="essential_messages_keep_a_channel",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.user}: email {'on' if self.email else 'off'}, SMS {'on' if self.sms else 'off'}"
