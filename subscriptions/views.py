from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.models import Product
from payments.selectors import wallet_balance
from subscriptions.forms import DayChangeForm, EndVacationForm, SubscribeForm, VacationForm, plausible
from subscriptions.models import SubscriptionStatus
from subscriptions.schedule import Plan, due_on, plan_for
from subscriptions.selectors import (
    next_delivery,
    preview,
    subscription_calendar,
    subscription_for_user,
    subscriptions_for_user,
    wallet_needed_for,
)
from subscriptions.services import (
    SubscriptionError,
    first_changeable_date,
    subscription_change_quantity,
    subscription_create,
    subscription_end_vacation,
    subscription_set_vacation,
    subscription_skip,
    subscription_transition,
    subscription_unskip,
)

STATUS_ACTIONS = {
    "pause": (SubscriptionStatus.PAUSED, "Paused. No deliveries until you resume."),
    "resume": (SubscriptionStatus.ACTIVE, "Resumed. Deliveries start again from the next open day."),
    "cancel": (SubscriptionStatus.CANCELLED, "Cancelled. No more deliveries."),
}


def _card(subscription) -> dict:
    return {
        "subscription": subscription,
        "calendar": subscription_calendar(subscription),
        "next": next_delivery(subscription) if subscription.status == SubscriptionStatus.ACTIVE else None,
    }


def _product_for_subscription(slug: str) -> Product:
    return get_object_or_404(Product, slug=slug, subscribable=True, is_active=True)


def _changed(request: HttpRequest, subscription_id: int, *, notice: str = "", error: str = "") -> HttpResponse:
    """After an action: the refreshed card over htmx, otherwise back to the list with a message."""
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or notice)
        return redirect(f"{reverse('subscriptions:list')}#subscription-{subscription_id}")
    subscription = subscription_for_user(user=request.user, subscription_id=subscription_id)
    context = {**_card(subscription), "notice": notice, "error": error}
    return render(
        request, "subscriptions/subscription_list.html#subscription-card", context, status=422 if error else 200
    )


@login_required
@require_GET
def subscription_list(request: HttpRequest) -> HttpResponse:
    subscriptions = list(subscriptions_for_user(user=request.user))
    needed = wallet_needed_for([s for s in subscriptions if s.status == SubscriptionStatus.ACTIVE])
    balance = wallet_balance(user=request.user)
    context = {
        "cards": [_card(subscription) for subscription in subscriptions],
        "wallet_balance": balance,
        "wallet_needed": needed,
        "wallet_short": balance < needed,
    }
    return render(request, "subscriptions/subscription_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest, slug: str) -> HttpResponse:
    product = _product_for_subscription(slug)
    first_date = first_changeable_date("MORNING")
    form = SubscribeForm(request.POST or None, user=request.user, first_date=first_date)
    if request.method == "POST" and form.is_valid():
        try:
            subscription = subscription_create(user=request.user, product=product, **form.terms())
        except SubscriptionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Subscribed: {subscription}. First delivery {subscription.start_date:%a %d %b}.")
            return redirect(f"{reverse('subscriptions:list')}#subscription-{subscription.pk}")
    context = {"form": form, "product": product, **_preview_context(form, product)}
    return render(request, "subscriptions/subscribe.html", context)


def _preview_context(form: SubscribeForm, product: Product) -> dict:
    if not form.is_bound or not form.is_valid():
        return {"upcoming": [], "monthly": None}
    terms = form.terms()
    plan = Plan(
        frequency=terms["frequency"],
        qty=terms["qty"],
        start=terms["start_date"],
        end=terms["end_date"],
        weekdays=frozenset(form.cleaned_data.get("weekdays") or []),
    )
    upcoming, monthly = preview(plan, product.price)
    return {"upcoming": upcoming, "monthly": monthly}


@login_required
@require_GET
def subscribe_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The live preview beside the subscribe form: next deliveries and a month's cost."""
    product = _product_for_subscription(slug)
    form = SubscribeForm(request.GET, user=request.user, first_date=first_changeable_date("MORNING"))
    context = {"form": form, "product": product, **_preview_context(form, product)}
    return render(request, "subscriptions/subscribe.html#preview", context)


@login_required
@require_POST
def subscription_status(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = subscription_for_user(user=request.user, subscription_id=subscription_id)
    action = STATUS_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        return _changed(request, subscription.pk, error="Choose pause, resume or cancel.")
    to, notice = action
    try:
        subscription_transition(subscription=subscription, to=to, by=request.user)
    except SubscriptionError as error:
        return _changed(request, subscription.pk, error=str(error))
    return _changed(request, subscription.pk, notice=notice)


def _day(value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise Http404("No such date.") from None
    if not plausible(day):
        raise Http404("No such date.")
    return day


@login_required
@require_http_methods(["GET", "POST"])
def subscription_day(request: HttpRequest, subscription_id: int, day: str) -> HttpResponse:
    """One date of a subscription: skip it, bring it back, or change its quantity."""
    subscription = subscription_for_user(user=request.user, subscription_id=subscription_id)
    when = _day(day)
    if request.method == "GET":
        context = {"subscription": subscription, "day": when, "due": due_on(plan_for(subscription), when)}
        template = (
            "subscriptions/subscription_day.html#day-panel" if request.htmx else "subscriptions/subscription_day.html"
        )
        return render(request, template, context)
    action = request.POST.get("action")
    try:
        if action == "skip":
            subscription_skip(subscription=subscription, day=when)
            notice = f"Skipped {when:%a %d %b}."
        elif action == "unskip":
            subscription_unskip(subscription=subscription, day=when)
            notice = f"{when:%a %d %b} is back on."
        else:
            form = DayChangeForm(request.POST)
            if not form.is_valid():
                raise SubscriptionError(form.errors["qty"][0])
            subscription_change_quantity(subscription=subscription, day=when, qty=form.cleaned_data["qty"])
            notice = f"{when:%a %d %b}: {form.cleaned_data['qty']} × {subscription.product.name}."
    except SubscriptionError as error:
        return _changed(request, subscription.pk, error=str(error))
    return _changed(request, subscription.pk, notice=notice)


@login_required
@require_POST
def subscription_vacation(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = subscription_for_user(user=request.user, subscription_id=subscription_id)
    form = VacationForm(request.POST)
    if not form.is_valid():
        return _changed(request, subscription.pk, error=" ".join(e for errors in form.errors.values() for e in errors))
    try:
        subscription_set_vacation(subscription=subscription, **form.cleaned_data)
    except SubscriptionError as error:
        return _changed(request, subscription.pk, error=str(error))
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return _changed(request, subscription.pk, notice=f"Vacation set: no deliveries {start:%d %b} – {end:%d %b}.")


@login_required
@require_POST
def subscription_vacation_end(request: HttpRequest, subscription_id: int, vacation_id: int) -> HttpResponse:
    subscription = subscription_for_user(user=request.user, subscription_id=subscription_id)
    vacation = get_object_or_404(subscription.vacations.model, pk=vacation_id, subscription=subscription)
    form = EndVacationForm(request.POST)
    if not form.is_valid():
        return _changed(request, subscription.pk, error="Pick the new last day away.")
    try:
        subscription_end_vacation(vacation=vacation, last_day=form.cleaned_data["last_day"])
    except SubscriptionError as error:
        return _changed(request, subscription.pk, error=str(error))
    return _changed(
        request, subscription.pk, notice="Vacation shortened: deliveries resume after your new last day away."
    )
