from django.core.cache import caches
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from catalog.models import Category, Product


def categories_for_shop(*, version: str) -> list[Category]:
    """Categories with something on sale, cached per catalog version (see catalog.versions)."""
    key = f"catalog:categories:{version}"
    categories = caches["local"].get(key)
    if categories is None:
        categories = list(Category.objects.filter(products__is_active=True).distinct())
        caches["local"].set(key, categories, 300)
    return categories


def products_for_catalog(*, category: str = "", search: str = "", in_stock_only: bool = False) -> QuerySet[Product]:
    """Active products for the shop's list, filtered as a customer asked."""
    products = Product.objects.filter(is_active=True).select_related("category")
    if category:
        products = products.filter(category__slug=category)
    if search:
        products = products.filter(name__icontains=search.strip())
    if in_stock_only:
        products = products.filter(stock__gt=0)
    return products


def product_for_shop(*, slug: str) -> Product:
    """A product page: inactive products still have one (shown as unavailable) so old links keep working."""
    return get_object_or_404(Product.objects.select_related("category"), slug=slug)
