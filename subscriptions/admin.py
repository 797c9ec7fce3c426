from collections import Counter
from datetime import date, timedelta

from django.contrib import admin, messages
from django.db.models import Prefetch
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from subscriptions.generation import subscriptions_active_on
from subscriptions.models import (
    MissedDelivery,
    QuantityChange,
    SkippedDate,
    Subscription,
    SubscriptionStatus,
    SubscriptionStatusHistory,
    Vacation,
)
from subscriptions.schedule import due_on, plan_for
from subscriptions.services import SubscriptionError, subscription_transition


class HistoryInline(admin.TabularInline):
    model = SubscriptionStatusHistory
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "from_status", "to_status", "changed_by", "note"]

    def has_add_permission(self, request, obj=None):
        return False


class SkipInline(admin.TabularInline):
    model = SkippedDate
    extra = 0


class VacationInline(admin.TabularInline):
    model = Vacation
    extra = 0


class QuantityChangeInline(admin.TabularInline):
    model = QuantityChange
    extra = 0


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "user",
        "product",
        "qty",
        "frequency",
        "slot",
        "zone",
        "payment_method",
        "status",
        "start_date",
        "end_date",
    ]
    list_filter = ["status", "frequency", "product", "zone", "slot", "payment_method"]
    search_fields = ["user__email", "user__phone", "user__name", "product__name"]
    list_select_related = ["user", "product", "zone"]
    raw_id_fields = ["user", "address"]
    readonly_fields = ["status", "created_at", "updated_at"]
    inlines = [SkipInline, VacationInline, QuantityChangeInline, HistoryInline]
    actions = ["pause", "cancel"]
    change_list_template = "admin/subscriptions/subscription/change_list.html"

    def _move(self, request, queryset, to, done):
        moved = 0
        for subscription in queryset:
            try:
                subscription_transition(subscription=subscription, to=to, by=request.user, note="By the shop")
                moved += 1
            except SubscriptionError as error:
                self.message_user(request, f"#{subscription.pk}: {error}", messages.ERROR)
        if moved:
            self.message_user(request, f"{moved} subscription(s) {done}.", messages.SUCCESS)

    @admin.action(description="Pause selected subscriptions")
    def pause(self, request, queryset):
        self._move(request, queryset, SubscriptionStatus.PAUSED, "paused")

    @admin.action(description="Cancel selected subscriptions")
    def cancel(self, request, queryset):
        self._move(request, queryset, SubscriptionStatus.CANCELLED, "cancelled")

    def get_urls(self):
        preview = path(
            "preview/", self.admin_site.admin_view(self.preview_view), name="subscriptions_subscription_preview"
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request):
        """What a night's run will create for a date: quantities per product, for the dairy to plan."""
        try:
            day = date.fromisoformat(request.GET.get("date", ""))
        except ValueError:
            day = timezone.localdate() + timedelta(days=1)
        subscriptions = (
            subscriptions_active_on(day)
            .select_related("product")
            .prefetch_related(
                Prefetch("skips", queryset=SkippedDate.objects.filter(date=day)),
                Prefetch("vacations", queryset=Vacation.objects.filter(start_date__lte=day, end_date__gte=day)),
                Prefetch("quantity_changes", queryset=QuantityChange.objects.filter(date=day)),
            )
        )
        totals, count = Counter(), 0
        for subscription in subscriptions.iterator(chunk_size=500):  # bounded memory for a big customer base
            if qty := due_on(plan_for(subscription), day).qty:
                totals[(subscription.product.name, subscription.product.unit)] += qty
                count += 1
        missed = MissedDelivery.objects.filter(date=day).count()
        context = {
            **self.admin_site.each_context(request),
            "title": f"Subscription deliveries for {day:%a %d %b %Y}",
            "day": day,
            "rows": sorted(totals.items()),
            "deliveries": count,
            "missed": missed,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/subscriptions/preview.html", context)
