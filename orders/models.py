import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from delivery.slots import DeliverySlot
from milkshop.customer_versions import OwnedQuerySet
from payments.models import PaymentMethod, PaymentStatus


class OrderStatus(models.TextChoices):
    CREATED = "CREATED", "Awaiting payment"
    CONFIRMED = "CONFIRMED", "Confirmed"
    PACKED = "PACKED", "Packed"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY", "Out for delivery"
    DELIVERED = "DELIVERED", "Delivered"
    CANCELLED = "CANCELLED", "Cancelled"
    RETURNED = "RETURNED", "Returned"


TRANSITIONS = {
    OrderStatus.CREATED: {OrderStatus.CONFIRMED, OrderStatus.CANCELLED},
    OrderStatus.CONFIRMED: {OrderStatus.PACKED, OrderStatus.CANCELLED},
    OrderStatus.PACKED: {OrderStatus.OUT_FOR_DELIVERY, OrderStatus.CANCELLED},
    OrderStatus.OUT_FOR_DELIVERY: {OrderStatus.DELIVERED},
    OrderStatus.DELIVERED: {OrderStatus.RETURNED},
    OrderStatus.CANCELLED: set(),
    OrderStatus.RETURNED: set(),
}

CANCELLABLE = frozenset(status for status, moves in TRANSITIONS.items() if OrderStatus.CANCELLED in moves)

# The one move outside TRANSITIONS, and only for orders.workflows: a delivery that failed on the road
# closes its order (DESIGN §4 lets a delivery fail in transit but gives the order no way out but DELIVERED).
UNDELIVERED_MOVES = {OrderStatus.OUT_FOR_DELIVERY: {OrderStatus.CANCELLED}}


def new_order_number() -> str:
    """Short, unguessable and easy to read out on the phone: MS-7K3Q9XPA."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "MS-" + "".join(secrets.choice(alphabet) for _ in range(8))


def delivery_snapshot(*, user, address) -> dict:
    """Order fields that keep where to deliver as it was when the order was made."""
    return {
        "recipient_name": user.name,
        "recipient_phone": user.phone,
        "address_line1": address.line1,
        "address_line2": address.line2,
        "area": address.area,
        "city": address.city,
        "pincode": address.pincode,
        "landmark": address.landmark,
        "instructions": address.instructions,
    }


class Order(models.Model):
    number = models.CharField(max_length=20, unique=True, default=new_order_number, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.CREATED)
    payment_status = models.CharField(max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    payment_method = models.CharField(max_length=10, choices=PaymentMethod.choices, blank=True)
    total_amount = models.DecimalField(max_digits=10, decimal_places=2)
    delivery_date = models.DateField(db_index=True)
    delivery_slot = models.CharField(max_length=20)
    zone = models.ForeignKey("delivery.DeliveryZone", null=True, on_delete=models.PROTECT, related_name="orders")
    subscription = models.ForeignKey(
        "subscriptions.Subscription", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    # Where to deliver, as it was when the order was placed.
    recipient_name = models.CharField(max_length=150)
    recipient_phone = models.CharField(max_length=16, blank=True)
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    area = models.CharField(max_length=100)
    city = models.CharField(max_length=100)
    pincode = models.CharField(max_length=6)
    landmark = models.CharField(max_length=150, blank=True)
    instructions = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(total_amount__gte=0), name="order_total_not_negative"),
            # However often (or concurrently) the generator runs: one order per subscription per date.
            models.UniqueConstraint(
                fields=["subscription", "delivery_date"],
                condition=Q(subscription__isnull=False),
                name="one_order_per_subscription_per_date",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("orders:detail", args=[self.number])

    @property
    def slot(self) -> DeliverySlot:
        return DeliverySlot(date=self.delivery_date, name=self.delivery_slot)

    @property
    def can_be_cancelled(self) -> bool:
        return self.status in CANCELLABLE

    @property
    def awaits_online_payment(self) -> bool:
        return self.status == OrderStatus.CREATED and self.payment_status != PaymentStatus.SUCCESS

    @property
    def has_invoice(self) -> bool:
        return self.payment_status in (PaymentStatus.SUCCESS, PaymentStatus.REFUNDED) or self.status in (
            OrderStatus.DELIVERED,
            OrderStatus.RETURNED,
        )

    @property
    def address_lines(self) -> list[str]:
        return [
            line
            for line in [
                self.address_line1,
                self.address_line2,
                f"{self.area}, {self.city} {self.pincode}",
                f"Landmark: {self.landmark}" if self.landmark else "",
            ]
            if line
        ]


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", null=True, on_delete=models.SET_NULL, related_name="+")
    product_name = models.CharField(max_length=120)
    unit = models.CharField(max_length=40)
    hsn_code = models.CharField("HSN code", max_length=8, default="0401")
    gst_rate = models.DecimalField("GST rate (%)", max_digits=5, decimal_places=2, default=Decimal("0.00"))
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    qty = models.PositiveIntegerField()
    line_total = models.DecimalField(max_digits=10, decimal_places=2)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(qty__gte=1), name="order_line_qty_at_least_one")]

    def __str__(self):
        return f"{self.qty} × {self.product_name} ({self.unit})"


class OrderStatusHistory(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=OrderStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "order status history"

    def __str__(self):
        return f"{self.order}: {self.from_status or '—'} → {self.to_status}"
