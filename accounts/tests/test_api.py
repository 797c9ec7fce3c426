import pytest
from allauth.headless.tokens.strategies.jwt import internal as jwt_tokens

from accounts.models import User
from accounts.tests.factories import AddressFactory, UserFactory
from milkshop.tests.apiclient import ApiClient, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    return ApiClient(client)


def test_register_as_in_the_blueprint(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/user/register",
            {"name": "Jimmy", "email": "jimmy@example.com", "password": "test-milk-123", "phone": "9876543210"},
        )

    assert response.status_code == 201
    user = User.objects.get(email="jimmy@example.com")
    assert response.json() == {"message": "User registered successfully", "userId": user.pk}
    assert user.phone == "+919876543210"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "J", "email": "not-an-email", "password": "test-milk-123"}, "email"),
        ({"name": "J", "email": "j@example.com", "password": "123"}, "password"),
        ({"name": "J", "email": "j@example.com", "password": "test-milk-123", "phone": "12"}, "phone"),
        ({"email": "j@example.com", "password": "test-milk-123"}, "name"),
    ],
)
def test_register_bad_input_names_the_field(api, body, field):
    response = api.post("/user/register", body)

    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert not User.objects.exists()


def test_register_a_taken_email_is_a_conflict(api):
    UserFactory(email="jimmy@example.com")

    response = api.post("/user/register", {"name": "Jimmy", "email": "Jimmy@Example.com", "password": "test-milk-123"})

    assert response.status_code == 409
    assert error_of(response)["code"] == "email_taken"


def test_login_returns_allauth_jwt_tokens_that_open_the_profile(api):
    user = UserFactory(email="ravi@example.in")

    response = api.post("/user/login", {"email": "ravi@example.in", "password": "correct-horse-battery-staple"})

    body = response.json()
    assert response.status_code == 200
    assert body["userId"] == user.pk
    assert jwt_tokens.decode_token(body["token"], "access")["sub"] == str(user.pk)
    assert api.get("/user/profile", token=body["token"]).json()["email"] == "ravi@example.in"


def test_a_refresh_token_gives_a_new_pair_once(api):
    UserFactory(email="ravi@example.in")
    first = api.post("/user/login", {"email": "ravi@example.in", "password": "correct-horse-battery-staple"}).json()

    renewed = api.post("/user/token/refresh", {"refreshToken": first["refreshToken"]})
    replayed = api.post("/user/token/refresh", {"refreshToken": first["refreshToken"]})

    assert renewed.status_code == 200
    assert api.get("/user/profile", token=renewed.json()["token"]).status_code == 200
    assert replayed.status_code == 401


def test_wrong_password_is_401_and_repeated_failures_are_rate_limited(api):
    UserFactory(email="ravi@example.in")

    statuses = [api.post("/user/login", {"email": "ravi@example.in", "password": "nope"}).status_code for _ in range(7)]

    assert statuses[:5] == [401] * 5
    assert statuses[-1] == 429
    assert (
        api.post("/user/login", {"email": "ravi@example.in", "password": "correct-horse-battery-staple"}).status_code
        == 429
    )


def test_registration_is_rate_limited(api, settings):
    settings.ACCOUNT_RATE_LIMITS = {"signup": "3/m/ip"}
    statuses = [
        api.post("/user/register", {"name": "N", "email": f"n{n}@example.com", "password": "test-milk-123"}).status_code
        for n in range(4)
    ]

    assert statuses == [201, 201, 201, 429]


@pytest.mark.parametrize("token", [None, "garbage", "eyJhbGciOiJIUzI1NiJ9.e30.invalid"])
def test_profile_needs_a_valid_token(api, token):
    response = api.get("/user/profile", token=token or "")

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


def test_an_expired_token_is_refused(api, settings):
    settings.HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN = -10
    user = UserFactory(email="ravi@example.in")
    token = api.login(user.email).token

    assert api.get("/user/profile", token=token).status_code == 401


def test_profile_shows_and_changes_name_phone_and_address(api):
    user = UserFactory(email="ravi@example.in", name="Ravi")
    AddressFactory(user=user, is_default=True, pincode="560034")
    me = api.login(user.email)

    shown = me.get("/user/profile").json()
    changed = me.patch(
        "/user/profile",
        {
            "name": "Ravi K",
            "phone": "98450 11111",
            "address": {"line1": "2 MG Road", "area": "Ashok Nagar", "city": "Bengaluru", "pincode": "560001"},
        },
    )

    assert set(shown) == {"userId", "name", "email", "phone", "address", "createdAt"}
    assert shown["address"]["pincode"] == "560034"
    assert changed.status_code == 200
    body = changed.json()
    assert (body["name"], body["phone"], body["address"]["line1"]) == ("Ravi K", "+919845011111", "2 MG Road")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "123"}, "phone"),
        ({"address": {"line1": "x", "area": "y", "city": "z", "pincode": "012345"}}, "address.pincode"),
        ({"name": ""}, "name"),
    ],
)
def test_profile_bad_input(api, body, field):
    user = UserFactory()
    response = api.login(user.email).patch("/user/profile", body)

    assert response.status_code == 400
    assert field in error_of(response)["fields"]


def test_someone_elses_user_id_is_forbidden(api):
    user, other = UserFactory(), UserFactory()

    response = api.login(user.email).patch("/user/profile", {"userId": other.pk, "name": "Hijack"})

    assert response.status_code == 403
    other.refresh_from_db()
    assert other.name != "Hijack"


def test_someone_elses_address_is_not_found(api):
    user = UserFactory()
    theirs = AddressFactory()

    response = api.login(user.email).patch(
        "/user/profile",
        {"address": {"addressId": theirs.pk, "line1": "x", "area": "y", "city": "z", "pincode": "560001"}},
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.line1 != "x"


def test_openapi_and_docs_are_published(api):
    spec = api.get("/openapi.json").json()

    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/user/register",
        "/api/user/login",
        "/api/products",
        "/api/cart/add",
        "/api/order/create",
        "/api/payment/pay",
    ):
        assert path in spec["paths"], path
    assert api.get("/docs").status_code == 200
