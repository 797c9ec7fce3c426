import csv
from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from delivery.forms import DayForm, PickupForm, RiderMoveForm, SlotForm
from delivery.models import DeliveryStatus, FailureReason, RiderUpdateOutcome
from delivery.receivers import NAV_SESSION_KEY
from delivery.selectors import (
    Manifest,
    delivery_for_customer,
    delivery_for_rider,
    delivery_for_tracking,
    manifest_for_slot,
    rider_day,
)
from delivery.slots import DeliverySlot, slot_names
from delivery.sync import NOT_YOURS, rider_pickup_apply, rider_update_apply, update_refusal
from milkshop.money import format_money
from orders.workflows import DeliveryError, deliveries_pick_up, delivery_transition

# Rider


def rider_required(view):
    """Signed-in members of the Riders group only; anyone else is refused (403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        is_rider = request.user.is_rider
        if request.session.get(NAV_SESSION_KEY) != is_rider:
            request.session[NAV_SESSION_KEY] = is_rider
        if not is_rider:
            raise PermissionDenied("This page is for riders.")
        return view(request, *args, **kwargs)

    return wrapper


def _rider_url(day) -> str:
    return f"{reverse('delivery:rider')}?date={day.isoformat()}"


def _rider_context(request: HttpRequest, day, **extra) -> dict:
    today = timezone.localdate()
    context = {
        "board": rider_day(rider=request.user, day=day),
        "day": day,
        "today": today,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "day_form": DayForm(initial={"date": day}),
        "failure_reasons": FailureReason.choices,
    }
    context.update(extra)
    return context


@rider_required
@require_GET
def rider(request: HttpRequest) -> HttpResponse:
    day = DayForm(request.GET).day()
    return render(request, "delivery/rider.html", _rider_context(request, day))


def _move_notice(delivery) -> str:
    if delivery.status == DeliveryStatus.DELIVERED and delivery.cash_collected:
        return f"Delivered. {format_money(delivery.cash_collected)} cash collected."
    if delivery.status == DeliveryStatus.DELIVERED and delivery.left_at_door:
        return "Left at the door." + (" Photo saved." if delivery.door_photo else "")
    return {
        DeliveryStatus.PICKED_UP: "Picked up.",
        DeliveryStatus.IN_TRANSIT: "On the way.",
        DeliveryStatus.DELIVERED: "Delivered.",
        DeliveryStatus.FAILED: "Marked as not delivered.",
    }.get(delivery.status, "Saved.")


@rider_required
@require_POST
def rider_move(request: HttpRequest, delivery_id: int) -> HttpResponse:
    """The rider's tap on one card: the next status, a failure, or the delivery with its cash.

    A tap with the key its page or phone made is applied once however often it arrives, and one queued offline
    is judged against the delivery as it is when it arrives (delivery.sync)."""
    form = RiderMoveForm(request.POST, request.FILES)
    if form.is_valid() and form.update_key():
        return _rider_move_once(request, delivery_id, form)
    delivery = delivery_for_rider(rider=request.user, delivery_id=delivery_id)
    error = notice = ""
    if not form.is_valid():
        error = form.first_error()
    else:
        try:
            delivery = delivery_transition(delivery=delivery, by=request.user, **form.changes())
            notice = _move_notice(delivery)
        except DeliveryError as refused:
            error = str(refused)
    return _move_answer(request, delivery, error=error, notice=notice)


def _rider_move_once(request: HttpRequest, delivery_id: int, form: RiderMoveForm) -> HttpResponse:
    update = rider_update_apply(
        rider=request.user,
        delivery_id=delivery_id,
        key=form.update_key(),
        changes=form.changes(),
        made_at=form.cleaned_data["made_at"],
    )
    if update_refusal(update) == NOT_YOURS:
        return _not_yours(request, delivery_id, update.message)
    delivery = delivery_for_rider(rider=request.user, delivery_id=delivery_id)
    if update.outcome == RiderUpdateOutcome.REFUSED:
        return _move_answer(request, delivery, error=update.message, notice="")
    return _move_answer(request, delivery, error="", notice=_move_notice(delivery))


def _not_yours(request: HttpRequest, delivery_id: int, message: str) -> HttpResponse:
    """A queued tap on a delivery that is no longer the rider's: what happened, and no card (404 for htmx)."""
    if not request.htmx:
        messages.error(request, message)
        return redirect("delivery:rider")
    html = render_to_string("delivery/rider.html#gone-card", {"delivery_id": delivery_id, "message": message}, request)
    return HttpResponse(html, status=404)


def _move_answer(request: HttpRequest, delivery, *, error: str, notice: str) -> HttpResponse:
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, f"Order {delivery.order.number}: {notice}")
        return redirect(f"{_rider_url(delivery.delivery_date)}#delivery-{delivery.pk}")

    context = _rider_context(request, delivery.delivery_date, card_error=error, card_notice=notice)
    context["delivery"] = context["board"].find(delivery.pk)
    card = render_to_string("delivery/rider.html#delivery-card", context, request) if context["delivery"] else ""
    progress = render_to_string("delivery/rider.html#progress", {**context, "oob": True}, request)
    return HttpResponse(card + progress, status=422 if error else 200)


