from django.conf import settings
from django.db import models
from django.db.models import Q

from catalog.models import Product
from milkshop.customer_versions import OwnedQuerySet


class Cart(models.Model):
    """A signed-in customer's cart, or a visitor's (user empty, its id kept in the session)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="cart"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OwnedQuerySet.as_manager()

    def __str__(self):
        return f"Cart of {self.user}" if self.user_id else f"Visitor cart #{self.pk}"


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    qty = models.PositiveIntegerField()
    # The price the customer saw when adding, so a change since can be pointed out.
    price_when_added = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    added_at = models.DateTimeField(auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="one_line_per_product_per_cart"),
            models.CheckConstraint(condition=Q(qty__gte=1), name="cart_item_qty_at_least_one"),
        ]

    def __str__(self):
        return f"{self.qty} × {self.product}"
