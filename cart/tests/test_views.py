from decimal import Decimal

import pytest
from django.contrib.auth import get_user
from django.urls import reverse

from accounts.tests.factories import PASSWORD, UserFactory
from cart.models import Cart, CartItem
from cart.services import cart_add_item
from catalog.models import Product
from catalog.services import products_set_active
from catalog.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def add(client, product, qty, **extra):
    return client.post(reverse("cart:add", args=[product.pk]), {"qty": qty}, **extra)


def cart_quantities(cart) -> dict[int, int]:
    return dict(CartItem.objects.filter(cart=cart).values_list("product_id", "qty"))


@pytest.fixture
def customer(client):
    user = UserFactory()
    client.force_login(user)
    return user


def test_a_visitor_can_fill_a_cart(client):
    milk = ProductFactory(name="Cow Milk", price=Decimal("32.00"))

    response = add(client, milk, 2)

    assert response.status_code == 302
    page = client.get(reverse("cart:detail")).content.decode()
    assert "Cow Milk" in page
    assert "₹64.00" in page
    assert Cart.objects.get().user is None


def test_adding_over_htmx_answers_with_a_status_and_a_cart_changed_event(client, customer):
    milk = ProductFactory(name="Cow Milk")

    response = add(client, milk, 2, **HTMX)

    assert response.status_code == 200
    assert "Added 2 × Cow Milk to your cart." in response.content.decode()
    assert "cartChanged" in response["HX-Trigger-After-Swap"]
    assert cart_quantities(customer.cart) == {milk.pk: 2}


def test_header_badge_counts_units(client, customer):
    add(client, ProductFactory(), 2)
    add(client, ProductFactory(), 3)

    response = client.get(reverse("cart:badge"))

    assert '<span class="badge cart-count">5</span>' in response.content.decode()


@pytest.mark.parametrize(
    ("qty", "message"),
    [
        ("0", "at least 1"),
        ("-2", "at least 1"),
        ("1.5", "whole number"),
        ("two", "whole number"),
        ("", "at least 1"),
        ("999", "Only 10 of"),
    ],
)
def test_every_bad_quantity_is_refused_with_a_message_and_changes_nothing(client, customer, qty, message):
    milk = ProductFactory(stock=10)
    cart_add_item(cart=Cart.objects.create(user=customer), product=milk, qty=1)

    added = add(client, milk, qty, **HTMX)
    updated = client.post(reverse("cart:update", args=[milk.pk]), {"qty": qty}, **HTMX)

    assert added.status_code == 422
    assert message in added.content.decode()
    assert updated.status_code == 422
    assert message in updated.content.decode()
    assert cart_quantities(customer.cart) == {milk.pk: 1}


def test_a_bad_quantity_without_javascript_comes_back_as_a_message(client, customer):
    milk = ProductFactory(stock=3)

    response = client.post(
        reverse("cart:add", args=[milk.pk]), {"qty": "5", "next": reverse("catalog:catalog")}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("catalog:catalog")
    assert "Only 3 of" in response.content.decode()
    assert not CartItem.objects.exists()


def test_changing_a_quantity_over_htmx_returns_the_line_and_the_totals(client, customer):
    milk = ProductFactory(price=Decimal("32.00"), stock=10)
    curd = ProductFactory(price=Decimal("35.00"), stock=10)
    add(client, milk, 1)
    add(client, curd, 1)

    response = client.post(reverse("cart:update", args=[milk.pk]), {"qty": "3"}, **HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="line-{milk.pk}"' in page
    assert f'id="line-{curd.pk}"' not in page
    assert '<div id="cart-totals" class="cart-totals" aria-live="polite" hx-swap-oob="true">' in page
    assert "₹131.00" in page
    assert "cartChanged" in response["HX-Trigger-After-Swap"]


def test_removing_a_line_and_clearing_the_cart(client, customer):
    milk, curd = ProductFactory(), ProductFactory()
    add(client, milk, 1)
    add(client, curd, 2)

    client.post(reverse("cart:remove", args=[milk.pk]))
    assert cart_quantities(customer.cart) == {curd.pk: 2}

    response = client.post(reverse("cart:clear"), **HTMX)
    assert cart_quantities(customer.cart) == {}
    assert response["HX-Retarget"] == "#cart"
    assert "Your cart is empty" in response.content.decode()


def test_another_customers_line_cannot_be_changed(client, customer):
    milk = ProductFactory()
    other = Cart.objects.create(user=UserFactory())
    cart_add_item(cart=other, product=milk, qty=2)

    assert client.post(reverse("cart:update", args=[milk.pk]), {"qty": "5"}).status_code == 404
    assert client.post(reverse("cart:remove", args=[milk.pk])).status_code == 404
    assert cart_quantities(other) == {milk.pk: 2}


def test_unknown_product_is_404(client):
    assert client.post(reverse("cart:add", args=[999999]), {"qty": "1"}).status_code == 404


def test_visitor_cart_merges_into_the_customers_cart_at_login(client):
    milk, curd = ProductFactory(stock=4), ProductFactory(stock=10)
    user = UserFactory(email="merge@example.in")
    cart_add_item(cart=Cart.objects.create(user=user), product=milk, qty=3)
    add(client, milk, 2)
    add(client, curd, 1)

    client.post(reverse("account_login"), {"login": "merge@example.in", "password": PASSWORD})

    assert get_user(client).pk == user.pk
    assert cart_quantities(user.cart) == {milk.pk: 4, curd.pk: 1}
    assert Cart.objects.count() == 1


def test_a_stale_line_is_flagged_on_the_cart_page(client, customer):
    milk = ProductFactory(name="Cow Milk", stock=10)
    add(client, milk, 2)
    products_set_active(products=Product.objects.filter(pk=milk.pk), active=False)

    page = client.get(reverse("cart:detail")).content.decode()

    assert "No longer available" in page
    assert "need your attention before you can check out" in page


@pytest.mark.parametrize("lines", [5, 100])
def test_cart_page_queries_do_not_grow_with_lines(client, customer, django_assert_max_num_queries, lines):
    cart = Cart.objects.create(user=customer)
    for _ in range(lines):
        cart_add_item(cart=cart, product=ProductFactory(), qty=1)

    with django_assert_max_num_queries(5):
        response = client.get(reverse("cart:detail"))

    assert response.status_code == 200
    assert len(response.context["contents"].lines) == lines
