from django.contrib import admin, messages

from payments.models import Payment, ProcessedWebhookEvent, Refund, Wallet, WalletEntry
from payments.services import refunds_retry_failed


class ReadOnlyAdmin(admin.ModelAdmin):
    """Money records change only through the shop's services, never by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    fields = ["created_at", "amount", "status", "reason", "provider_reference", "last_error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "created_at",
        "user",
        "order",
        "purpose",
        "method",
        "amount",
        "refunded_amount",
        "status",
        "provider",
    ]
    list_filter = ["status", "method", "purpose", "provider", "created_at"]
    search_fields = ["user__email", "order__number", "transaction_id"]
    list_select_related = ["user", "order"]
    date_hierarchy = "created_at"
    inlines = [RefundInline]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["pk", "created_at", "payment", "amount", "status", "reason"]
    list_filter = ["status", "created_at"]
    search_fields = ["payment__order__number", "payment__user__email", "provider_reference"]
    list_select_related = ["payment"]
    actions = ["retry"]

    @admin.action(description="Send the selected failed refunds again", permissions=["view"])
    def retry(self, request, queryset):
        count = refunds_retry_failed(refunds=queryset)
        self.message_user(
            request, f"{count} failed refund(s) sent again.", messages.SUCCESS if count else messages.WARNING
        )


class WalletEntryInline(admin.TabularInline):
    model = WalletEntry
    extra = 0
    fields = ["created_at", "kind", "amount", "order", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ["user", "created_at"]
    search_fields = ["user__email", "user__phone"]
    list_select_related = ["user"]
    inlines = [WalletEntryInline]


@admin.register(ProcessedWebhookEvent)
class ProcessedWebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["processed_at", "provider", "event_type", "event_id"]
    list_filter = ["provider", "event_type"]
    search_fields = ["event_id"]
