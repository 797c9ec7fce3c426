from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "type", "channel", "user", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "type"]
    search_fields = ["user__email", "dedupe_key", "subject"]
    list_select_related = ["user"]
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request):
        return False
