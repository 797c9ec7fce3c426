from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse

from billing.taxes import gst_slab_validator, hsn_code_validator
from catalog.versions import forget_catalog_version


class CatalogQuerySet(models.QuerySet):
    """Bulk writes send no signals, so they say themselves that the catalog changed (see catalog.versions)."""

    def update(self, **kwargs):
        rows = super().update(**kwargs)
        forget_catalog_version()
        return rows

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        forget_catalog_version()
        return created


def left_for(day: date, product: str = ""):
    """What a product can still sell for delivery on day, as an expression; product is the path to it ("product__")."""
    supply = DailySupply.objects.filter(product=OuterRef(f"{product}pk" if product else "pk"), date=day)
    left = Subquery(supply.values(left=F("supply") - F("ordered") - F("subscribed"))[:1], output_field=IntegerField())
    return Case(
        When(**{f"{product}perishable": True}, then=Coalesce(left, F(f"{product}daily_supply"))),
        default=F(f"{product}stock"),
        output_field=IntegerField(),
    )


def left_soon(product: str = ""):
    """The most a product can still sell for any one delivery date open for orders, as an expression: what a
    customer can put in the cart (checkout then checks the date chosen)."""
    days = open_delivery_dates()
    figures = [left_for(day, product) for day in days]
    return figures[0] if len(figures) == 1 else Greatest(*figures, output_field=IntegerField())


class ProductQuerySet(CatalogQuerySet):
    def with_left(self, day: date | None = None):
        """Annotate left_for_day: what can still be sold for delivery on day, or, with no day, for the best date
        open for orders (see Product.available)."""
        return self.annotate(left_for_day=left_for(day) if day else left_soon())


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first in the shop.")

    objects = CatalogQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Product(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    unit = models.CharField(max_length=40, help_text='What one piece is, for example "500 ml" or "200 g".')
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    perishable = models.BooleanField(
        default=False,
        help_text="Sold from each delivery date's own supply (fresh milk, curd); otherwise from running stock.",
    )
    daily_supply = models.PositiveIntegerField(
        default=0, help_text="Perishable: units for each delivery date, unless a date's supply is set otherwise."
    )
    stock = models.PositiveIntegerField(
        default=0, editable=False, help_text="Packaged goods: units on hand. Changed only by stock movements."
    )
    image = models.ImageField(upload_to="products/", blank=True)
    is_active = models.BooleanField("active", default=True, help_text="Inactive products are hidden from the shop.")
    subscribable = models.BooleanField(default=False, help_text="Can be ordered as a recurring subscription.")
    container = models.ForeignKey(
        "containers.ContainerType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
        limit_choices_to={"is_active": True},
        help_text="The returnable container each unit comes in (a glass bottle, a crate), with its deposit.",
    )
    hsn_code = models.CharField(
        "HSN code", max_length=8, default="0401", validators=[hsn_code_validator], help_text="0401 is fresh milk."
    )
    gst_rate = models.DecimalField(
        "GST rate (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[gst_slab_validator],
        help_text="One of the GST slabs (settings.GST_SLABS); 0 for nil-rated goods such as fresh milk.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["category__position", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="product_stock_not_negative"),
            models.CheckConstraint(condition=Q(price__gt=0), name="product_price_positive"),
        ]
        indexes = [models.Index(fields=["is_active", "category"])]

    def __str__(self):
        return f"{self.name} ({self.unit})"

    def get_absolute_url(self):
        return reverse("catalog:product", args=[self.slug])

    @property
    def available(self) -> int:
        """What can still be sold: a perishable's supply left for the day asked for (with_left), else running stock.

        Without the annotation, a perishable's figure is for the best date open for orders."""
        if hasattr(self, "left_for_day"):
            return max(self.left_for_day, 0)
        if not self.perishable:
            return self.stock
        return Product.objects.with_left().get(pk=self.pk).available

    @property
    def in_stock(self) -> bool:
        return self.available > 0

    @property
    def can_be_bought(self) -> bool:
        return self.is_active and self.in_stock


def open_delivery_dates() -> list[date]:
    """The delivery dates still open for orders, soonest first."""
    from delivery.slots import upcoming_slots  # delivery's models import catalog's

    return sorted({slot.date for slot in upcoming_slots()}) or [date.today()]


def next_delivery_date() -> date:
    """The first date still open for orders."""
    return open_delivery_dates()[0]


class DailySupply(models.Model):
    """A perishable product's supply for one delivery date, and how much of it orders and subscriptions took.

    Its row is the lock for that date's sales. Rows are made when first needed, from Product.daily_supply."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="daily_supplies")
    date = models.DateField()
    supply = models.PositiveIntegerField()
    ordered = models.PositiveIntegerField(default=0, help_text="Taken by one-off orders.")
    subscribed = models.PositiveIntegerField(default=0, help_text="Taken by subscription orders.")

    objects = CatalogQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "daily supplies"
        ordering = ["-date", "product__name"]
        constraints = [
            models.UniqueConstraint(fields=["product", "date"], name="one_supply_per_product_per_date"),
            models.CheckConstraint(
                condition=Q(ordered__lte=F("supply") - F("subscribed")), name="daily_supply_covers_commitments"
            ),
        ]

    def __str__(self):
        return f"{self.product.name} for {self.date}"

    @property
    def committed(self) -> int:
        return self.ordered + self.subscribed

    @property
    def left(self) -> int:
        return self.supply - self.committed


class MovementKind(models.TextChoices):
    SOLD = "SOLD", "Sold"
    RETURNED = "RETURNED", "Returned"
    RECEIVED = "RECEIVED", "Received"
    WASTED = "WASTED", "Wasted"
    COUNTED = "COUNTED", "Counted"


class StockMovement(models.Model):
    """One change to what can be sold, as a delta: a date's supply for perishables (date set), else running stock.

    The movements of a product (and date) add up to what is left."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="movements")
    date = models.DateField(null=True, blank=True, help_text="The delivery date whose supply moved (perishables).")
    kind = models.CharField(max_length=10, choices=MovementKind.choices)
    quantity = models.IntegerField(help_text="Units added to what is left (negative: taken).")
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=255, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["product", "date"])]
        constraints = [models.CheckConstraint(condition=~Q(quantity=0), name="stock_movement_not_zero")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.quantity or 0:+d} {self.product.name}"
