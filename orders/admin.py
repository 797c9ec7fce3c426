from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.urls import reverse
from django.utils.html import format_html_join

from milkshop.admin_actions import EachRowActions
from orders.models import Order, OrderLine, OrderStatusHistory
from orders.workflows import OrderError, order_cancel, order_confirm, order_pack


class OrderActionForm(ActionForm):
    """The admin's action bar, with the reason a cancellation needs."""

    reason = forms.CharField(required=False, max_length=200, label="Reason", help_text="Why the orders are cancelled.")


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = ["product", "product_name", "unit", "unit_price", "qty", "line_total"]

    def has_add_permission(self, request, obj=None):
        return False


class OrderStatusHistoryInline(admin.TabularInline):
    model = OrderStatusHistory
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "from_status", "to_status", "changed_by", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(EachRowActions, admin.ModelAdmin):
    refusals = OrderError
    list_display = [
        "number",
        "user",
        "status",
        "payment_method",
        "payment_status",
        "total_amount",
        "delivery_date",
        "delivery_slot",
        "created_at",
    ]
    list_filter = ["status", "payment_status", "payment_method", "delivery_date", "delivery_slot", "zone", "created_at"]
    search_fields = ["number", "user__email", "user__phone", "recipient_phone", "pincode"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, OrderStatusHistoryInline]
    actions = ["confirm", "pack", "cancel_with_refund"]
    action_form = OrderActionForm
    readonly_fields = [
        "number",
        "user",
        "status",
        "payment_status",
        "payment_method",
        "total_amount",
        "delivery_date",
        "delivery_slot",
        "zone",
        "tax_documents",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["number", "user", "status", "total_amount", "created_at", "updated_at"]}),
        ("Payment", {"fields": ["payment_method", "payment_status", "tax_documents"]}),
        (
            "Delivery",
            {
                "fields": [
                    "delivery_date",
                    "delivery_slot",
                    "zone",
                    "recipient_name",
                    "recipient_phone",
                    "address_line1",
                    "address_line2",
                    "area",
                    "city",
                    "pincode",
                    "landmark",
                    "instructions",
                ]
            },
        ),
    ]

    def has_add_permission(self, request):
        return False  # orders are placed by customers (or subscriptions), never typed in

    @admin.display(description="Tax documents")
    def tax_documents(self, order: Order) -> str:
        documents = order.tax_documents.order_by("issued_at", "pk")
        return (
            format_html_join(
                ", ",
                '<a href="{}">{} {}</a>',
                (
                    (
                        reverse("admin:billing_taxdocument_change", args=[document.pk]),
                        document.get_kind_display(),
                        document.number,
                    )
                    for document in documents
                ),
            )
            or "—"
        )

    @admin.action(description="Confirm selected orders (paid, or cash on delivery)")
    def confirm(self, request, queryset):
        self._each(request, queryset, lambda order: order_confirm(order=order, by=request.user), "confirmed")

    @admin.action(description="Mark selected orders packed")
    def pack(self, request, queryset):
        self._each(request, queryset, lambda order: order_pack(order=order, by=request.user), "packed")

    @admin.action(description="Cancel selected orders, for the reason given, and refund them")
    def cancel_with_refund(self, request, queryset):
        reason = request.POST.get("reason", "").strip()[:200]
        if not reason:
            self.message_user(request, "Write the reason beside the action first.", messages.ERROR)
            return
        self._each(
            request,
            queryset,
            lambda order: order_cancel(order=order, by=request.user, reason=reason),
            "cancelled; what was paid is being refunded",
        )
