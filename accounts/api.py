from datetime import datetime
from importlib import import_module

from allauth.account.adapter import get_adapter
from allauth.core import ratelimit
from allauth.headless.tokens.strategies.jwt import internal as jwt_tokens
from allauth.headless.tokens.strategies.jwt.strategy import JWTTokenStrategy
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError
from django.http import HttpRequest
from ninja import Router, Status
from pydantic import Field

from accounts.models import Address, User
from accounts.services import address_save, user_create, user_update_profile
from accounts.validators import PINCODE_MESSAGE, normalize_phone, validate_pincode
from milkshop.apibase import COMMON_ERRORS, ApiError, CamelSchema, bearer, forbid_other_user

router = Router(tags=["user"])


class RegisterIn(CamelSchema):
    name: str = Field(min_length=1, max_length=150)
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=128)
    phone: str | None = Field(default=None, max_length=20)


class RegisterOut(CamelSchema):
    message: str
    user_id: int


class LoginIn(CamelSchema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=128)


class TokenOut(CamelSchema):
    token: str
    refresh_token: str
    user_id: int


class RefreshIn(CamelSchema):
    refresh_token: str = Field(max_length=4096)


class AddressSchema(CamelSchema):
    address_id: int | None = None
    label: str = ""
    line1: str = Field(max_length=200)
    line2: str = Field(default="", max_length=200)
    area: str = Field(max_length=100)
    city: str = Field(max_length=100)
    pincode: str = Field(max_length=6)
    landmark: str = Field(default="", max_length=150)
    instructions: str = Field(default="", max_length=300)


class ProfileOut(CamelSchema):
    user_id: int
    name: str
    email: str
    phone: str
    address: AddressSchema | None
    created_at: datetime


class ProfileIn(CamelSchema):
    user_id: int | None = None
    name: str | None = Field(default=None, min_length=1, max_length=150)
    phone: str | None = Field(default=None, max_length=20)
    address: AddressSchema | None = None


def _phone(value: str | None) -> str:
    try:
        return normalize_phone(value) if value else ""
    except ValidationError as error:
        raise ApiError(400, "invalid", "Some fields are not valid.", {"phone": error.messages}) from error


def _profile(user: User) -> dict:
    address = user.addresses.filter(is_default=True).first()
    return {
        "user_id": user.pk,
        "name": user.name,
        "email": user.email,
        "phone": user.phone,
        "address": _address(address) if address else None,
        "created_at": user.created_at,
    }


def _address(address: Address) -> dict:
    fields = ["label", "line1", "line2", "area", "city", "pincode", "landmark", "instructions"]
    return {"address_id": address.pk, **{name: getattr(address, name) for name in fields}}


def _tokens_for(request: HttpRequest, user: User) -> dict:
    """A token pair from allauth's JWT strategy, bound to a fresh server-side session of its own."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    access = jwt_tokens.create_access_token(user, session, JWTTokenStrategy().get_claims(user))
    refresh = jwt_tokens.create_refresh_token(user, session)
    session.save()
    return {"token": access, "refresh_token": refresh, "user_id": user.pk}


@router.post("/user/register", response={201: RegisterOut, **COMMON_ERRORS}, by_alias=True, summary="Create an account")
def register(request: HttpRequest, payload: RegisterIn):
    if not ratelimit.consume(request, action="signup"):
        raise ApiError(429, "rate_limited", "Too many sign-ups from here. Try again in a minute.")
    email = payload.email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ApiError(
            400, "invalid", "Some fields are not valid.", {"email": ["Enter a valid email address."]}
        ) from None
    if User.objects.filter(email__iexact=email).exists():
        raise ApiError(
            409,
            "email_taken",
            "A user is already registered with this email address.",
            {"email": ["Already registered."]},
        )
    try:
        validate_password(payload.password, User(email=email, name=payload.name))
    except ValidationError as error:
        raise ApiError(400, "invalid", "Some fields are not valid.", {"password": error.messages}) from error
    try:
        user = user_create(email=email, password=payload.password, name=payload.name, phone=_phone(payload.phone))
    except IntegrityError as error:
        raise ApiError(409, "email_taken", "A user is already registered with this email address.") from error
    return Status(201, {"message": "User registered successfully", "user_id": user.pk})


@router.post("/user/login", response={200: TokenOut, **COMMON_ERRORS}, by_alias=True, summary="Get an access token")
def login(request: HttpRequest, payload: LoginIn):
    # Through allauth's adapter, as the log-in form and the admin: one count of failed attempts per account.
    try:
        user = get_adapter(request).authenticate(request, email=payload.email.lower(), password=payload.password)
    except ValidationError as error:  # allauth's "too_many_login_attempts"
        raise ApiError(429, "rate_limited", "Too many failed attempts. Try again in a few minutes.") from error
    if user is None:
        raise ApiError(401, "invalid_credentials", "The email address and/or password you specified are not correct.")
    return _tokens_for(request, user)


@router.post(
    "/user/token/refresh",
    response={200: TokenOut, **COMMON_ERRORS},
    by_alias=True,
    summary="Swap a refresh token for a new pair",
)
def refresh(request: HttpRequest, payload: RefreshIn):
    pair = JWTTokenStrategy().refresh_token(payload.refresh_token)
    if pair is None:
        raise ApiError(401, "invalid_token", "The refresh token is not valid or has expired.")
    access, refresh_token = pair
    user_id = int(jwt_tokens.decode_token(access, "access")["sub"])
    return {"token": access, "refresh_token": refresh_token, "user_id": user_id}


@router.get(
    "/user/profile", response={200: ProfileOut, **COMMON_ERRORS}, auth=bearer, by_alias=True, summary="Your profile"
)
def profile(request: HttpRequest):
    return _profile(request.user)


@router.patch(
    "/user/profile",
    response={200: ProfileOut, **COMMON_ERRORS},
    auth=bearer,
    by_alias=True,
    summary="Change your profile",
)
def profile_update(request: HttpRequest, payload: ProfileIn):
    user = request.user
    forbid_other_user(request, payload.user_id)
    if payload.name is not None or payload.phone is not None:
        name = payload.name if payload.name is not None else user.name
        phone = _phone(payload.phone) if payload.phone is not None else user.phone
        user_update_profile(user=user, name=name, phone=phone)
    if payload.address is not None:
        data = payload.address.model_dump(exclude={"address_id"})
        try:
            validate_pincode(data["pincode"])
        except ValidationError:
            raise ApiError(
                400, "invalid", "Some fields are not valid.", {"address.pincode": [PINCODE_MESSAGE]}
            ) from None
        existing = user.addresses.filter(pk=payload.address.address_id).first() if payload.address.address_id else None
        if payload.address.address_id and existing is None:
            raise ApiError(404, "not_found", "No such address.")
        address = existing or Address(user=user)
        for name, value in data.items():
            setattr(address, name, value)
        try:
            address_save(address=address, make_default=True)
        except ValidationError as error:
            raise ApiError(
                400, "invalid", "Some fields are not valid.", {f"address.{k}": v for k, v in error.message_dict.items()}
            ) from error
    user.refresh_from_db()
    return _profile(user)
