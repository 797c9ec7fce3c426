from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils.html import format_html

from notifications.models import Notification, NotificationPreference, NotificationStatus
from notifications.services import notifications_resend


class GaveUpFilter(admin.SimpleListFilter):
    title = "retries"
    parameter_name = "retries"

    def lookups(self, request, model_admin):
        return [("pending", "Retry pending"), ("given_up", "Given up")]

    def queryset(self, request, queryset):
        failed = queryset.filter(status=NotificationStatus.FAILED)
        if self.value() == "pending":
            return failed.filter(next_attempt_at__isnull=False)
        if self.value() == "given_up":
            return failed.filter(next_attempt_at__isnull=True)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "type",
        "channel",
        "user",
        "recipient",
        "status_badge",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", GaveUpFilter, "channel", "type", "created_at"]
    search_fields = ["user__email", "recipient", "dedupe_key", "subject"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    readonly_fields = [field.name for field in Notification._meta.fields]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "user",
                    "type",
                    "channel",
                    "recipient",
                    "status",
                    "attempts",
                    "next_attempt_at",
                    "sent_at",
                    "read_at",
                ]
            },
        ),
        ("Problem", {"fields": ["last_error", "provider_reference"]}),
        ("Content", {"fields": ["subject", "message", "html_message", "url"]}),
        ("Bookkeeping", {"classes": ["collapse"], "fields": ["dedupe_key", "created_at", "updated_at"]}),
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: Notification):
        if obj.status == NotificationStatus.FAILED:
            when = "gave up" if obj.next_attempt_at is None else "will retry"
            return format_html("<strong>{}</strong> ({})", obj.get_status_display(), when)
        return obj.get_status_display()

    def has_resend_permission(self, request) -> bool:
        return request.user.has_perm("notifications.resend_notification")

    @admin.action(description="Send the selected failed emails and SMS again", permissions=["resend"])
    def resend(self, request, queryset: QuerySet[Notification]):
        count = notifications_resend(notifications=queryset)
        skipped = queryset.count() - count
        self.message_user(
            request,
            f"{count} queued to be sent again."
            + (f" {skipped} skipped: only failed emails and SMS are resent." if skipped else ""),
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "email", "sms", "updated_at"]
    list_filter = ["kind", "email", "sms"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    readonly_fields = ["user", "kind", "email", "sms", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
