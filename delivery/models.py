import re
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import RIDERS_GROUP
from accounts.validators import PINCODE
from billing.states import STATE_CHOICES
from delivery.slots import DeliverySlot
from milkshop.customer_versions import OwnedQuerySet
from milkshop.money import format_money
from payments.models import PaymentMethod, PaymentStatus


def parse_pincodes(text: str) -> list[str]:
    """'560001, 560002\n560003' → ['560001', '560002', '560003'], refusing anything that is not a PIN code."""
    pincodes = [item for item in re.split(r"[\s,;]+", text or "") if item]
    invalid = [item for item in pincodes if not PINCODE.match(item)]
    if invalid:
        raise ValidationError(f"Not 6-digit PIN codes: {', '.join(invalid)}.")
    return sorted(set(pincodes))


class ProofPolicy(models.TextChoices):
    ALWAYS = "ALWAYS", "Always"
    CASH = "CASH", "Cash on delivery only"
    NEVER = "NEVER", "Never"


def shop_state() -> str:
    return settings.SHOP_STATE_CODE


class DeliveryZone(models.Model):
    """A service area: the PIN codes the shop delivers to, and the riders who deliver there."""

    name = models.CharField(max_length=80, unique=True)
    pincodes = models.TextField(help_text="PIN codes served, separated by spaces, commas or new lines.")
    is_active = models.BooleanField("active", default=True)
    proof_policy = models.CharField(
        "delivery code",
        max_length=10,
        choices=ProofPolicy.choices,
        default=ProofPolicy.CASH,
        help_text="When the rider must enter the customer's delivery code to mark an order delivered.",
    )
    state = models.CharField(
        max_length=2,
        choices=STATE_CHOICES,
        default=shop_state,
        help_text="The state the zone lies in: its deliveries pay CGST and SGST there, IGST when it is not the shop's.",
    )
    riders = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="delivery_zones",
        limit_choices_to={"groups__name": RIDERS_GROUP},
        help_text="New orders in this zone go to the least busy of these riders.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        self.pincodes = " ".join(parse_pincodes(self.pincodes))

    def covers(self, pincode: str) -> bool:
        return pincode in self.pincodes.split()


class SlotBooking(models.Model):
    """How many orders a delivery slot holds; its row is the lock that keeps the slot within capacity."""

    date = models.DateField()
    slot = models.CharField(max_length=20)
    booked = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["date", "slot"], name="one_booking_row_per_slot"),
            models.CheckConstraint(condition=Q(booked__gte=0), name="slot_booked_not_negative"),
        ]

    def __str__(self):
        return f"{self.date} {self.slot}: {self.booked}"


class DeliveryStatus(models.TextChoices):
    ASSIGNED = "ASSIGNED", "Assigned"
    PICKED_UP = "PICKED_UP", "Picked up"
    IN_TRANSIT = "IN_TRANSIT", "On the way"
    DELIVERED = "DELIVERED", "Delivered"
    FAILED = "FAILED", "Failed"
    CANCELLED = "CANCELLED", "Cancelled"


# DESIGN §4: ASSIGNED → PICKED_UP → IN_TRANSIT → DELIVERED; ASSIGNED, PICKED_UP or IN_TRANSIT → FAILED or CANCELLED.
TRANSITIONS = {
    DeliveryStatus.ASSIGNED: {DeliveryStatus.PICKED_UP, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED},
    DeliveryStatus.PICKED_UP: {DeliveryStatus.IN_TRANSIT, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED},
    DeliveryStatus.IN_TRANSIT: {DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED},
    DeliveryStatus.DELIVERED: set(),
    DeliveryStatus.FAILED: set(),
    DeliveryStatus.CANCELLED: set(),
}

ACTIVE_STATUSES = frozenset(status for status, moves in TRANSITIONS.items() if moves)

# The one forward step a rider takes next (the big button on the rider page).
NEXT_STEP = {
    DeliveryStatus.ASSIGNED: DeliveryStatus.PICKED_UP,
    DeliveryStatus.PICKED_UP: DeliveryStatus.IN_TRANSIT,
    DeliveryStatus.IN_TRANSIT: DeliveryStatus.DELIVERED,
}

# What the customer reads (no rider-side jargon such as "assigned").
CUSTOMER_LABELS = {
    DeliveryStatus.ASSIGNED: "Scheduled",
    DeliveryStatus.PICKED_UP: "Picked up from the dairy",
    DeliveryStatus.IN_TRANSIT: "On the way to you",
    DeliveryStatus.DELIVERED: "Delivered",
    DeliveryStatus.FAILED: "Could not be delivered",
    DeliveryStatus.CANCELLED: "Cancelled",
}


