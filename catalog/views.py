from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from cart.forms import AddToCartForm
from catalog.forms import CatalogFilterForm
from catalog.selectors import product_for_shop, products_for_catalog


@require_GET
@vary_on_headers("HX-Request")
def catalog(request: HttpRequest) -> HttpResponse:
    form = CatalogFilterForm(request.GET)
    products = products_for_catalog(**form.filters())
    page = Paginator(products, settings.CATALOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "catalog/catalog.html#product-list", context)
    return render(request, "catalog/catalog.html", context)


@require_GET
def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = product_for_shop(slug=slug)
    return render(request, "catalog/product_detail.html", {"product": product, "form": AddToCartForm()})
