"""The back office's page for a zone's route: its stops in order, moved up and down with plain forms."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from delivery.models import DeliveryZone, RouteStop
from delivery.routes import (
    CHANGE_PERMISSION,
    DOWN,
    UP,
    RouteError,
    route_stop_move,
    route_stop_place,
    route_stops_add_missing,
)
from delivery.selectors import route_for_zone

VIEW_PERMISSION = "delivery.view_routestop"
PLACE, ADD_MISSING = "place", "add_missing"


class RouteChangeForm(forms.Form):
    """One change to a route, as the page's buttons post it (its shape only; the rules are delivery.routes')."""

    action = forms.ChoiceField(choices=[(UP, "Up"), (DOWN, "Down"), (PLACE, "Move to"), (ADD_MISSING, "Place")])
    stop = forms.IntegerField(required=False, min_value=1)
    position = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in (UP, DOWN, PLACE) and not data.get("stop"):
            raise forms.ValidationError("Choose a stop to move.")
        if action == PLACE and not data.get("position"):
            raise forms.ValidationError("Enter the stop number to move it to.")
        return data


class ZoneRouteAdmin:
    """For DeliveryZoneAdmin: a Route page per zone (linked from the list and the zone's page)."""

    def get_urls(self):
        route = path(
            "<int:zone_id>/route/", self.admin_site.admin_view(self.route_view), name="delivery_deliveryzone_route"
        )
        return [route, *super().get_urls()]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(stop_count=Count("stops", distinct=True))

    @admin.display(description="Route")
    def route_link(self, zone):
        count = zone.stop_count
        label = f"{count} stop{'' if count == 1 else 's'}"
        return format_html('<a href="{}">{}</a>', reverse("admin:delivery_deliveryzone_route", args=[zone.pk]), label)

    def route_view(self, request: HttpRequest, zone_id: int) -> HttpResponse:
        """GET: the route; POST: one move (up, down, to a stop number) or placing households without a stop."""
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        may_change = request.user.has_perm(CHANGE_PERMISSION)
        if not (may_change or request.user.has_perm(VIEW_PERMISSION)):
            raise PermissionDenied
        zone = get_object_or_404(DeliveryZone, pk=zone_id)
        if request.method == "POST":
            if not may_change:
                raise PermissionDenied
            return self._change_route(request, zone)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Route of {zone}",
            "opts": self.model._meta,
            "zone": zone,
            "route": route_for_zone(zone=zone),
            "may_change": may_change,
        }
        return TemplateResponse(request, "admin/delivery/deliveryzone/route.html", context)

    def _change_route(self, request: HttpRequest, zone: DeliveryZone) -> HttpResponse:
        url = reverse("admin:delivery_deliveryzone_route", args=[zone.pk])
        form = RouteChangeForm(request.POST)
        if not form.is_valid():
            errors = [error for field_errors in form.errors.values() for error in field_errors]
            messages.error(request, " ".join(errors))
            return redirect(url)
        action = form.cleaned_data["action"]
        if action == ADD_MISSING:
            try:
                count = len(route_stops_add_missing(zone=zone, by=request.user))
                messages.success(request, f"{count} household{'' if count == 1 else 's'} placed in the route.")
            except RouteError as error:
                messages.error(request, str(error))
            return redirect(url)
        stop = get_object_or_404(RouteStop.objects.select_related("user"), pk=form.cleaned_data["stop"], zone=zone)
        try:
            if action == PLACE:
                moved = route_stop_place(stop=stop, position=form.cleaned_data["position"], by=request.user)
            else:
                moved = route_stop_move(stop=stop, direction=action, by=request.user)
            messages.success(request, f"{stop.user} is now stop {moved.position}.")
        except RouteError as error:
            messages.error(request, str(error))
        return redirect(f"{url}#stop-{stop.pk}")
