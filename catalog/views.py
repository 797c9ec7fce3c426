from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from catalog.forms import CatalogFilterForm
from catalog.fragments import marked_product_list
from catalog.selectors import categories_for_shop, product_for_shop, supply_outlook
from catalog.versions import catalog_version
from milkshop.page_cache import MARKS, shared_page


@require_GET
@vary_on_headers("HX-Request")
def catalog(request: HttpRequest) -> HttpResponse:
    version = catalog_version()

    def render_marked() -> str:
        form = CatalogFilterForm(request.GET, categories=categories_for_shop(version=version))
        product_list = marked_product_list(request, form.filters(), version=version)
        if request.htmx and not request.htmx.history_restore_request:
            return product_list
        context = {"form": form, "product_list": product_list, **MARKS}
        return render_to_string("catalog/catalog.html", context, request=request)

    return shared_page(request, version=f"catalog:{version}", render_marked=render_marked)


@require_GET
def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    def render_marked() -> str:
        product = product_for_shop(slug=slug)
        context = {"product": product, "supply": supply_outlook(product=product), **MARKS}
        return render_to_string("catalog/product_detail.html", context, request=request)

    return shared_page(request, version=f"product:{catalog_version()}", render_marked=render_marked)
