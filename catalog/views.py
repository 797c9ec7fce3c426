from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from cart.forms import AddToCartForm
from catalog.forms import CatalogFilterForm
from catalog.fragments import product_list_html
from catalog.selectors import catalog_version, categories_for_shop, product_for_shop


@require_GET
@vary_on_headers("HX-Request")
def catalog(request: HttpRequest) -> HttpResponse:
    version = catalog_version()
    form = CatalogFilterForm(request.GET, categories=categories_for_shop(version=version))
    product_list = product_list_html(request, form.filters(), version=version)
    if request.htmx and not request.htmx.history_restore_request:
        return HttpResponse(product_list)
    return render(request, "catalog/catalog.html", {"form": form, "product_list": product_list})


@require_GET
def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = product_for_shop(slug=slug)
    return render(request, "catalog/product_detail.html", {"product": product, "form": AddToCartForm()})
