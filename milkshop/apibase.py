"""What every router of the JSON API shares: camelCase schemas, the error shape and authentication."""

from allauth.headless.contrib.ninja.security import JWTTokenAuth
from django.http import HttpRequest
from ninja import Schema
from ninja.errors import HttpError
from pydantic import ConfigDict, field_validator
from pydantic.alias_generators import to_camel


class CamelSchema(Schema):
    """Field names as the blueprint spells them: productId, totalAmount, …"""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    @field_validator("*", mode="after")
    @classmethod
    def no_nul_characters(cls, value):
        """PostgreSQL cannot store NUL in text: refuse it here as bad input, not later as a server error."""
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("Text must not contain NUL characters.")
        return value


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: ErrorDetail


class ApiError(HttpError):
    """An answer in DESIGN §6's error shape: {"error": {"code", "message", "fields"}}."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None, **extra):
        super().__init__(status, message)
        self.code = code
        self.fields = fields or {}
        self.extra = extra


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"No such {what}.")


def forbid_other_user(request: HttpRequest, user_id: int | None) -> None:
    """A userId in a body must be the caller's own."""
    if user_id is not None and user_id != request.user.pk:
        raise ApiError(403, "forbidden", "userId is not yours.")


class BearerAuth(JWTTokenAuth):
    """allauth's JWT access tokens (Authorization: Bearer …), shown as a bearer scheme in OpenAPI."""

    openapi_type = "http"
    openapi_scheme = "bearer"
    openapi_bearerFormat = "JWT"


bearer = BearerAuth()

COMMON_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}
