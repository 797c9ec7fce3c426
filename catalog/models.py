from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

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
    stock = models.PositiveIntegerField(default=0, help_text="Units on hand.")
    image = models.ImageField(upload_to="products/", blank=True)
    is_active = models.BooleanField("active", default=True, help_text="Inactive products are hidden from the shop.")
    subscribable = models.BooleanField(default=False, help_text="Can be ordered as a recurring subscription.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CatalogQuerySet.as_manager()

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
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def can_be_bought(self) -> bool:
        return self.is_active and self.stock > 0
