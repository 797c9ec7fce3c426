from django.db.models import QuerySet
from django.utils import timezone

from catalog.models import Product


def products_set_active(*, products: QuerySet[Product], active: bool) -> int:
    """Show or hide products in the shop; returns how many changed."""
    return products.exclude(is_active=active).update(is_active=active, updated_at=timezone.now())


def product_create(**fields) -> Product:
    product = Product(**fields)
    product.full_clean(exclude=["image"])
    product.save()
    return product


def product_update(*, product: Product, **changes) -> Product:
    for name, value in changes.items():
        setattr(product, name, value)
    product.full_clean(exclude=["image"])
    product.save()
    return product
