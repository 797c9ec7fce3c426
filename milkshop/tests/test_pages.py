import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_page_has_a_strict_content_security_policy_and_no_inline_code(client):
    response = client.get(reverse("catalog:catalog"))

    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    page = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    for script in re.findall(r"<script[^>]*>", page):
        assert 'src="/static/' in script
        assert f'nonce="{nonce}"' in script
    assert "<style" not in page
    assert " style=" not in page


def test_base_layout_serves_vendored_assets_only(client):
    page = client.get(reverse("catalog:catalog")).content.decode()

    assert "/static/vendor/htmx/htmx.min.js" in page
    assert "/static/vendor/pico/pico.min.css" in page
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_pages_carry_the_csrf_token_for_htmx(client):
    page = client.get(reverse("catalog:catalog")).content.decode()

    assert 'hx-headers=\'{"X-CSRFToken": "' in page


def test_static_assets_are_served(client):
    for path in ["vendor/htmx/htmx.min.js", "vendor/pico/pico.min.css", "css/milkshop.css"]:
        assert client.get(f"/static/{path}").status_code == 200
