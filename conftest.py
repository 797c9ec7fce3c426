import os

import pytest

# Django's live_server with Playwright's sync API runs ORM calls from an event loop thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Drive Debian's Chromium: Playwright's own browser download cannot run on these machines."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Browser tests need {CHROMIUM}: run `make browser` (apt-get install chromium).")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--headless",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and cached fragments live in the cache; each test starts without them."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield


@pytest.fixture
def staff(client, db):
    """A member of the Staff group, signed in on the test client."""
    from django.contrib.auth.models import Group

    from accounts.models import STAFF_GROUP
    from accounts.tests.factories import UserFactory

    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=STAFF_GROUP)[0])
    client.force_login(user)
    return user


@pytest.fixture
def me(client, db):
    """A customer in the delivery zone, signed in to the JSON API as the mobile app is; me.user is who they are."""
    from milkshop.tests.apiclient import ApiClient
    from orders.tests.factories import customer_with_address, delivery_zone

    delivery_zone()
    user = customer_with_address()
    api = ApiClient(client).login(user.email)
    api.user = user
    return api
