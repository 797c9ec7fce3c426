from django.contrib import admin, messages

from orders.models import Order, OrderLine, OrderStatus, OrderStatusHistory
from orders.services import OrderError, order_cancel, order_transition


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
class OrderAdmin(admin.ModelAdmin):
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
        "invoice",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["number", "user", "status", "total_amount", "created_at", "updated_at"]}),
        ("Payment", {"fields": ["payment_method", "payment_status", "invoice"]}),
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

    def _move(self, request, queryset, to: str, verb: str):
        moved, refused = 0, []
        for order in queryset:
            try:
                order_transition(order=order, to=to, by=request.user, note=f"{verb} in the admin")
                moved += 1
            except OrderError as error:
                refused.append(str(error))
        if moved:
            self.message_user(request, f"{moved} order(s) {verb.lower()}.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description="Confirm selected orders")
    def confirm(self, request, queryset):
        self._move(request, queryset, OrderStatus.CONFIRMED, "Confirmed")

    @admin.action(description="Mark selected orders packed")
    def pack(self, request, queryset):
        self._move(request, queryset, OrderStatus.PACKED, "Packed")

    @admin.action(description="Cancel selected orders and refund them")
    def cancel_with_refund(self, request, queryset):
        cancelled = 0
        for order in queryset:
            try:
                order_cancel(order=order, by=request.user, reason="Cancelled by the shop")
                cancelled += 1
            except OrderError as error:
                self.message_user(request, str(error), messages.ERROR)
        if cancelled:
            self.message_user(
                request, f"{cancelled} order(s) cancelled; payments are being refunded.", messages.SUCCESS
            )
