from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from cart.models import Cart, CartItem
from cart.selectors import cart_contents
from cart.services import CartError, cart_add_item, cart_merge, cart_set_quantity
from catalog.models import MovementKind, Product
from catalog.services import product_update, products_set_active
from catalog.stock import stock_record
from catalog.tests.factories import ProductFactory
from orders.tests.factories import place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart():
    return Cart.objects.create(user=UserFactory())


def test_totals_are_exact_decimals_at_current_prices(cart):
    milk = ProductFactory(price=Decimal("32.10"))
    ghee = ProductFactory(price=Decimal("340.35"))
    cart_add_item(cart=cart, product=milk, qty=3)
    cart_add_item(cart=cart, product=ghee, qty=1)

    contents = cart_contents(cart)

    assert contents.total_amount == Decimal("436.65")
    assert contents.item_count == 4

    product_update(product=milk, price=Decimal("35.00"))
    assert cart_contents(cart).total_amount == Decimal("445.35")


def test_adding_the_same_product_again_adds_to_the_line(cart):
    milk = ProductFactory(stock=10)
    cart_add_item(cart=cart, product=milk, qty=2)
    cart_add_item(cart=cart, product=milk, qty=3)

    assert CartItem.objects.get(cart=cart, product=milk).qty == 5


def test_adding_beyond_stock_is_refused_and_changes_nothing(cart):
    milk = ProductFactory(name="Cow Milk", stock=4)
    cart_add_item(cart=cart, product=milk, qty=3)

    with pytest.raises(CartError, match="Only 4 of Cow Milk left in stock. You already have 3"):
        cart_add_item(cart=cart, product=milk, qty=2)

    assert CartItem.objects.get(cart=cart, product=milk).qty == 3


def test_the_per_line_maximum_applies(cart, settings):
    settings.CART_MAX_LINE_QTY = 6
    milk = ProductFactory(stock=100)

    with pytest.raises(CartError, match="at most 6 of one product"):
        cart_add_item(cart=cart, product=milk, qty=7)
    cart_add_item(cart=cart, product=milk, qty=6)
    with pytest.raises(CartError, match="at most 6 of one product"):
        cart_set_quantity(cart=cart, product=milk, qty=7)

    assert CartItem.objects.get(cart=cart, product=milk).qty == 6


@pytest.mark.parametrize("qty", [0, -1])
def test_quantities_below_one_are_refused(cart, qty):
    milk = ProductFactory()

    with pytest.raises(CartError, match="at least 1"):
        cart_add_item(cart=cart, product=milk, qty=qty)
    assert not CartItem.objects.exists()


def test_inactive_and_out_of_stock_products_cannot_be_added(cart):
    with pytest.raises(CartError, match="no longer available"):
        cart_add_item(cart=cart, product=ProductFactory(is_active=False), qty=1)
    with pytest.raises(CartError, match="out of stock"):
        cart_add_item(cart=cart, product=ProductFactory(stock=0), qty=1)
    assert not CartItem.objects.exists()


def test_lines_that_went_stale_are_flagged_and_block_checkout(cart):
    milk, curd, ghee = ProductFactory(stock=10), ProductFactory(stock=10), ProductFactory(stock=10)
    for product in (milk, curd, ghee):
        cart_add_item(cart=cart, product=product, qty=3)
    assert cart_contents(cart).can_check_out

    products_set_active(products=Product.objects.filter(pk=milk.pk), active=False)
    stock_record(product=curd, kind=MovementKind.COUNTED, qty=0)
    place_order(lines=[(ghee, 8)])

    contents = cart_contents(cart)
    problems = {line.product.pk: line.problem for line in contents.lines}
    assert "No longer available" in problems[milk.pk]
    assert "Out of stock" in problems[curd.pk]
    assert "Only 2 left" in problems[ghee.pk]
    assert not contents.can_check_out


def test_merge_adds_quantities_capped_by_stock():
    milk, curd, paneer = ProductFactory(stock=5), ProductFactory(stock=10), ProductFactory(stock=10)
    visitor = Cart.objects.create()
    customer = Cart.objects.create(user=UserFactory())
    cart_add_item(cart=visitor, product=milk, qty=4)
    cart_add_item(cart=visitor, product=curd, qty=2)
    cart_add_item(cart=customer, product=milk, qty=3)
    cart_add_item(cart=customer, product=paneer, qty=1)

    cart_merge(source=visitor, target=customer)

    quantities = dict(CartItem.objects.filter(cart=customer).values_list("product_id", "qty"))
    assert quantities == {milk.pk: 5, curd.pk: 2, paneer.pk: 1}
    assert not Cart.objects.filter(pk=visitor.pk).exists()
