"""Password guessing, at each of the shop's three log-ins: allauth's form, the JSON API and the admin.

allauth's failed-login limits (django-allauth defaults): 5 failures per account in 5 minutes, 10 per IP address a
minute. Counters live in the cache (Redis in production, shared by every gunicorn worker).
"""

import pytest
from django.test import Client

from accounts.tests.factories import PASSWORD, UserFactory
from milkshop.tests.apiclient import ApiClient

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many failed login attempts"


def html_login(client: Client, email: str, password: str) -> bool:
    """True when the log-in went through; a refusal re-shows the form."""
    response = client.post("/accounts/login/", {"login": email, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session


def api_login(client: Client, email: str, password: str) -> bool:
    return ApiClient(client).post("/user/login", {"email": email, "password": password}).status_code == 200


def admin_login(client: Client, email: str, password: str) -> bool:
    response = client.post("/admin/login/?next=/admin/", {"username": email, "password": password})
    return response.status_code == 302 and response["Location"] == "/admin/"


LOGINS = {"login form": html_login, "api": api_login, "admin": admin_login}


@pytest.mark.parametrize("login", LOGINS.values(), ids=LOGINS.keys())
def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(login):
    staff = UserFactory(email="target@example.in", is_staff=True, is_superuser=True)
    attacker = Client(REMOTE_ADDR="203.0.113.7")

    assert [login(attacker, staff.email, f"guess-{n}") for n in range(5)] == [False] * 5
    assert not login(attacker, staff.email, PASSWORD)
    # The lock is the account's, not the address's: the owner, elsewhere, is locked out too for a while...
    assert not login(Client(REMOTE_ADDR="198.51.100.2"), staff.email, PASSWORD)
    # ...and other accounts are not.
    other = UserFactory(email="other@example.in", is_staff=True, is_superuser=True)
    assert login(Client(REMOTE_ADDR="198.51.100.3"), other.email, PASSWORD)


@pytest.mark.parametrize("login", LOGINS.values(), ids=LOGINS.keys())
def test_guessing_across_many_accounts_from_one_address_is_stopped(login):
    """Password spraying: one guess each at many accounts stays under the per-account limit, not the per-IP one."""
    users = [UserFactory(is_staff=True, is_superuser=True) for _ in range(11)]
    sprayer = Client(REMOTE_ADDR="203.0.113.9")

    assert [login(sprayer, user.email, "Password123!") for user in users[:10]] == [False] * 10
    assert not login(sprayer, users[10].email, PASSWORD)
    assert login(Client(REMOTE_ADDR="198.51.100.4"), users[10].email, PASSWORD)


def test_the_refusal_says_why():
    user = UserFactory()
    client = Client()
    for _ in range(5):
        html_login(client, user.email, "nope")
    page = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert TOO_MANY in page.content.decode()
    admin_page = Client().post("/admin/login/?next=/admin/", {"username": user.email, "password": PASSWORD})
    assert TOO_MANY in admin_page.content.decode()
    api = ApiClient(Client()).post("/user/login", {"email": user.email, "password": PASSWORD})
    assert api.status_code == 429
