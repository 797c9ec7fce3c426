"""Screenshots of every main page at phone and desktop width, for people to look at (CI keeps artifacts/).

Saved as artifacts/screenshots/<page>-<phone|desktop>.png. The test also fails when a page is wider than the
phone's screen (sideways scrolling) or a page does not load.
"""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser

from journeys.tests.shop import DESKTOP, PHONE, demo_shop, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
ROLES = ["anonymous", "customer", "rider", "staff"]


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_screenshots_of_the_main_pages(live_server, browser: Browser, width: str):
    viewport = {"phone": PHONE, "desktop": DESKTOP}[width]
    shop = demo_shop()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    too_wide, saved = [], []
    for role in ROLES:
        page = browser.new_context(viewport=viewport, is_mobile=width == "phone").new_page()
        if email := shop.email(role):
            sign_in(page, live_server.url, email)
        for name, path in shop.pages(role).items():
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.ok, f"{path} answered {response and response.status}"
            page.evaluate("document.fonts.ready")
            target = SCREENSHOTS / f"{name}-{width}.png"
            target.unlink(missing_ok=True)
            page.screenshot(path=target, full_page=True, animations="disabled")
            saved.append(target)
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > viewport["width"]:
                too_wide.append(f"{name} ({path}): {scroll_width}px wide")
        page.context.close()
    assert all(target.stat().st_size > 0 for target in saved)
    assert not too_wide, f"Pages wider than the {width} screen ({viewport['width']}px): {too_wide}"
