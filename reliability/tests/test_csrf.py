"""CSRF on every URL of the shop, walked from Django's resolver: a POST without the token is refused by the CSRF
check itself, whatever the view; the only views exempt from it are the Stripe webhook (signed instead) and the
token-authenticated JSON APIs, which a cookie alone cannot drive.
"""

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory
from reliability.tests.urlwalk import routes, sample_url

pytestmark = pytest.mark.django_db

SIGNED_INSTEAD = {"payments:stripe_webhook"}
TOKEN_APIS = ("api:", "headless:app:")  # Authorization: Bearer / X-Session-Token, never the session cookie
# django-allauth 65.22.1's ManagePhoneView reads self.user before setting it for an anonymous PATCH/PUT/DELETE:
# a server error (AttributeError), with or without cookies. The shop has no phone log-in; upstream's to fix.
ALLAUTH_PHONE_BUG = {("headless:app:account:manage_phone", "patch")}


def exempt(route) -> bool:
    return bool(getattr(route.callback, "csrf_exempt", False))


def csrf_refusal(response) -> bool:
    return response.status_code == 403 and b"CSRF verification failed" in response.content


@pytest.fixture
def staff_browser() -> Client:
    """Signed in as staff, so no permission check stands in front of the CSRF check."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_only_the_webhook_and_the_token_apis_are_exempt_from_csrf():
    exempted = {route.label for route in routes() if exempt(route)}
    unexpected = {label for label in exempted if label not in SIGNED_INSTEAD and not label.startswith(TOKEN_APIS)}
    assert unexpected == set()
    assert exempted >= SIGNED_INSTEAD


def test_every_other_url_refuses_a_post_without_the_csrf_token(staff_browser):
    checked, let_through = [], []
    for route in routes():
        if exempt(route):
            continue
        url = sample_url(route)
        response = staff_browser.post(url, {"qty": "1", "action": "cancel"})
        if not csrf_refusal(response):
            let_through.append((route.label, url, response.status_code))
        checked.append(route.label)

    assert let_through == []
    assert len(checked) > 100  # the walk really covered the shop, the admin and allauth
    # The refusals are the CSRF check's: the same browser with its token gets through.
    staff_browser.get("/")
    token = staff_browser.cookies["csrftoken"].value
    assert staff_browser.post("/cart/clear/", {"csrfmiddlewaretoken": token}).status_code == 302


def test_a_session_cookie_alone_does_not_drive_the_token_apis(staff_browser):
    """What a forged cross-site request to the exempt APIs would carry: the victim's cookies and nothing else."""
    staff_browser.raise_request_exception = False
    answered = []
    for route in routes():
        if not (exempt(route) and route.label.startswith(TOKEN_APIS)):
            continue
        url = sample_url(route)
        for method in ("post", "patch"):
            response = getattr(staff_browser, method)(url, "{}", content_type="application/json")
            refused = 400 <= response.status_code < 500 or (route.label, method) in ALLAUTH_PHONE_BUG
            if not refused:
                answered.append((route.label, method, response.status_code))
    assert answered == []
