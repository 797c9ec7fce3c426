"""The catalog's product list, rendered once per query and catalog version and kept in each process's memory.

It is the shop's busiest fragment and the same for every visitor but for the CSRF token of its add-to-cart
forms, so it is cached marked (see milkshop.page_cache) and the page it goes into punches each request's token
in.
"""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from catalog.selectors import products_for_catalog
from milkshop.page_cache import MARKS

LIFETIME = 300  # seconds; any change to a product starts a new version anyway


def _render(request: HttpRequest, filters: dict) -> str:
    page = Paginator(products_for_catalog(**filters), settings.CATALOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "query": query.urlencode(), **MARKS}
    return render_to_string("catalog/catalog.html#product-list", context, request=request)


def marked_product_list(request: HttpRequest, filters: dict, *, version: str) -> SafeString:
    """The product list for this request's query, with MARKS unpunched: from the cache while the version holds."""
    path = request.get_full_path()
    key = "catalog:list:" + hashlib.sha256(f"{version}|{path}".encode()).hexdigest()
    local = caches["local"]
    html = local.get(key)
    if html is None:
        html = _render(request, filters)
        local.set(key, html, LIFETIME)
    return mark_safe(html)
