from django.contrib import admin

from analytics.models import AnalyticsEvent


@admin.register(AnalyticsEvent)
class AnalyticsEventAdmin(admin.ModelAdmin):
    list_display = ["timestamp", "event_type", "user", "order"]
    list_filter = ["event_type", "timestamp"]
    search_fields = ["user__email", "order__number", "event_id"]
    date_hierarchy = "timestamp"
    list_select_related = ["user", "order"]
    readonly_fields = ["event_id", "event_type", "user", "order", "timestamp", "details"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
