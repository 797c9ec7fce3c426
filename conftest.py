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
    from django.core.cache import cache

    cache.clear()
    yield
