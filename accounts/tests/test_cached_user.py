"""With Redis, request.user comes from the cache; any change to the user takes effect on the next request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ORDERS = reverse("orders:list")


@pytest.fixture(autouse=True)
def cached_user_backends(settings):
    settings.AUTHENTICATION_BACKENDS = [
        "accounts.backends.CachedModelBackend",
        "accounts.backends.CachedAllauthBackend",
    ]


@pytest.fixture
def customer(client):
    user = UserFactory(name="Asha Rao")
    client.force_login(user)
    client.get(ORDERS)  # the first request puts the user in the cache
    return user


def user_queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in queries.captured_queries if 'FROM "accounts_user"' in query["sql"]]


def test_a_signed_in_request_loads_the_user_without_a_query(client, customer):
    assert user_queries(client, ORDERS) == []


def test_a_new_name_shows_on_the_next_page(client, customer):
    customer.name = "Meera Menon"
    customer.save()

    assert "Meera" in client.get(ORDERS).content.decode()


@pytest.mark.parametrize(
    "deactivate",
    [
        lambda user: User.objects.filter(pk=user.pk).update(is_active=False),
        lambda user: setattr(user, "is_active", False) or user.save(),
    ],
    ids=["bulk update", "save"],
)
def test_a_deactivated_customer_is_signed_out_at_once(client, customer, deactivate):
    deactivate(customer)

    response = client.get(ORDERS)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_new_password_signs_out_every_other_session(client, customer):
    customer.set_password("an-entirely-new-password")
    customer.save()

    response = client.get(ORDERS)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
