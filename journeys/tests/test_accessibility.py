"""axe-core (vendored from npm in static/vendor/axe, injected by the test only) on the shop's main pages.

Each page is checked as the visitor who really sees it, at desktop and phone width; a violation of impact
"serious" or "critical" fails the test with the rule, the help text and the offending elements.
"""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page

from journeys.tests.shop import DESKTOP, PHONE, demo_shop, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe" / "axe.min.js"
BLOCKING = ("serious", "critical")


def axe_violations(page: Page) -> list[dict]:
    """Run axe on the page as it stands; the serious and critical violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=AXE)
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [violation for violation in results["violations"] if violation["impact"] in BLOCKING]


def describe(page_name: str, violations: list[dict]) -> list[str]:
    lines = []
    for violation in violations:
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        lines.append(f"{page_name}: {violation['id']} ({violation['impact']}) {violation['help']} — {targets}")
        lines.append(f"    {violation['nodes'][0]['failureSummary'].splitlines()[-1].strip()}")
    return lines


def new_page(browser: Browser, viewport: dict) -> Page:
    # The shop's CSP allows no inline script, which is what add_script_tag(path=...) inserts: the test's own
    # browser context bypasses the CSP so axe can run; users' pages never load axe.
    return browser.new_context(viewport=viewport, bypass_csp=True).new_page()


def test_axe_reports_what_it_should(live_server, browser: Browser):
    """The check itself can fail: the catalog spoiled with an unlabelled field and grey-on-grey text is reported."""
    page = new_page(browser, DESKTOP)
    page.goto(live_server.url)
    assert axe_violations(page) == []
    page.evaluate(
        """() => {
            const main = document.querySelector("main");
            main.append(document.createElement("input"));
            const faint = document.createElement("p");
            faint.textContent = "Faint print";
            Object.assign(faint.style, {color: "#aaaaaa", backgroundColor: "#bbbbbb"});
            main.append(faint);
        }"""
    )
    found = {violation["id"] for violation in axe_violations(page)}
    assert {"color-contrast", "label"} <= found


@pytest.mark.parametrize("role", ["anonymous", "customer", "rider", "staff"])
def test_main_pages_have_no_serious_accessibility_violations(live_server, browser: Browser, role: str):
    shop = demo_shop()
    problems = []
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(browser, viewport)
        if email := shop.email(role):
            sign_in(page, live_server.url, email)
        for page_name, path in shop.pages(role).items():
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.ok, f"{path} answered {response and response.status}"
            problems += describe(f"{page_name} ({name}, {path})", axe_violations(page))
        page.context.close()
    assert not problems, "axe found serious or critical problems:\n" + "\n".join(problems)
