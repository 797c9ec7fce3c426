from decimal import Decimal

from django.http import HttpRequest
from ninja import Router
from pydantic import Field

from cart.selectors import CartContents, cart_contents
from cart.services import CartError, cart_add_item, cart_get_or_create
from catalog.models import Product
from milkshop.apibase import COMMON_ERRORS, ApiError, CamelSchema, bearer, forbid_other_user, not_found

router = Router(tags=["cart"])


class CartAddIn(CamelSchema):
    user_id: int | None = None
    product_id: int
    qty: int = Field(ge=-1_000_000, le=1_000_000)


class CartItemOut(CamelSchema):
    product_id: int
    name: str
    qty: int
    price: Decimal
    line_total: Decimal
    problem: str


class CartOut(CamelSchema):
    cart_id: int | None
    items: list[CartItemOut]
    total_amount: Decimal
    can_check_out: bool


def cart_out(contents: CartContents) -> dict:
    return {
        "cart_id": contents.cart.pk if contents.cart else None,
        "items": [
            {
                "product_id": line.product.pk,
                "name": line.product.name,
                "qty": line.qty,
                "price": line.unit_price,
                "line_total": line.line_total,
                "problem": line.problem,
            }
            for line in contents.lines
        ],
        "total_amount": contents.total_amount,
        "can_check_out": contents.can_check_out,
    }


@router.post(
    "/cart/add", response={200: CartOut, **COMMON_ERRORS}, auth=bearer, by_alias=True, summary="Add to your cart"
)
def cart_add(request: HttpRequest, payload: CartAddIn):
    forbid_other_user(request, payload.user_id)
    product = Product.objects.filter(pk=payload.product_id).first()
    if product is None:
        raise not_found("product")
    cart = cart_get_or_create(request)
    try:
        cart_add_item(cart=cart, product=product, qty=payload.qty)
    except CartError as error:
        raise ApiError(409, "cart_refused", str(error), {"qty": [str(error)]}) from error
    return cart_out(cart_contents(cart))


@router.get("/cart/view", response={200: CartOut, **COMMON_ERRORS}, auth=bearer, by_alias=True, summary="Your cart")
def cart_view(request: HttpRequest):
    return cart_out(cart_contents(cart_get_or_create(request)))
