"""Returnable containers (glass bottles, crates): what each customer holds, and the deposit the shop holds for them.

A customer's containers are their movements' sum (ContainerMovement), kept on one ContainerBalance row per
container type. The deposit the shop holds for them is what their orders charged (OrderDeposit, on orders not
cancelled: a cancelled order's money, deposit included, goes back with it) less what was given back or kept
(DepositRelease). containers.services keeps the two in step.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from milkshop.customer_versions import OwnedQuerySet


class ContainerType(models.Model):
    name = models.CharField(max_length=80, unique=True, help_text='For example "Glass bottle 1 L" or "Crate".')
    deposit = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="Charged for each container a customer holds beyond those they paid a deposit for already; "
        "credited back to their wallet when they return it.",
    )
    is_active = models.BooleanField("active", default=True, help_text="Only active types can be given to products.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(deposit__gte=0), name="container_deposit_not_negative")]

    def __str__(self):
        return self.name


class MovementKind(models.TextChoices):
    ISSUED = "ISSUED", "Issued"
    RETURNED = "RETURNED", "Returned"
    COUNTED = "COUNTED", "Counted"
    LOST = "LOST", "Lost or broken"


class ContainerBalance(models.Model):
    """What one customer holds of one container type; its row is the lock for changing that and their deposit."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="container_balances")
    container_type = models.ForeignKey(ContainerType, on_delete=models.PROTECT, related_name="balances")
    held = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["user__name", "container_type__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "container_type"], name="one_container_balance_per_type"),
            models.CheckConstraint(condition=Q(held__gte=0), name="containers_held_not_negative"),
        ]

    def __str__(self):
        return f"{self.user}: {self.held} × {self.container_type}"


class ContainerMovement(models.Model):
    """One change to what a customer holds, as a delta: full containers issued (+), empties returned or lost (−),
    or a count's correction (±). A customer's movements of a type add up to their balance."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="container_movements")
    container_type = models.ForeignKey(ContainerType, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=10, choices=MovementKind.choices)
    quantity = models.IntegerField(help_text="Containers added to what the customer holds (negative: taken back).")
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    delivery = models.ForeignKey("delivery.Delivery", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "container_type"]), models.Index(fields=["delivery"])]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="container_movement_not_zero"),
            models.CheckConstraint(
                condition=Q(kind="COUNTED") | Q(kind="ISSUED", quantity__gt=0) | Q(quantity__lt=0),
                name="container_movement_sign_fits_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.quantity:+d} {self.container_type}"


class OrderDeposit(models.Model):
    """The deposit an order charges for one container type: a line of its bill, part of its total."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="deposits")
    container_type = models.ForeignKey(ContainerType, on_delete=models.PROTECT, related_name="+")
    container_name = models.CharField(max_length=80)
    qty = models.PositiveIntegerField()
    unit_deposit = models.DecimalField(max_digits=8, decimal_places=2)
    amount = models.DecimalField(max_digits=10, decimal_places=2)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["container_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "container_type"], name="one_deposit_per_order_and_container"),
            models.CheckConstraint(condition=Q(qty__gte=1), name="order_deposit_qty_at_least_one"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="order_deposit_not_negative"),
        ]

    def __str__(self):
        return f"{self.container_name} deposit × {self.qty}"


class ReleaseKind(models.TextChoices):
    REFUNDED = "REFUNDED", "Credited to the wallet"
    KEPT = "KEPT", "Kept for lost containers"


class DepositRelease(models.Model):
    """Deposit the shop no longer holds for a customer: credited back for containers they returned, or kept for
    containers lost or broken."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deposit_releases")
    container_type = models.ForeignKey(ContainerType, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=ReleaseKind.choices)
    qty = models.PositiveIntegerField()
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The order whose delivery settled it.",
    )
    wallet_entry = models.OneToOneField(
        "payments.WalletEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="deposit_release"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "container_type"])]
        constraints = [
            models.CheckConstraint(condition=Q(qty__gte=1), name="deposit_release_qty_at_least_one"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="deposit_release_not_negative"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.qty} × {self.container_type} ({self.amount})"
