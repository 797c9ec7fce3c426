"""The JSON API for the mobile app (DESIGN §6): one router per app, mounted under /api/."""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as ModelValidationError
from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from accounts.api import router as accounts_router
from billing.api import router as billing_router
from cart.api import router as cart_router
from catalog.api import router as catalog_router
from delivery.api import router as delivery_router
from milkshop.apibase import ApiError
from orders.api import router as orders_router
from payments.api import router as payments_router
from subscriptions.api import router as subscriptions_router

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="Milkshop API",
    version="1.0",
    description="Milk and dairy delivery: products, cart, orders, subscriptions, payments and deliveries.",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)

ROUTERS = (
    accounts_router,
    catalog_router,
    cart_router,
    orders_router,
    subscriptions_router,
    payments_router,
    delivery_router,
    billing_router,
)
for router in ROUTERS:
    api.add_router("/", router)


def error(request: HttpRequest, status: int, code: str, message: str, fields: dict | None = None, **extra):
    body = {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}
    return api.create_response(request, body, status=status)


def _field_name(location: list) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "payload", "data")]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    fields: dict[str, list[str]] = {}
    for problem in exc.errors:
        fields.setdefault(_field_name(list(problem.get("loc", []))), []).append(problem.get("msg", "Invalid value."))
    return error(request, 400, "invalid", "Some fields are not valid.", fields)


@api.exception_handler(ModelValidationError)
def model_validation_error(request, exc: ModelValidationError):
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"body": exc.messages}
    return error(request, 400, "invalid", "Some fields are not valid.", fields)


@api.exception_handler(ApiError)
def api_error(request, exc: ApiError):
    return error(request, exc.status_code, exc.code, exc.message, exc.fields, **exc.extra)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return error(request, 401, "unauthorized", "Log in first: send Authorization: Bearer <token>.")


@api.exception_handler(AuthorizationError)
def authorization_error(request, exc):
    return error(request, 403, "forbidden", "You may not do that.")


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return error(request, 403, "forbidden", str(exc) or "You may not do that.")


@api.exception_handler(Http404)
def not_found(request, exc):
    return error(request, 404, "not_found", "Not found.")


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return error(request, exc.status_code, "error", exc.message)