class FailureReason(models.TextChoices):
    CUSTOMER_UNAVAILABLE = "CUSTOMER_UNAVAILABLE", "Customer not available"
    ADDRESS_NOT_FOUND = "ADDRESS_NOT_FOUND", "Address not found"
    REFUSED = "REFUSED", "Refused by the customer"
    OTHER = "OTHER", "Other"


def cash_due_for(order) -> Decimal:
    """What the rider collects at the door: the order's total while its cash on delivery is unpaid, else nothing."""
    if order.payment_method == PaymentMethod.CASH and order.payment_status == PaymentStatus.PENDING:
        return order.total_amount
    return Decimal("0.00")


def new_tracking_token() -> str:
    """The secret in a public tracking link: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


PROOF_CODE_DIGITS = 4


def new_proof_code() -> str:
    """The short code the customer tells the rider at the door."""
    return f"{secrets.randbelow(10**PROOF_CODE_DIGITS):0{PROOF_CODE_DIGITS}d}"


def proof_storage():
    """The private folder for doorstep photos (settings.STORAGES["proofs"]): never served as media."""
    return storages["proofs"]


class Delivery(models.Model):
    """Taking one confirmed order to the customer's door: who rides it, how far it got, what was collected."""

    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="delivery")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deliveries")
    delivery_date = models.DateField()
    slot = models.CharField(max_length=20)
    zone = models.ForeignKey(DeliveryZone, null=True, blank=True, on_delete=models.PROTECT, related_name="deliveries")
    rider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_deliveries",
        limit_choices_to={"groups__name": RIDERS_GROUP},
        help_text="Empty while nobody is assigned.",
    )
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.ASSIGNED)
    tracking_token = models.CharField(max_length=64, unique=True, default=new_tracking_token, editable=False)
    failure_reason = models.CharField(max_length=30, choices=FailureReason.choices, blank=True)
    failure_note = models.CharField(max_length=255, blank=True)
    cash_collected = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    proof_code = models.CharField("delivery code", max_length=8, default=new_proof_code, editable=False)
    proof_attempts = models.PositiveSmallIntegerField(default=0, help_text="Wrong delivery codes entered so far.")
    left_at_door = models.BooleanField(default=False, help_text="Delivered without the code: left at the door.")
    door_photo = models.FileField(upload_to="door-photos/%Y/%m/", blank=True, storage=proof_storage)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["delivery_date", "slot", "pk"]
        indexes = [
            models.Index(fields=["delivery_date", "slot", "rider"]),
            models.Index(fields=["rider", "delivery_date"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(cash_collected__gte=0), name="delivery_cash_not_negative"),
            # Only a rider can carry an order: nobody picks up, rides or hands over an unassigned one.
            models.CheckConstraint(
                condition=Q(status__in=["ASSIGNED", "FAILED", "CANCELLED"]) | Q(rider__isnull=False),
                name="delivery_under_way_has_rider",
            ),
            # A failed delivery says why; any other does not.
            models.CheckConstraint(
                condition=(Q(status="FAILED") & ~Q(failure_reason="")) | (~Q(status="FAILED") & Q(failure_reason="")),
                name="delivery_failure_reason_iff_failed",
            ),
        ]

    def __str__(self):
        return f"Delivery of order {self.order.number}"

    def get_absolute_url(self):
        return reverse("delivery:track", args=[self.tracking_token])

    @property
    def scheduled_slot(self) -> DeliverySlot:
        return DeliverySlot(date=self.delivery_date, name=self.slot)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_unassigned(self) -> bool:
        return self.rider_id is None and self.status == DeliveryStatus.ASSIGNED

    @property
    def is_live(self) -> bool:
        """Worth watching: not over yet, and its day has come (a delivery next week changes nothing today)."""
        return self.is_active and self.delivery_date <= timezone.localdate()

    @property
    def next_step(self) -> str | None:
        return NEXT_STEP.get(self.status)

    @property
    def next_step_label(self) -> str:
        return DeliveryStatus(self.next_step).label if self.next_step else ""

    @property
    def customer_label(self) -> str:
        return CUSTOMER_LABELS[self.status]

    @property
    def cash_due(self) -> Decimal:
        """Cash the rider still has to collect: none once the delivery is over, whatever its outcome."""
        return cash_due_for(self.order) if self.is_active else Decimal("0.00")


class DeliveryStatusHistory(models.Model):
    """One row per status change, and per (re)assignment (same status, a note naming the rider)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, choices=DeliveryStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=DeliveryStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "delivery status history"

    def __str__(self):
        return f"{self.delivery_id}: {self.from_status or '—'} → {self.to_status}"

    @property
    def is_status_change(self) -> bool:
        return self.from_status != self.to_status

    @property
    def customer_label(self) -> str:
        return CUSTOMER_LABELS[self.to_status]


class RouteStop(models.Model):
    """Where a household comes in its zone's round. Staff set the order once; it lasts from day to day."""

    zone = models.ForeignKey(DeliveryZone, on_delete=models.CASCADE, related_name="stops")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="route_stops")
    position = models.PositiveIntegerField()
    area = models.CharField(max_length=100, blank=True)
    pincode = models.CharField("PIN code", max_length=6, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["zone", "position"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "user"], name="one_route_stop_per_household_and_zone"),
            models.UniqueConstraint(fields=["zone", "position"], name="one_route_stop_per_position"),
        ]

    def __str__(self):
        return f"{self.zone}: stop {self.position}"


