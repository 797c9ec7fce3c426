import json
import logging

import stripe
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from milkshop.money import format_money
from orders.workflows import payment_declined, payment_succeeded
from payments.forms import TopUpForm
from payments.gateways import stripe_enabled
from payments.models import Payment, PaymentPurpose, PaymentStatus
from payments.selectors import payments_for_user, wallet_balance, wallet_entries_for_user
from payments.services import PaymentError, payment_start_checkout, wallet_topup_create
from payments.webhooks import stripe_event_handle

logger = logging.getLogger(__name__)


def _after_payment_url(payment: Payment) -> str:
    if payment.purpose == PaymentPurpose.ORDER:
        return reverse("orders:detail", args=[payment.order.number])
    if payment.purpose == PaymentPurpose.ACCOUNT:
        return reverse("billing:account")
    return reverse("payments:wallet")


@login_required
def payment_history(request: HttpRequest) -> HttpResponse:
    page = Paginator(payments_for_user(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "payments/history.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def wallet(request: HttpRequest) -> HttpResponse:
    form = TopUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        payment = wallet_topup_create(user=request.user, **form.cleaned_data)
        back = request.build_absolute_uri(reverse("payments:wallet"))
        try:
            return redirect(payment_start_checkout(payment=payment, success_url=back, cancel_url=back))
        except PaymentError as error:
            form.add_error(None, str(error))
    entries = Paginator(wallet_entries_for_user(user=request.user), 20).get_page(request.GET.get("page"))
    context = {"form": form, "balance": wallet_balance(user=request.user), "entries": entries}
    return render(request, "payments/wallet.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def demo_checkout(request: HttpRequest, key) -> HttpResponse:
    """The demo gateway's payment page: approve or decline, then the same path as a provider's webhook."""
    if not settings.PAYMENTS_DEMO_GATEWAY:
        raise Http404("The demo gateway is off.")
    payment = get_object_or_404(Payment.objects.select_related("order"), idempotency_key=key, user=request.user)
    if request.method == "GET":
        return render(request, "payments/demo_checkout.html", {"payment": payment})
    if payment.status != PaymentStatus.PENDING:
        messages.info(request, "This payment was already settled.")
    elif request.POST.get("decision") == "approve":
        payment_succeeded(payment_id=payment.pk, reference=f"demo_{payment.idempotency_key.hex}")
        messages.success(request, f"Payment of {format_money(payment.amount)} received. Thank you!")
    else:
        payment_declined(payment_id=payment.pk, reason="Declined on the demo payment page.")
        messages.error(request, "The payment was declined. You can try again or pick another way to pay.")
    return redirect(_after_payment_url(payment))


@csrf_exempt  # Stripe cannot send our CSRF token; the signature check below takes its place.
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    if not stripe_enabled():
        raise Http404("Stripe is not configured.")
    payload = request.body.decode("utf-8", errors="replace")
    signature = request.headers.get("Stripe-Signature", "")
    try:
        stripe.WebhookSignature.verify_header(payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=300)
        event = json.loads(payload)
        event["id"], event["type"], event["data"]["object"]  # noqa: B018 - a malformed event is a bad request
    except (stripe.SignatureVerificationError, ValueError, KeyError, TypeError) as error:
        logger.warning("Refused a Stripe webhook: %s", error)
        return HttpResponseBadRequest("Invalid signature or payload.")
    stripe_event_handle(event)
    return HttpResponse(status=200)
