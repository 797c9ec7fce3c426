import pytest
from django.contrib.auth import get_user
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = reverse("account_signup")


def signup_data(**overrides):
    data = {
        "name": "Meera Iyer",
        "email": "meera@example.in",
        "phone": "98450 12345",
        "password1": "fresh-milk-every-day",
        "password2": "fresh-milk-every-day",
    }
    data.update(overrides)
    return data


def test_signup_creates_the_customer_and_logs_them_in(client):
    response = client.post(SIGNUP, signup_data())

    assert response.status_code == 302
    user = User.objects.get(email="meera@example.in")
    assert user.name == "Meera Iyer"
    assert user.phone == "+919845012345"
    assert get_user(client).pk == user.pk


def test_signup_page_asks_for_name_and_phone(client):
    page = client.get(SIGNUP).content.decode()

    assert 'name="name"' in page
    assert 'name="phone"' in page


def test_signup_with_a_taken_email_says_so(client):
    UserFactory(email="meera@example.in")

    response = client.post(SIGNUP, signup_data(email="Meera@Example.in"))

    assert response.status_code == 200
    assert "already registered with this email" in response.content.decode()
    assert User.objects.filter(email__iexact="meera@example.in").count() == 1


def test_signup_with_a_bad_phone_explains_the_format(client):
    response = client.post(SIGNUP, signup_data(phone="12345"))

    assert response.status_code == 200
    assert "10-digit Indian mobile number" in response.content.decode()
    assert not User.objects.filter(email="meera@example.in").exists()


def test_signup_without_a_name_is_refused(client):
    response = client.post(SIGNUP, signup_data(name=""))

    assert response.status_code == 200
    assert not User.objects.exists()


def test_login_with_email_and_password(client):
    user = UserFactory(email="ravi@example.in")

    response = client.post(reverse("account_login"), {"login": "ravi@example.in", "password": PASSWORD})

    assert response.status_code == 302
    assert get_user(client).pk == user.pk


def test_login_with_a_wrong_password_is_refused_with_a_message(client):
    UserFactory(email="ravi@example.in")

    response = client.post(reverse("account_login"), {"login": "ravi@example.in", "password": "not-it"})

    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert not get_user(client).is_authenticated


def test_logout_ends_the_session(client):
    client.force_login(UserFactory())

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert not get_user(client).is_authenticated


def test_password_change_takes_the_new_password(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "new-milk-route-2026", "password2": "new-milk-route-2026"},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("new-milk-route-2026")


def test_password_reset_emails_a_link(client):
    UserFactory(email="ravi@example.in")

    response = client.post(reverse("account_reset_password"), {"email": "ravi@example.in"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ravi@example.in"]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
