"""One structured log line and one metrics observation per request, under a request id.

Goes first in MIDDLEWARE so the id covers everything the other middleware and the view log, and the
duration covers them too. Never touches the database: the user id is logged only when something
else has already loaded the user.
"""

import logging
import time

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty
from django.utils.log import log_response

from milkshop.observability.context import REQUEST_ID_HEADER, request_id, request_id_from_header
from milkshop.observability.metrics import request_observe, view_label

logger = logging.getLogger("milkshop.request")


def loaded_user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id if the request already loaded its user; never triggers a query."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = user._wrapped
        if user is empty:
            return None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


class RequestObservabilityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = request_id_from_header(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = rid
        token = request_id.set(rid)
        try:
            started = time.perf_counter()
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            response[REQUEST_ID_HEADER] = rid
            if response.status_code >= 400:
                # Django's handler logs 4xx/5xx responses after the middleware chain, when the id is gone.
                # Log it here, the same way, while the id is set; the handler then skips it.
                log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request)
            request_observe(request=request, status=response.status_code, seconds=seconds)
            duration_ms = round(seconds * 1000, 1)
            logger.log(
                logging.ERROR if response.status_code >= 500 else logging.INFO,
                "%s %s %s %sms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "view": view_label(request),
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": loaded_user_id(request),
                    "remote_addr": request.META.get("REMOTE_ADDR"),
                },
            )
            return response
        finally:
            request_id.reset(token)
