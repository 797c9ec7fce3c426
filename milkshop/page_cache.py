"""Rendered pages kept in this process's memory (the "local" cache), personalised per response.

A page is rendered with a marker where the CSRF token and the CSP nonce go (MARKS in its template context), and
every response punches in its own request's values, so one rendering serves many responses:

- shared_page: the same for every visitor. Kept for visitors who bring no cookie but the CSRF one (no session:
  not signed in, no cart, no messages), under the caller's version (catalog.versions).
- customer_page: one signed-in customer's own page. Kept under their version token (milkshop.customer_versions),
  the catalog version (prices and stock) and today's date (a delivery due today is tracked live), while
  CACHE_PERSONAL_PAGES is on. Staff and riders, whose menus differ, and pages with a message waiting are
  always drawn fresh.

A hit costs a dictionary lookup instead of a render and its queries; anyone else gets a fresh render.
"""

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token
from django.utils import timezone

from catalog.versions import catalog_version
from delivery.receivers import NAV_SESSION_KEY
from milkshop.customer_versions import customer_version

CSRF_MARK = "csrf-token-of-this-request"
NONCE_MARK = "csp-nonce-of-this-request"
# Template context that puts the markers where {% csrf_token %}, {{ csrf_token }} and {{ csp_nonce }} go.
MARKS = {"csrf_token": CSRF_MARK, "csp_nonce": NONCE_MARK}
LIFETIME = 300  # seconds; the versions change with whatever the page shows anyway


def personalised(request: HttpRequest, marked_html: str) -> str:
    return marked_html.replace(CSRF_MARK, get_token(request)).replace(NONCE_MARK, str(get_nonce(request)))


def _kept(request: HttpRequest, version: str, render_marked: Callable[[], str]) -> HttpResponse:
    htmx = f"{request.headers.get('HX-Request', '')}:{request.headers.get('HX-History-Restore-Request', '')}"
    key = "page:" + hashlib.sha256(f"{version}|{htmx}|{request.get_full_path()}".encode()).hexdigest()
    local = caches["local"]
    marked_html = local.get(key)
    if marked_html is None:
        marked_html = render_marked()
        local.set(key, marked_html, LIFETIME)
    return HttpResponse(personalised(request, marked_html))


def is_stateless(request: HttpRequest) -> bool:
    """True when the visitor brings nothing a page could depend on: no session, no messages."""
    return request.COOKIES.keys() <= {settings.CSRF_COOKIE_NAME}


def shared_page(request: HttpRequest, *, version: str, render_marked: Callable[[], str]) -> HttpResponse:
    """The page render_marked draws, kept for stateless visitors while version holds."""
    if not is_stateless(request):
        return HttpResponse(personalised(request, render_marked()))
    return _kept(request, f"shared|{version}", render_marked)


def _is_plain_customer(request: HttpRequest) -> bool:
    user = request.user
    return (
        settings.CACHE_PERSONAL_PAGES
        and user.is_authenticated
        and not user.is_staff
        and not request.session.get(NAV_SESSION_KEY)
        and not len(messages.get_messages(request))  # counting does not mark them shown
    )


def customer_page(request: HttpRequest, *, render_marked: Callable[[], str]) -> HttpResponse:
    """The signed-in customer's page render_marked draws, kept until anything on it changes."""
    if not _is_plain_customer(request):
        return HttpResponse(personalised(request, render_marked()))
    user_id = request.user.pk
    version = f"customer|{user_id}|{customer_version(user_id)}|{catalog_version()}|{timezone.localdate()}"
    return _kept(request, version, render_marked)
