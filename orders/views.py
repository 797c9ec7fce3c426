from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.documents import document_pdf_file
from billing.ledger import is_postpaid
from billing.models import TaxDocument
from billing.selectors_documents import document_for_owner, order_documents
from cart.selectors import cart_contents, cart_for_request
from catalog.selectors import stock_left_on
from delivery.selectors import open_slot_options
from milkshop.money import format_money
from milkshop.page_cache import MARKS, customer_page
from orders.forms import CheckoutForm
from orders.models import Order
from orders.selectors import order_for_invoice, order_for_user, orders_for_user
from orders.services import order_again
from orders.workflows import (
    OrderError,
    PlacementError,
    cancel_refusal,
    order_cancel,
    order_pending_payment,
    order_place,
    order_tax_document,
)
from payments.gateways import online_gateway
from payments.models import PaymentMethod
from payments.selectors import wallet_balance
from payments.services import PaymentError, payment_start_checkout


def payment_methods(request: HttpRequest) -> list[tuple[str, str]]:
    methods = []
    if online_gateway() is not None:
        methods += [(PaymentMethod.UPI, "UPI"), (PaymentMethod.CARD, "Card")]
    methods.append((PaymentMethod.CASH, "Cash on delivery"))
    methods.append((PaymentMethod.WALLET, f"Wallet (balance {format_money(wallet_balance(user=request.user))})"))
    if is_postpaid(user=request.user):
        methods.append((PaymentMethod.POSTPAID, "Monthly account (billed with your monthly statement)"))
    return methods


def _send_to_payment(request: HttpRequest, order: Order) -> HttpResponse:
    """Open the online payment page for an unpaid order; on trouble, back to the order with a message."""
    back = request.build_absolute_uri(order.get_absolute_url())
    try:
        payment = order_pending_payment(order=order, by=request.user)
        return redirect(payment_start_checkout(payment=payment, success_url=back, cancel_url=back))
    except (PaymentError, OrderError) as error:
        messages.error(request, str(error))
        return redirect(order)


def _shortages(contents, slot_options) -> dict[str, str]:
    """For each slot whose date cannot supply the whole cart: what is short, for its label."""
    days = [option.slot.date for option in slot_options]
    left = stock_left_on(product_ids=[line.product.pk for line in contents.lines], days=days)
    notes = {}
    for option in slot_options:
        short = []
        for line in contents.lines:
            available = left[(line.product.pk, option.slot.date)]
            if available < line.qty:
                short.append(f"{line.product.name}: " + ("sold out" if available <= 0 else f"only {available} left"))
        if short:
            notes[option.slot.key] = "; ".join(short)
    return notes


@login_required
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    contents = cart_contents(cart_for_request(request))
    if not contents.lines:
        messages.info(request, "Your cart is empty.")
        return redirect("cart:detail")
    if contents.has_problems:
        messages.error(request, "Some items in your cart need your attention before you can check out.")
        return redirect("cart:detail")
    slot_options = open_slot_options()
    form = CheckoutForm(
        request.POST or None,
        user=request.user,
        slot_options=slot_options,
        methods=payment_methods(request),
        slot_notes=_shortages(contents, slot_options),
    )
    line_errors = {}
    if request.method == "POST" and form.is_valid():
        try:
            placement = order_place(user=request.user, cart=contents.cart, **form.cleaned_data)
        except PlacementError as error:
            form.add_error(None, error.message)
            line_errors = error.line_errors
        else:
            order = placement.order
            for change in placement.price_changes:
                messages.warning(
                    request,
                    f"The price of {change.product_name} changed from {format_money(change.was)} to {format_money(change.now)}; your order uses the new price.",
                )
            if order.payment_method in (PaymentMethod.CARD, PaymentMethod.UPI):
                return _send_to_payment(request, order)
            messages.success(request, f"Order {order.number} is confirmed for {order.slot.label}.")
            return redirect(order)
    context = {"form": form, "contents": contents, "line_errors": line_errors, "has_slots": bool(slot_options)}
    return render(request, "orders/checkout.html", context)


@login_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(orders_for_user(user=request.user), settings.ORDERS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orders/order_list.html", {"page": page})


@login_required
@require_GET
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    def render_marked() -> str:
        order = order_for_user(user=request.user, number=number)
        context = {
            "order": order,
            "cancel_refusal": cancel_refusal(order=order, by=request.user),
            "documents": order_documents(order=order),
            "billed_monthly": order.payment_method == PaymentMethod.POSTPAID,
            **MARKS,
        }
        return render_to_string("orders/order_detail.html", context, request=request)

    return customer_page(request, render_marked=render_marked)


@login_required
@require_http_methods(["GET", "POST"])
def order_cancel_view(request: HttpRequest, number: str) -> HttpResponse:
    order = order_for_user(user=request.user, number=number)
    if request.method == "GET":
        context = {"order": order, "cancel_refusal": cancel_refusal(order=order, by=request.user)}
        return render(request, "orders/order_cancel.html", context)
    try:
        order_cancel(order=order, by=request.user, reason="Cancelled by the customer")
    except OrderError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Order {order.number} is cancelled. Anything you paid is on its way back.")
    return redirect(order)


@login_required
@require_POST
def order_pay(request: HttpRequest, number: str) -> HttpResponse:
    return _send_to_payment(request, order_for_user(user=request.user, number=number))


@login_required
@require_POST
def order_again_view(request: HttpRequest, number: str) -> HttpResponse:
    order = order_for_user(user=request.user, number=number)
    for problem in order_again(request=request, order=order):
        messages.warning(request, problem)
    messages.success(request, f"The items of order {order.number} are in your cart.")
    return redirect(reverse("cart:detail"))


@login_required
@require_GET
def order_invoice(request: HttpRequest, number: str) -> HttpResponse:
    """The order's tax invoice or bill of supply (an order on a monthly account is billed on its statement)."""
    order = order_for_invoice(user=request.user, number=number)
    if order.payment_method == PaymentMethod.POSTPAID:
        messages.info(request, "This order is billed on your monthly statement.")
        return redirect(order)
    document = order_tax_document(order=order)
    if document is None:
        messages.info(request, "The invoice is ready once the order is paid or delivered.")
        return redirect(order)
    return document_response(document)


def document_response(document: TaxDocument) -> FileResponse:
    return FileResponse(
        document_pdf_file(document=document).open("rb"),
        as_attachment=True,
        filename=f"{document.number.replace('/', '-')}.pdf",
        content_type="application/pdf",
    )


@login_required
@require_GET
def document_download(request: HttpRequest, number: str) -> HttpResponse:
    """One of the customer's own GST documents (an invoice, bill of supply or credit note); anyone else's is a 404."""
    return document_response(document_for_owner(user=request.user, number=number))
