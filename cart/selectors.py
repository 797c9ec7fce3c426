from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest

from cart.models import Cart, CartItem
from catalog.models import Product, left_soon

SESSION_CART_ID = "cart_id"


def cart_for_request(request: HttpRequest) -> Cart | None:
    """The signed-in customer's cart, or the visitor's cart named in the session; None if there is none yet."""
    if request.user.is_authenticated:
        return Cart.objects.filter(user=request.user).first()
    cart_id = request.session.get(SESSION_CART_ID)
    return Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None


def _items_for_request(request: HttpRequest) -> QuerySet[CartItem]:
    """The lines of the cart cart_for_request finds, without fetching the cart first."""
    if request.user.is_authenticated:
        return CartItem.objects.filter(cart__user=request.user)
    if cart_id := request.session.get(SESSION_CART_ID):
        return CartItem.objects.filter(cart_id=cart_id, cart__user__isnull=True)
    return CartItem.objects.none()


def cart_item_count(request: HttpRequest) -> int:
    """Units in the request's cart, for the header: one query (none for a visitor without a cart)."""
    return _items_for_request(request).aggregate(total=Sum("qty"))["total"] or 0


def line_limit(product: Product) -> int:
    """The most of one product a cart line may hold right now (for the best date open for orders)."""
    return min(product.available, settings.CART_MAX_LINE_QTY)


def line_problem(product: Product, qty: int) -> str:
    """Why this line cannot be checked out as it is, or "" when it can (checkout checks the chosen date again)."""
    if not product.is_active:
        return "No longer available: remove it to check out."
    if product.available <= 0:
        return "Out of stock: remove it to check out."
    if qty > product.available:
        return f"Only {product.available} left: lower the quantity to check out."
    return ""


@dataclass(frozen=True)
class CartLine:
    product: Product
    qty: int
    price_when_added: Decimal | None = None

    @property
    def price_changed(self) -> bool:
        return self.price_when_added is not None and self.price_when_added != self.product.price

    @property
    def unit_price(self) -> Decimal:
        return self.product.price

    @property
    def line_total(self) -> Decimal:
        return self.product.price * self.qty

    @property
    def problem(self) -> str:
        return line_problem(self.product, self.qty)

    @property
    def max_qty(self) -> int:
        return max(line_limit(self.product), 1)


@dataclass(frozen=True)
class CartContents:
    cart: Cart | None
    lines: list[CartLine]

    @property
    def total_amount(self) -> Decimal:
        return sum((line.line_total for line in self.lines), Decimal("0.00"))

    @property
    def item_count(self) -> int:
        return sum(line.qty for line in self.lines)

    @property
    def has_problems(self) -> bool:
        return any(line.problem for line in self.lines)

    @property
    def can_check_out(self) -> bool:
        return bool(self.lines) and not self.has_problems

    def line_for(self, product_id: int) -> CartLine | None:
        return next((line for line in self.lines if line.product.pk == product_id), None)


def _with_products(items: QuerySet[CartItem]) -> QuerySet[CartItem]:
    """Items with their products, and the most each product has left for a date open for orders."""
    return items.select_related("product__category").annotate(product_left=left_soon("product__"))


def _lines(items) -> list[CartLine]:
    lines = []
    for item in items:
        item.product.left_for_day = item.product_left
        lines.append(CartLine(product=item.product, qty=item.qty, price_when_added=item.price_when_added))
    return lines


def cart_contents(cart: Cart | None) -> CartContents:
    """The cart's lines priced at today's prices, with anything that blocks checkout flagged."""
    if cart is None:
        return CartContents(cart=None, lines=[])
    return CartContents(cart=cart, lines=_lines(_with_products(CartItem.objects.filter(cart=cart))))


def cart_contents_for_request(request: HttpRequest) -> CartContents:
    """cart_contents(cart_for_request(request)) in one query; an empty cart comes back as no cart."""
    items = list(_with_products(_items_for_request(request)).select_related("cart"))
    return CartContents(cart=items[0].cart if items else None, lines=_lines(items))
