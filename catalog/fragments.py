"""The catalog's product list, rendered once per query and catalog version and kept in the cache.

It is the shop's busiest fragment and the same for every visitor but for the CSRF token of its add-to-cart
forms, so it is cached with a marker where the token goes and each request punches its own token in.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from catalog.selectors import products_for_catalog

CSRF_MARK = "csrf-token-of-this-request"
LIFETIME = 300  # seconds; any change to a product starts a new version anyway


def _render(request: HttpRequest, filters: dict) -> str:
    page = Paginator(products_for_catalog(**filters), settings.CATALOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "query": query.urlencode(), "csrf_mark": CSRF_MARK}
    return render_to_string("catalog/catalog.html#product-list", context, request=request)


def product_list_html(request: HttpRequest, filters: dict, *, version: str) -> SafeString:
    """The product list for this request's query: from the cache while the catalog version stays the same."""
    path = request.get_full_path()
    key = "catalog:list:" + hashlib.sha256(f"{version}|{path}".encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        html = _render(request, filters)
        cache.set(key, html, LIFETIME)
    return mark_safe(html.replace(CSRF_MARK, get_token(request)))
