from dataclasses import dataclass
from datetime import date

from django.core.cache import caches
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from catalog.models import Category, Product, left_for, open_delivery_dates


def categories_for_shop(*, version: str) -> list[Category]:
    """Categories with something on sale, cached per catalog version (see catalog.versions)."""
    key = f"catalog:categories:{version}"
    categories = caches["local"].get(key)
    if categories is None:
        categories = list(Category.objects.filter(products__is_active=True).distinct())
        caches["local"].set(key, categories, 300)
    return categories


def products_for_catalog(
    *, category: str = "", search: str = "", in_stock_only: bool = False, day: date | None = None
) -> QuerySet[Product]:
    """Active products for the shop's list, filtered as a customer asked, with what is left for day (by default
    the most left for any date open for orders)."""
    products = Product.objects.filter(is_active=True).select_related("category").with_left(day)
    if category:
        products = products.filter(category__slug=category)
    if search:
        products = products.filter(name__icontains=search.strip())
    if in_stock_only:
        products = products.filter(left_for_day__gt=0)
    return products


def product_for_shop(*, slug: str) -> Product:
    """A product page: inactive products still have one (shown as unavailable) so old links keep working."""
    return get_object_or_404(Product.objects.select_related("category", "container").with_left(), slug=slug)


def stock_left_on(*, product_ids, days) -> dict[tuple[int, date], int]:
    """What each product has left for each delivery date, in one query whatever the numbers."""
    days = sorted(set(days))
    figures = {f"left_{n}": left_for(day) for n, day in enumerate(days)}
    rows = Product.objects.filter(pk__in=set(product_ids)).annotate(**figures).values("pk", *figures)
    return {(row["pk"], day): max(row[f"left_{n}"], 0) for row in rows for n, day in enumerate(days)}


@dataclass(frozen=True)
class SupplyOutlook:
    """A perishable's days: the next delivery date, and the soonest one it still has some left for."""

    next_day: date
    soonest_day: date | None
    soonest_left: int

    @property
    def sold_out_next_day(self) -> bool:
        return self.soonest_day != self.next_day


def supply_outlook(*, product: Product) -> SupplyOutlook | None:
    """For a perishable's page: which of the dates open for orders it can still be had for (None if packaged)."""
    if not product.perishable:
        return None
    days = open_delivery_dates()
    left = stock_left_on(product_ids=[product.pk], days=days)
    soonest = next((day for day in days if left[(product.pk, day)] > 0), None)
    return SupplyOutlook(
        next_day=days[0], soonest_day=soonest, soonest_left=left[(product.pk, soonest)] if soonest else 0
    )
