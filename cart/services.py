from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from cart.models import Cart, CartItem
from cart.selectors import SESSION_CART_ID, cart_for_request, line_limit
from catalog.models import Product


class CartError(Exception):
    """A change to the cart that cannot be made; the message is for the customer."""


def cart_get_or_create(request: HttpRequest) -> Cart:
    cart = cart_for_request(request)
    if cart is not None:
        return cart
    if request.user.is_authenticated:
        cart, _ = Cart.objects.get_or_create(user=request.user)
        return cart
    cart = Cart.objects.create()
    request.session[SESSION_CART_ID] = cart.pk
    return cart


def _check_quantity(product: Product, qty: int, *, already: int = 0) -> None:
    if not product.is_active:
        raise CartError(f"{product.name} is no longer available.")
    if product.available <= 0:
        raise CartError(f"{product.name} is out of stock.")
    if qty < 1:
        raise CartError("Enter a quantity of at least 1.")
    in_cart = f" You already have {already} in your cart." if already else ""
    if qty > product.available:
        raise CartError(f"Only {product.available} of {product.name} left in stock.{in_cart}")
    if qty > settings.CART_MAX_LINE_QTY:
        raise CartError(f"You can order at most {settings.CART_MAX_LINE_QTY} of one product.{in_cart}")


def _lock_cart(cart: Cart) -> None:
    """The cart's row first, as order_place takes it: changes to one cart queue here, so two adds of a new product
    never both create its line, and a change and a checkout never lock the cart and its lines in opposite orders."""
    Cart.objects.select_for_update().get(pk=cart.pk)


@transaction.atomic
def cart_add_item(*, cart: Cart, product: Product, qty: int) -> CartItem:
    """Add qty units to the cart (on top of what is there); refused whole if the result is not allowed."""
    _lock_cart(cart)
    product = Product.objects.with_left().get(pk=product.pk)
    item = CartItem.objects.select_for_update().filter(cart=cart, product=product).first()
    already = item.qty if item else 0
    if qty < 1:
        raise CartError("Enter a quantity of at least 1.")
    _check_quantity(product, already + qty, already=already)
    if item is None:
        item = CartItem.objects.create(cart=cart, product=product, qty=qty, price_when_added=product.price)
    else:
        item.qty = already + qty
        item.save(update_fields=["qty"])
    cart.save(update_fields=["updated_at"])
    return item


@transaction.atomic
def cart_set_quantity(*, cart: Cart, product: Product, qty: int) -> CartItem:
    """Set a line's quantity; the line must already be in the cart."""
    _lock_cart(cart)
    product = Product.objects.with_left().get(pk=product.pk)
    item = CartItem.objects.select_for_update().get(cart=cart, product=product)
    _check_quantity(product, qty)
    item.qty = qty
    item.save(update_fields=["qty"])
    cart.save(update_fields=["updated_at"])
    return item


def cart_remove_item(*, cart: Cart, product: Product) -> None:
    CartItem.objects.filter(cart=cart, product=product).delete()


def cart_clear(*, cart: Cart) -> None:
    CartItem.objects.filter(cart=cart).delete()


@transaction.atomic
def cart_merge(*, source: Cart, target: Cart) -> Cart:
    """Move a visitor's cart into the customer's at log-in: quantities add up, capped by what can be bought."""
    existing = {item.product_id: item for item in CartItem.objects.select_for_update().filter(cart=target)}
    for item in CartItem.objects.filter(cart=source).select_related("product"):
        total = item.qty + (existing[item.product_id].qty if item.product_id in existing else 0)
        limit = line_limit(item.product)
        qty = min(total, limit) if limit >= 1 else min(total, settings.CART_MAX_LINE_QTY)
        CartItem.objects.update_or_create(
            cart=target,
            product_id=item.product_id,
            defaults={"qty": qty},
            create_defaults={"qty": qty, "price_when_added": item.price_when_added},
        )
    source.delete()
    return target
