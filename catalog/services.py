from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from catalog.models import MovementKind, Product
from catalog.stock import StockError, stock_record


def products_set_active(*, products: QuerySet[Product], active: bool) -> int:
    """Show or hide products in the shop; returns how many changed."""
    return products.exclude(is_active=active).update(is_active=active, updated_at=timezone.now())


@transaction.atomic
def product_create(*, stock: int = 0, by=None, **fields) -> Product:
    """A new product; packaged goods' opening stock is recorded as received."""
    product = Product(**fields)
    product.full_clean(exclude=["image"])
    product.save()
    if stock:
        if product.perishable:
            raise StockError(f"{product.name} is sold from each day's supply: give its daily supply instead.")
        stock_record(product=product, kind=MovementKind.RECEIVED, qty=stock, by=by, note="Opening stock")
        product.refresh_from_db()
    return product


@transaction.atomic
def product_update(*, product: Product, fields=None, stock: int | None = None, by=None, **changes) -> Product:
    """Change a product's own fields; only those changed are written (never the stock figure read earlier).

    fields names what was already set on product (an admin form); stock is a count, recorded as one."""
    for name, value in changes.items():
        setattr(product, name, value)
    product.full_clean(exclude=["image"])
    written = [name for name in [*(fields or []), *changes] if name != "stock"]
    if written:
        product.save(update_fields=[*set(written), "updated_at"])
    if stock is not None:
        if product.perishable:
            raise StockError(f"{product.name} is sold from each day's supply: set a date's supply instead.")
        stock_record(product=product, kind=MovementKind.COUNTED, qty=stock, by=by, note="Counted")
        product.refresh_from_db()
    return product
