from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import retarget, trigger_client_event

from cart.forms import QuantityForm
from cart.selectors import cart_contents, cart_contents_for_request, cart_for_request
from cart.services import CartError, cart_add_item, cart_clear, cart_get_or_create, cart_remove_item, cart_set_quantity
from catalog.models import Product
from milkshop.page_cache import MARKS, customer_page

CART_CHANGED = "cartChanged"


def _first_error(form: QuantityForm) -> str:
    return form.errors["qty"][0]


def _back_or_cart(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return HttpResponseRedirect(next_url)  # not redirect(): it would look up "next=milk" as a view name (500)
    return redirect("cart:detail")


def _cart_changed(response: HttpResponse) -> HttpResponse:
    return trigger_client_event(response, CART_CHANGED, after="swap")


@require_GET
def cart_detail(request: HttpRequest) -> HttpResponse:
    def render_marked() -> str:
        contents = cart_contents_for_request(request)
        context = {"contents": contents, "cart_count": contents.item_count, **MARKS}
        return render_to_string("cart/cart.html", context, request=request)

    return customer_page(request, render_marked=render_marked)


@require_GET
def cart_badge(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html#cart-link")


@require_POST
def cart_add(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=product_id)
    form = QuantityForm(request.POST)
    try:
        if not form.is_valid():
            raise CartError(_first_error(form))
        cart_add_item(cart=cart_get_or_create(request), product=product, qty=form.cleaned_data["qty"])
    except CartError as error:
        if request.htmx:
            context = {"product": product, "error": str(error)}
            return render(request, "cart/add_status.html", context, status=422)
        messages.error(request, str(error))
        return _back_or_cart(request)
    notice = f"Added {form.cleaned_data['qty']} × {product.name} to your cart."
    if request.htmx:
        return _cart_changed(render(request, "cart/add_status.html", {"product": product, "notice": notice}))
    messages.success(request, notice)
    return _back_or_cart(request)


def _owned_line(request: HttpRequest, product_id: int):
    """The caller's cart and the product of one of its lines; 404 for anything else."""
    cart = cart_for_request(request)
    if cart is None or not cart.items.filter(product_id=product_id).exists():
        raise Http404("No such item in your cart.")
    return cart, Product.objects.get(pk=product_id)


def _line_response(request: HttpRequest, cart, product_id: int, *, error: str = "", status: int = 200) -> HttpResponse:
    """The changed line and, out of band, the totals; the whole cart once it is empty."""
    contents = cart_contents(cart)
    if not contents.lines:
        return retarget(render(request, "cart/cart.html#cart", {"contents": contents}), "#cart")
    context = {"contents": contents, "line": contents.line_for(product_id), "error": error, "oob": True}
    html = render(request, "cart/cart.html#cart-line", context).content
    html += render(request, "cart/cart.html#cart-totals", context).content
    return HttpResponse(html, status=status)


@require_POST
def cart_update(request: HttpRequest, product_id: int) -> HttpResponse:
    cart, product = _owned_line(request, product_id)
    form = QuantityForm(request.POST)
    try:
        if not form.is_valid():
            raise CartError(_first_error(form))
        cart_set_quantity(cart=cart, product=product, qty=form.cleaned_data["qty"])
    except CartError as error:
        if request.htmx:
            return _line_response(request, cart, product_id, error=str(error), status=422)
        messages.error(request, f"{product.name}: {error}")
        return redirect("cart:detail")
    if request.htmx:
        return _cart_changed(_line_response(request, cart, product_id))
    messages.success(request, f"{product.name}: quantity changed to {form.cleaned_data['qty']}.")
    return redirect("cart:detail")


@require_POST
def cart_remove(request: HttpRequest, product_id: int) -> HttpResponse:
    cart, product = _owned_line(request, product_id)
    cart_remove_item(cart=cart, product=product)
    if request.htmx:
        contents = cart_contents(cart)
        if not contents.lines:
            response = retarget(render(request, "cart/cart.html#cart", {"contents": contents}), "#cart")
        else:
            response = render(request, "cart/cart.html#cart-totals", {"contents": contents, "oob": True})
        return _cart_changed(response)
    messages.success(request, f"Removed {product.name} from your cart.")
    return redirect("cart:detail")


@require_POST
def cart_empty(request: HttpRequest) -> HttpResponse:
    cart = cart_for_request(request)
    if cart is not None:
        cart_clear(cart=cart)
    if request.htmx:
        contents = cart_contents(cart)
        return _cart_changed(retarget(render(request, "cart/cart.html#cart", {"contents": contents}), "#cart"))
    messages.success(request, "Your cart is empty now.")
    return redirect("cart:detail")
