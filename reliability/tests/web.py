"""Real HTTP clients for the shop: `requests` sessions signed in as customers, posting forms as a browser does."""

import re
from dataclasses import dataclass

import requests
from django.conf import settings
from django.test import Client

from accounts.tests.factories import PASSWORD

TIMEOUT = 30  # seconds; a request that takes longer is a hang, and the test says so

_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token_in(html: str) -> str:
    match = _CSRF_FIELD.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@dataclass
class Browser:
    """One customer's browser: a cookie jar, the CSRF token the pages gave it, and the server it talks to."""

    base_url: str
    session: requests.Session

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}{path}"

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return self.session.get(self.url(path), **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs) -> requests.Response:
        """A form post carrying the CSRF token as the page's hidden field would."""
        token = self.session.cookies.get(settings.CSRF_COOKIE_NAME)
        assert token, "no CSRF cookie yet: open a page first"
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", TIMEOUT)
        return self.session.post(self.url(path), data={"csrfmiddlewaretoken": token, **(data or {})}, **kwargs)


def anonymous_browser(base_url: str) -> Browser:
    browser = Browser(base_url, requests.Session())
    assert browser.get("/").status_code == 200  # every page sets the CSRF cookie (it is on <body> for htmx)
    return browser


def browser_for(base_url: str, user) -> Browser:
    """A browser already signed in as user: Django's force_login, its session cookie moved into `requests`."""
    client = Client()
    client.force_login(user)
    browser = Browser(base_url, requests.Session())
    browser.session.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    assert browser.get("/").status_code == 200
    return browser


def browser_logged_in(base_url: str, email: str, password: str = PASSWORD) -> Browser:
    """A browser signed in through the real login form, CSRF token taken from the page."""
    browser = Browser(base_url, requests.Session())
    page = browser.get("/accounts/login/")
    assert page.status_code == 200, page.status_code
    response = browser.session.post(
        browser.url("/accounts/login/"),
        data={"csrfmiddlewaretoken": csrf_token_in(page.text), "login": email, "password": password},
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    assert response.status_code == 302, f"log-in as {email} answered {response.status_code}"
    return browser