class RiderUpdateOutcome(models.TextChoices):
    APPLIED = "APPLIED", "Applied"
    REFUSED = "REFUSED", "Refused"


class RiderUpdate(models.Model):
    """One update made on a rider's phone, under the key the phone gave it: applied once, however often it arrives."""

    key = models.UUIDField(unique=True)
    rider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rider_updates")
    delivery = models.ForeignKey(Delivery, null=True, on_delete=models.SET_NULL, related_name="rider_updates")
    payload = models.JSONField(default=dict)
    outcome = models.CharField(max_length=10, choices=RiderUpdateOutcome.choices)
    message = models.CharField(max_length=255, blank=True)
    made_at = models.DateTimeField(null=True, blank=True, help_text="When the rider made it, by the phone's clock.")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_at", "pk"]
        indexes = [models.Index(fields=["rider", "received_at"])]

    def __str__(self):
        return f"{self.key}: {self.get_outcome_display()}"


class RiderRound(models.Model):
    """A rider's day on the road, closed once the cash they handed over has been counted by staff.

    A difference between the cash collected and the cash handed over is a variance: it needs a note, and a staff
    member's acknowledgement before the round can close.
    """

    rider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rounds")
    date = models.DateField()
    cash_collected = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    cash_handed_over = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    variance = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    variance_note = models.CharField(max_length=255, blank=True)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    counted_at = models.DateTimeField(null=True, blank=True)
    variance_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    variance_acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "rider"]
        constraints = [
            models.UniqueConstraint(fields=["rider", "date"], name="one_round_per_rider_and_day"),
            models.CheckConstraint(condition=Q(cash_handed_over__gte=0), name="round_cash_handed_over_not_negative"),
            models.CheckConstraint(
                condition=Q(cash_handed_over__isnull=True, counted_at__isnull=True)
                | Q(cash_handed_over__isnull=False, counted_at__isnull=False),
                name="round_counted_with_the_amount",
            ),
            models.CheckConstraint(condition=Q(variance=0) | ~Q(variance_note=""), name="round_variance_has_a_note"),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(counted_at__isnull=False), name="round_closed_after_counting"
            ),
        ]

    def __str__(self):
        return f"{self.rider} on {self.date}"

    @property
    def is_counted(self) -> bool:
        return self.counted_at is not None

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def is_acknowledged(self) -> bool:
        return self.variance_acknowledged_at is not None

    @property
    def awaits_acknowledgement(self) -> bool:
        return self.is_counted and bool(self.variance) and not self.is_acknowledged

    @property
    def variance_label(self) -> str:
        return variance_label(self.variance)


def variance_label(variance: Decimal) -> str:
    """-20 → "₹20.00 short", 5 → "₹5.00 over", 0 → "none"."""
    if not variance:
        return "none"
    return f"{format_money(abs(variance))} {'short' if variance < 0 else 'over'}"


class RiderRoundCount(models.Model):
    """One count of the cash a rider handed over; the round keeps the latest, these keep every count made."""

    round = models.ForeignKey(RiderRound, on_delete=models.CASCADE, related_name="counts")
    cash_collected = models.DecimalField(max_digits=10, decimal_places=2)
    cash_handed_over = models.DecimalField(max_digits=10, decimal_places=2)
    variance = models.DecimalField(max_digits=10, decimal_places=2)
    note = models.CharField(max_length=255, blank=True)
    counted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    counted_at = models.DateTimeField()

    class Meta:
        ordering = ["counted_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(cash_handed_over__gte=0), name="round_count_not_negative"),
        ]

    def __str__(self):
        return f"{self.round}: {format_money(self.cash_handed_over)} counted"