@rider_required
@require_POST
def rider_pickup(request: HttpRequest) -> HttpResponse:
    """Loading the bike: every delivery of the rider's still waiting in a slot is picked up at once (once per
    key, when the page or phone gave one)."""
    form = PickupForm(request.POST)
    slot = form.delivery_slot()
    if slot is None:
        messages.error(request, "Choose a day and a slot.")
        return redirect("delivery:rider")
    refused = False
    if key := form.update_key():
        update = rider_pickup_apply(rider=request.user, key=key, slot=slot, made_at=form.cleaned_data["made_at"])
        notice, refused = update.message, update.outcome == RiderUpdateOutcome.REFUSED
    else:
        picked = deliveries_pick_up(rider=request.user, delivery_date=slot.date, slot=slot.name)
        notice = f"{picked} picked up for the {slot.window_label.lower()} run."
    if request.htmx:
        context = _rider_context(request, slot.date, board_notice=notice)
        return render(request, "delivery/rider.html#board", context, status=422 if refused else 200)
    (messages.error if refused else messages.success)(request, notice)
    return redirect(_rider_url(slot.date))


# Customers


def _tracking_response(request: HttpRequest, template: str, context: dict, *, oob: str = "") -> HttpResponse:
    """htmx polling: nothing (204) while the status is the one the page shows, else the region anew."""
    if request.GET.get("seen") == context["delivery"].status:
        return HttpResponse(status=204)
    html = render_to_string(template, context, request)
    if oob:
        html += render_to_string(oob, {**context, "oob": True}, request)
    return HttpResponse(html)


@login_required
@require_GET
def order_delivery(request: HttpRequest, number: str) -> HttpResponse:
    """The delivery region of the customer's order page, which polls it while the delivery is under way."""
    delivery = delivery_for_customer(user=request.user, number=number)
    if not request.htmx:
        return redirect(delivery.order)
    context = {"order": delivery.order, "delivery": delivery}
    return _tracking_response(
        request, "orders/order_detail.html#delivery-tracking", context, oob="orders/order_detail.html#order-status"
    )


@never_cache
@require_GET
def track(request: HttpRequest, token: str) -> HttpResponse:
    """The public tracking link: status and times only, nothing about who or where."""
    delivery = delivery_for_tracking(token=token)
    context = {"delivery": delivery}
    if request.htmx:
        response = _tracking_response(request, "delivery/track.html#tracking", context)
    else:
        response = render(request, "delivery/track.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# Staff


def staff_required(view):
    """Signed-in staff only (the people who can use the admin); anyone else is refused (403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("This page is for the shop's staff.")
        return view(request, *args, **kwargs)

    return wrapper


def _default_slot() -> DeliverySlot:
    """Today's slot still to finish (or the last one), the one the dairy is most likely working on."""
    now = timezone.localtime()
    slots = [DeliverySlot(date=now.date(), name=name) for name in slot_names()]
    return next((slot for slot in slots if now.time() < slot.window[1]), slots[-1])


def _csv_cell(value) -> str:
    """Text a spreadsheet shows as text: a leading =, +, - or @ would be read as a formula."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _manifest_csv(manifest: Manifest, sheet: str) -> HttpResponse:
    slot = manifest.slot
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"manifest-{slot.date.isoformat()}-{slot.name.lower()}-{sheet}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so spreadsheet programs read UTF-8 (₹, names in Indian scripts)
    writer = csv.writer(response)
    if sheet == "packing":
        writer.writerow(["Product", "Unit", "Quantity", "Orders"])
        for line in manifest.packing:
            writer.writerow([_csv_cell(line.product_name), _csv_cell(line.unit), line.qty, line.orders])
        return response
    writer.writerow(
        [
            "Rider",
            "Stop",
            "Route stop",
            "Order",
            "Status",
            "Customer",
            "Phone",
            "Address",
            "Area",
            "PIN code",
            "Landmark",
            "Instructions",
            "Items",
            "Cash to collect",
            "Empties to collect",
            "Empties collected",
        ]
    )
    for route in manifest.sheets:
        for delivery in route.run.deliveries:
            order = delivery.order
            items = "; ".join(f"{line.qty} x {line.product_name} ({line.unit})" for line in order.lines.all())
            row = [
                route.rider.name if route.rider else "Unassigned",
                delivery.stop,
                delivery.route_position or "",
                order.number,
                delivery.get_status_display(),
                order.recipient_name,
                order.recipient_phone,
                ", ".join(part for part in (order.address_line1, order.address_line2) if part),
                order.area,
                order.pincode,
                order.landmark,
                order.instructions,
                items,
                delivery.cash_due,
                delivery.empties_held if delivery.is_active else "",
                delivery.empties_returned or "",
            ]
            writer.writerow([_csv_cell(cell) for cell in row])
    return response


@staff_required
@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """The daily manifest for a date and slot: packing list and route sheets, printable and as CSV."""
    form = SlotForm(request.GET) if request.GET.get("date") else None
    slot = (form.delivery_slot() if form else None) or _default_slot()
    if form is None:
        form = SlotForm(initial={"date": slot.date, "slot": slot.name})
    manifest = manifest_for_slot(slot=slot)
    if (sheet := request.GET.get("csv")) in ("routes", "packing"):
        return _manifest_csv(manifest, sheet)
    return render(request, "delivery/manifest.html", {"manifest": manifest, "form": form, "slot": slot})
