from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications.forms import NotificationPreferencesForm
from notifications.selectors import inbox_for, inbox_notification_for, notification_preferences_for, unread_count
from notifications.services import (
    notification_mark_read,
    notification_preferences_save,
    notifications_mark_all_read,
)
from notifications.sms import sms_enabled

CHANGED = "notificationsChanged"  # htmx event: the header's unread count listens for it
PAGE_SIZE = 20


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(inbox_for(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page, "unread": unread_count(user=request.user)})


@login_required
@require_GET
def unread_badge(request: HttpRequest) -> HttpResponse:
    """The header's unread count, for htmx to swap in when it changes."""
    response = render(
        request, "notifications/header_link.html#count", {"unread_notifications": unread_count(user=request.user)}
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = notification_mark_read(
        notification=inbox_notification_for(user=request.user, notification_id=notification_id)
    )
    if request.htmx:
        response = render(request, "notifications/inbox.html#item", {"notification": notification})
        response["HX-Trigger"] = CHANGED
        return response
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_all_read(user=request.user)
    messages.success(
        request, f"Marked {count} notification{'s' if count != 1 else ''} as read." if count else "Nothing unread."
    )
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    sms_available = sms_enabled() and bool(request.user.phone)
    form = NotificationPreferencesForm(
        request.POST or None,
        switches=notification_preferences_for(user=request.user),
        sms_available=sms_available,
    )
    if request.method == "POST" and form.is_valid():
        notification_preferences_save(user=request.user, switches=form.switches())
        messages.success(request, "Your notification settings are saved.")
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "sms_enabled": sms_enabled(), "has_phone": bool(request.user.phone)},
    )
