"""Catalog and product pages come from the cache for visitors without a session, personalised per request."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from catalog.models import Category, Product
from catalog.tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

CATALOG = reverse("catalog:catalog")


def csrf_tokens(page: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)) | set(
        re.findall(r'"X-CSRFToken": "([^"]+)"', page)
    )


def test_a_second_visitor_is_served_from_the_cache_with_their_own_token_and_nonce(
    client, django_assert_max_num_queries
):
    milk = ProductFactory(name="Cow Milk")
    client.get(milk.get_absolute_url())

    other = Client()
    with django_assert_max_num_queries(0):
        response = other.get(milk.get_absolute_url())

    page = response.content.decode()
    assert "Cow Milk" in page
    assert "-of-this-request" not in page
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'nonce="{nonce}"' in page
    (token,) = csrf_tokens(page)
    added = other.post(reverse("cart:add", args=[milk.pk]), {"qty": "1", "csrfmiddlewaretoken": token})
    assert added.status_code == 302
    assert other.get(reverse("cart:detail")).context["contents"].item_count == 1


def test_visitors_never_share_a_token(client):
    ProductFactory()
    first, second = client.get(CATALOG).content.decode(), Client().get(CATALOG).content.decode()

    assert csrf_tokens(first).isdisjoint(csrf_tokens(second))


def test_a_signed_in_customer_gets_their_own_page_and_never_the_cached_one(client):
    ProductFactory(name="Cow Milk")
    client.get(CATALOG)  # cached for visitors
    customer = Client()
    customer.force_login(UserFactory(name="Asha Rao"))

    assert "Asha" in customer.get(CATALOG).content.decode()
    assert "Asha" not in Client().get(CATALOG).content.decode()


def test_a_visitor_with_a_cart_sees_its_count_not_the_cached_header(client):
    milk = ProductFactory()
    client.get(CATALOG)
    shopper = Client()
    shopper.post(reverse("cart:add", args=[milk.pk]), {"qty": "3"})

    page = shopper.get(CATALOG).content.decode()

    assert re.search(r'class="badge cart-count">3<', page)


@pytest.mark.parametrize(
    ("change", "shows", "hides"),
    [
        (lambda milk: Product.objects.filter(pk=milk.pk).update(price=Decimal("41.00")), "₹41.00", "₹32.00"),
        (lambda milk: Category.objects.filter(pk=milk.category_id).update(name="Fresh Milk"), "Fresh Milk", None),
        (lambda milk: ProductFactory(name="Paneer", category=milk.category), "Paneer", None),
        (lambda milk: Product.objects.filter(pk=milk.pk).delete(), "No products match", "Cow Milk"),
    ],
    ids=["bulk price update", "category renamed", "product added", "product deleted"],
)
def test_cached_pages_follow_catalog_changes_at_once(client, change, shows, hides):
    # Never stocked: a product with stock movements is kept for their record (it can be hidden instead).
    milk = ProductFactory(name="Cow Milk", price=Decimal("32.00"), category=CategoryFactory(name="Milk"), stock=0)
    assert shows not in client.get(CATALOG).content.decode()

    change(milk)
    page = Client().get(CATALOG).content.decode()

    assert shows in page
    if hides:
        assert hides not in page
