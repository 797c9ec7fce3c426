"""`/metrics`: Prometheus text format for staff and for the scraper's addresses; a 404 for everyone else."""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST

from milkshop.observability.metrics import metrics_render

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def allowed_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """METRICS_ALLOWED_IPS as networks: single addresses (`10.0.0.5`) or ranges (`10.0.0.0/24`)."""
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def address_allowed(address: str | None) -> bool:
    """Only REMOTE_ADDR counts: X-Forwarded-For is whatever the client wants it to be."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in allowed_networks(tuple(settings.METRICS_ALLOWED_IPS)))


def metrics_access(request: HttpRequest) -> bool:
    if address_allowed(request.META.get("REMOTE_ADDR")):
        return True
    user = request.user
    return user.is_authenticated and user.is_active and user.is_staff


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_access(request):
        raise Http404  # the same answer as for any unknown address: don't tell anyone it is here
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return HttpResponse(metrics_render(), content_type=CONTENT_TYPE_LATEST)
