"""Pages that are the same for every visitor but for the CSRF token and the CSP nonce.

Such a page is rendered with a marker where each of those goes, and every response punches in its own request's
values. For a visitor who brings no cookie but the CSRF one (no session: not signed in, no cart, no messages) the
marked page is also kept in this process's memory (the "local" cache) under the caller's version, so the busiest
anonymous pages cost a dictionary lookup instead of a render. Anyone else gets a fresh render: nothing personal is
ever shared.
"""

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.middleware.csrf import get_token

CSRF_MARK = "csrf-token-of-this-request"
NONCE_MARK = "csp-nonce-of-this-request"
# Template context that puts the markers where {% csrf_token %}, {{ csrf_token }} and {{ csp_nonce }} go.
MARKS = {"csrf_token": CSRF_MARK, "csp_nonce": NONCE_MARK}
LIFETIME = 300  # seconds; the caller's version changes with whatever the page shows anyway


def is_stateless(request: HttpRequest) -> bool:
    """True when the visitor brings nothing the page could depend on: no session, no messages."""
    return request.COOKIES.keys() <= {settings.CSRF_COOKIE_NAME}


def personalised(request: HttpRequest, marked_html: str) -> str:
    return marked_html.replace(CSRF_MARK, get_token(request)).replace(NONCE_MARK, str(get_nonce(request)))


def shared_page(request: HttpRequest, *, version: str, render_marked: Callable[[], str]) -> HttpResponse:
    """The page render_marked draws (with MARKS in its context), from the cache for stateless visitors.

    version must change whenever anything the page shows does; the request's path and query and its htmx headers
    are added to it here.
    """
    if not is_stateless(request):
        return HttpResponse(personalised(request, render_marked()))
    htmx = f"{request.headers.get('HX-Request', '')}:{request.headers.get('HX-History-Restore-Request', '')}"
    key = "page:" + hashlib.sha256(f"{version}|{htmx}|{request.get_full_path()}".encode()).hexdigest()
    local = caches["local"]
    marked_html = local.get(key)
    if marked_html is None:
        marked_html = render_marked()
        local.set(key, marked_html, LIFETIME)
    return HttpResponse(personalised(request, marked_html))
