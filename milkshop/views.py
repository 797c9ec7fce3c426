from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from milkshop.health import health_report


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    healthy = all(state == "ok" for state in report.values())
    return JsonResponse(report, status=200 if healthy else 503)


@require_GET
def ping(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers (no database, no queue). Also the ceiling the page benchmarks compare to."""
    return HttpResponse("ok", content_type="text/plain")
