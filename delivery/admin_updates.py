"""Riders' updates as they arrived (delivery.sync): what each phone sent, and whether it was applied or why not.

Read-only: an update is the record of a tap, changed by nobody."""

from django.contrib import admin

from delivery.models import RiderUpdate


@admin.register(RiderUpdate)
class RiderUpdateAdmin(admin.ModelAdmin):
    list_display = ["received_at", "rider", "delivery", "outcome", "message", "made_at"]
    list_filter = ["outcome", ("rider", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["key", "rider__email", "rider__name", "delivery__order__number"]
    list_select_related = ["rider", "delivery__order"]
    date_hierarchy = "received_at"
    fields = ["key", "rider", "delivery", "outcome", "message", "payload", "made_at", "received_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
