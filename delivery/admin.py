from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from accounts.models import RIDERS_GROUP, User
from delivery import admin_rounds, admin_updates  # noqa: F401  (these admins register themselves)
from delivery.admin_proofs import PROOF_FIELDS, DeliveryProofAdmin
from delivery.admin_routes import ZoneRouteAdmin
from delivery.models import Delivery, DeliveryStatus, DeliveryStatusHistory, DeliveryZone, FailureReason, SlotBooking
from delivery.services import DeliveryError, delivery_assign, delivery_assign_least_loaded
from milkshop.admin_actions import EachRowActions
from orders.workflows import delivery_transition


@admin.register(DeliveryZone)
class DeliveryZoneAdmin(ZoneRouteAdmin, admin.ModelAdmin):
    list_display = ["name", "is_active", "proof_policy", "pincode_count", "rider_names", "route_link"]
    list_filter = ["is_active", "proof_policy", ("riders", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "pincodes", "riders__name"]
    filter_horizontal = ["riders"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("riders")

    @admin.display(description="PIN codes")
    def pincode_count(self, zone):
        return len(zone.pincodes.split())

    @admin.display(description="Riders")
    def rider_names(self, zone):
        return ", ".join(rider.name for rider in zone.riders.all()) or "—"


@admin.register(SlotBooking)
class SlotBookingAdmin(admin.ModelAdmin):
    list_display = ["date", "slot", "booked"]
    list_filter = ["slot", "date"]
    date_hierarchy = "date"
    readonly_fields = ["date", "slot", "booked"]

    def has_add_permission(self, request):
        return False


class DeliveryStatusHistoryInline(admin.TabularInline):
    model = DeliveryStatusHistory
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "from_status", "to_status", "changed_by", "note"]

    def has_add_permission(self, request, obj=None):
        return False


class DeliveryActionForm(ActionForm):
    """The admin's action bar, with the choices some actions need beside it."""

    rider = forms.ModelChoiceField(
        queryset=User.objects.filter(groups__name=RIDERS_GROUP, is_active=True).order_by("name"),
        required=False,
        empty_label="(rider)",
        label="Rider",
    )
    failure_reason = forms.ChoiceField(
        choices=[("", "(failure reason)"), *FailureReason.choices], required=False, label="Reason"
    )
    cash_collected = forms.DecimalField(
        required=False, min_value=0, max_digits=10, decimal_places=2, label="Cash collected (₹)"
    )
    note = forms.CharField(required=False, max_length=255, label="Note")


@admin.register(Delivery)
class DeliveryAdmin(DeliveryProofAdmin, EachRowActions, admin.ModelAdmin):
    refusals = DeliveryError
    each_related = ("order", "zone")
    list_display = ["order", "delivery_date", "slot", "zone", "rider_or_unassigned", "status", "cash_collected"]
    list_filter = ["delivery_date", "slot", "zone", "rider", "status", "failure_reason"]
    search_fields = ["order__number", "order__recipient_name", "order__recipient_phone", "order__pincode"]
    list_select_related = ["order", "zone", "rider"]
    date_hierarchy = "delivery_date"
    ordering = ["-delivery_date", "slot", "rider__name", "pk"]
    inlines = [DeliveryStatusHistoryInline]
    action_form = DeliveryActionForm
    actions = [
        "assign_to_chosen_rider",
        "assign_least_loaded",
        "unassign",
        "mark_picked_up",
        "mark_in_transit",
        "mark_delivered",
        "mark_failed",
        "cancel",
        "reset_code_tries",
    ]
    fieldsets = [
        (None, {"fields": ["order", "user", "status", "rider", "tracking_link"]}),
        ("When and where", {"fields": ["delivery_date", "slot", "zone"]}),
        ("Outcome", {"fields": ["cash_collected", "failure_reason", "failure_note", "created_at", "updated_at"]}),
        ("Proof of delivery", {"fields": PROOF_FIELDS}),
    ]
    readonly_fields = [
        "order",
        "user",
        "status",
        "rider",
        "tracking_link",
        "delivery_date",
        "slot",
        "zone",
        "cash_collected",
        "failure_reason",
        "failure_note",
        "created_at",
        "updated_at",
        *PROOF_FIELDS,
    ]

    def has_add_permission(self, request):
        return False  # a delivery comes with every confirmed order

    def has_delete_permission(self, request, obj=None):
        return False  # its history is the record of what happened at the door

    @admin.display(description="Rider", ordering="rider__name")
    def rider_or_unassigned(self, delivery):
        return delivery.rider.name if delivery.rider else format_html("<strong>{}</strong>", "Unassigned")

    @admin.display(description="Tracking link")
    def tracking_link(self, delivery):
        url = reverse("delivery:track", args=[delivery.tracking_token])
        return format_html('<a href="{}">{}</a>', url, url)

    def _chosen(self, request, name: str):
        """The value chosen beside the action (the action form itself is validated by the admin)."""
        try:
            return self.action_form.base_fields[name].clean(request.POST.get(name, ""))
        except ValidationError:
            return None

    @admin.action(description="Assign selected to the chosen rider")
    def assign_to_chosen_rider(self, request, queryset):
        rider = self._chosen(request, "rider")
        if rider is None:
            self.message_user(request, "Choose a rider beside the action first.", messages.ERROR)
            return
        self._each(
            request,
            queryset,
            lambda delivery: delivery_assign(delivery=delivery, rider=rider, by=request.user),
            f"assigned to {rider.name}",
        )

    @admin.action(description="Assign selected to the least busy rider of their zone")
    def assign_least_loaded(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda delivery: delivery_assign_least_loaded(delivery=delivery, by=request.user),
            "assigned",
        )

    @admin.action(description="Take selected away from their rider (unassigned)")
    def unassign(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda delivery: delivery_assign(delivery=delivery, rider=None, by=request.user),
            "unassigned",
        )

    def _move(self, request, queryset, to: str, done: str, **extra):
        note = (self._chosen(request, "note") or "").strip()

        def move(delivery):
            delivery_transition(delivery=delivery, to=to, by=request.user, note=note, **extra)

        self._each(request, queryset, move, done)

    @admin.action(description="Mark selected picked up")
    def mark_picked_up(self, request, queryset):
        self._move(request, queryset, DeliveryStatus.PICKED_UP, "picked up")

    @admin.action(description="Mark selected on the way")
    def mark_in_transit(self, request, queryset):
        self._move(request, queryset, DeliveryStatus.IN_TRANSIT, "on the way")

    @admin.action(description="Mark selected delivered (cash on delivery: with the cash collected)")
    def mark_delivered(self, request, queryset):
        cash = self._chosen(request, "cash_collected")
        self._move(request, queryset, DeliveryStatus.DELIVERED, "delivered", cash_collected=cash)

    @admin.action(description="Mark selected failed, for the chosen reason")
    def mark_failed(self, request, queryset):
        reason = self._chosen(request, "failure_reason")
        if not reason:
            self.message_user(request, "Choose a failure reason beside the action first.", messages.ERROR)
            return
        self._move(request, queryset, DeliveryStatus.FAILED, "marked failed", failure_reason=reason)

    @admin.action(description="Cancel selected (before pickup the order is cancelled; after, written off)")
    def cancel(self, request, queryset):
        if not (self._chosen(request, "note") or "").strip():
            self.message_user(request, "Write the reason in the note beside the action first.", messages.ERROR)
            return
        self._move(request, queryset, DeliveryStatus.CANCELLED, "cancelled")
