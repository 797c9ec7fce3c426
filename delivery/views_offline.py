"""The rider page as an installable web app: its manifest, and the service worker that keeps it offline.

Both are the same for everyone (nothing personal), so they need no login: browsers fetch a manifest without
cookies.
"""

import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET

THEME_COLOUR = "#1d4f91"  # --pico-primary in static/css/milkshop.css
BACKGROUND_COLOUR = "#ffffff"
SERVICE_WORKER = "js/rider-sw.js"
# What the rider page needs to show with no signal, kept by the service worker when it installs.
OFFLINE_ASSETS = (
    "vendor/pico/pico.min.css",
    "css/milkshop.css",
    "vendor/htmx/htmx.min.js",
    "js/rider-offline.js",
    "img/logo.svg",
    "img/rider-icon-192.png",
)
ICONS = (
    ("img/rider-icon-192.png", "192x192", "any"),
    ("img/rider-icon-512.png", "512x512", "any"),
    ("img/rider-icon-maskable-512.png", "512x512", "maskable"),
)


@require_GET
def rider_manifest(request: HttpRequest) -> HttpResponse:
    page = reverse("delivery:rider")
    manifest = {
        "name": f"{settings.SHOP_NAME} deliveries",
        "short_name": "Deliveries",
        "description": "Today's round: stops, items and cash, also with no signal.",
        "id": page,
        "start_url": page,
        "scope": page,
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": static(name), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for name, sizes, purpose in ICONS
        ],
    }
    response = JsonResponse(manifest, content_type="application/manifest+json")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def rider_service_worker(request: HttpRequest) -> HttpResponse:
    """static/js/rider-sw.js, after the URLs it keeps (hashed names in production) and a version made from them
    and its own text: the browser installs the worker anew whenever either changes."""
    page = reverse("delivery:rider")
    source = Path(finders.find(SERVICE_WORKER)).read_text()
    assets = [static(name) for name in OFFLINE_ASSETS]
    version = hashlib.sha256(json.dumps([source, assets]).encode()).hexdigest()[:12]
    settings_js = (
        f"const VERSION = {json.dumps(version)};\n"
        f"const PAGE = {json.dumps(page)};\n"
        f"const ASSETS = {json.dumps(assets)};\n\n"
    )
    response = HttpResponse(settings_js + source, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = page
    response["Cache-Control"] = "no-cache"
    return response
