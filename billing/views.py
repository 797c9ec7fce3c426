"""The customer's monthly account page (and paying it online), and the rider's "take a bill payment" form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from billing.forms import AccountPayForm, CashPaymentForm
from billing.ledger import (
    ZERO,
    account_balance,
    account_entries,
    account_for,
    account_unbilled_entries,
    account_unbilled_orders,
)
from billing.selectors import account_standing
from delivery.views import rider_required
from milkshop.money import format_money
from orders.workflows import OrderError, account_payment_open, account_payment_record
from payments.models import Payment, PaymentPurpose
from payments.services import PaymentError, payment_start_checkout

ENTRIES_SHOWN = 50


def _account_context(request: HttpRequest, account, form: AccountPayForm) -> dict:
    balance = account_balance(account=account)
    return {
        "account": account,
        "balance": balance,
        "owed": max(balance, ZERO),
        "in_credit": -balance if balance < 0 else ZERO,
        "on_the_way": account_unbilled_orders(account=account),
        "unbilled": account_unbilled_entries(account=account),
        "standing": account_standing(account=account, today=timezone.localdate()),
        "entries": list(account_entries(account=account)[:ENTRIES_SHOWN]),
        "payments": list(
            Payment.objects.filter(user=request.user, purpose=PaymentPurpose.ACCOUNT).order_by("-created_at")[:20]
        ),
        "form": form,
    }


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """What the household owes (or holds in credit), its statements, and paying online; prepaid households are told
    that they pay as they order."""
    found = account_for(user=request.user)
    if found is None:
        return render(request, "billing/account_prepaid.html")
    balance = account_balance(account=found)
    form = AccountPayForm(request.POST or None, initial={"amount": balance if balance > 0 else None})
    if request.method == "POST" and form.is_valid():
        back = request.build_absolute_uri(reverse("billing:account"))
        try:
            payment = account_payment_open(customer=request.user, **form.cleaned_data)
            return redirect(payment_start_checkout(payment=payment, success_url=back, cancel_url=back))
        except (OrderError, PaymentError) as error:
            form.add_error(None, str(error))
    return render(request, "billing/account.html", _account_context(request, found, form))


@rider_required
@require_POST
def rider_take_payment(request: HttpRequest, customer_id: int) -> HttpResponse:
    """A rider records cash a household on today's round paid towards its monthly account."""
    customer = get_object_or_404(User, pk=customer_id)
    form = CashPaymentForm(request.POST)
    back = request.POST.get("back", "")
    back = back if back.startswith("#delivery-") else ""
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
    else:
        try:
            payment = account_payment_record(
                customer=customer, amount=form.cleaned_data["amount"], note=form.cleaned_data["note"], by=request.user
            )
        except OrderError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, f"{format_money(payment.amount)} cash taken from {customer.name} for their monthly account."
            )
    return redirect(reverse("delivery:rider") + back)
