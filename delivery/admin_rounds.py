"""Staff count the cash riders hand over, acknowledge variances and close rounds, all through delivery.rounds."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.models import User
from delivery.forms import DayForm
from delivery.models import RiderRound, RiderRoundCount
from delivery.rounds import (
    RoundError,
    round_acknowledge_variance,
    round_close,
    round_for,
    round_record_handover,
    rounds_of_day,
)
from milkshop.admin_actions import EachRowActions
from milkshop.money import format_money


class HandoverForm(forms.Form):
    """The shape of a count; delivery.rounds.round_record_handover decides whether it stands."""

    rider = forms.ModelChoiceField(queryset=User.objects.all(), widget=forms.HiddenInput)
    date = forms.DateField(widget=forms.HiddenInput)
    cash_handed_over = forms.DecimalField(min_value=0, max_digits=10, decimal_places=2, label="Cash handed over (₹)")
    note = forms.CharField(
        required=False,
        max_length=255,
        label="Note",
        help_text="Needed when the cash handed over differs from what was collected: say what happened.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class VarianceFilter(admin.SimpleListFilter):
    title = "variance"
    parameter_name = "variance"

    def lookups(self, request, model_admin):
        return [
            ("yes", "With a variance"),
            ("unacknowledged", "Variance not acknowledged"),
            ("no", "Exact"),
            ("uncounted", "Not counted"),
        ]

    def queryset(self, request, queryset):
        counted = Q(counted_at__isnull=False)
        return {
            "yes": queryset.filter(counted & ~Q(variance=0)),
            "unacknowledged": queryset.filter(counted & ~Q(variance=0) & Q(variance_acknowledged_at__isnull=True)),
            "no": queryset.filter(counted & Q(variance=0)),
            "uncounted": queryset.filter(counted_at__isnull=True),
        }.get(self.value(), queryset)


class ClosedFilter(admin.SimpleListFilter):
    title = "closed"
    parameter_name = "closed"

    def lookups(self, request, model_admin):
        return [("yes", "Closed"), ("no", "Open")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(closed_at__isnull=self.value() == "no")
        return queryset


class RiderRoundCountInline(admin.TabularInline):
    model = RiderRoundCount
    extra = 0
    can_delete = False
    verbose_name = "count"
    verbose_name_plural = "counts, oldest first"
    fields = readonly_fields = ["counted_at", "counted_by", "cash_collected", "cash_handed_over", "variance", "note"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RiderRound)
class RiderRoundAdmin(EachRowActions, admin.ModelAdmin):
    refusals = RoundError
    each_related = ("rider",)
    each_noun = ("round", "rounds")
    list_display = [
        "date",
        "rider",
        "collected",
        "handed_over",
        "variance_shown",
        "acknowledged",
        "closed",
    ]
    list_filter = ["date", ("rider", admin.RelatedOnlyFieldListFilter), VarianceFilter, ClosedFilter]
    list_select_related = ["rider"]
    search_fields = ["rider__name", "variance_note"]
    date_hierarchy = "date"
    inlines = [RiderRoundCountInline]
    actions = ["acknowledge_variance", "close_round"]
    change_list_template = "admin/delivery/riderround/change_list.html"
    fieldsets = [
        (None, {"fields": ["rider", "date", "count_again"]}),
        (
            "Count",
            {"fields": ["cash_collected", "cash_handed_over", "variance", "variance_note", "counted_by", "counted_at"]},
        ),
        ("Variance", {"fields": ["variance_acknowledged_by", "variance_acknowledged_at"]}),
        ("Close", {"fields": ["closed_by", "closed_at"]}),
    ]
    readonly_fields = [
        "rider",
        "date",
        "count_again",
        "cash_collected",
        "cash_handed_over",
        "variance",
        "variance_note",
        "counted_by",
        "counted_at",
        "variance_acknowledged_by",
        "variance_acknowledged_at",
        "closed_by",
        "closed_at",
    ]

    def has_add_permission(self, request):
        return False  # a round begins with its first count (the "Count cash" page)

    def has_delete_permission(self, request, obj=None):
        return False  # the record of the cash handed over

    @admin.display(description="Collected", ordering="cash_collected")
    def collected(self, round):
        return format_money(round.cash_collected) if round.is_counted else "—"

    @admin.display(description="Handed over", ordering="cash_handed_over")
    def handed_over(self, round):
        return format_money(round.cash_handed_over) if round.is_counted else "Not counted"

    @admin.display(description="Variance", ordering="variance")
    def variance_shown(self, round):
        return round.variance_label if round.is_counted else "—"

    @admin.display(description="Acknowledged", boolean=True)
    def acknowledged(self, round):
        if not round.variance:
            return None
        return round.is_acknowledged

    @admin.display(description="Closed", boolean=True, ordering="closed_at")
    def closed(self, round):
        return round.is_closed

    @admin.display(description="Count")
    def count_again(self, round):
        if round.is_closed:
            return "Closed: the count stands."
        url = f"{reverse('admin:delivery_riderround_count')}?date={round.date.isoformat()}&rider={round.rider_id}"
        return format_html('<a href="{}">{}</a>', url, "Count again" if round.is_counted else "Count the cash")

    # Actions

    @admin.action(description="Acknowledge the variance of selected rounds", permissions=["change"])
    def acknowledge_variance(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda round: round_acknowledge_variance(round=round, by=request.user),
            "acknowledged",
        )

    @admin.action(description="Close selected rounds", permissions=["change"])
    def close_round(self, request, queryset):
        self._each(request, queryset, lambda round: round_close(round=round, by=request.user), "closed")

    # Counting

    def get_urls(self):
        count = path("count/", self.admin_site.admin_view(self.count_view), name="delivery_riderround_count")
        return [count, *super().get_urls()]

    def count_view(self, request: HttpRequest) -> HttpResponse:
        """A day's riders with the cash they collected; choose one to see their cash orders and record the count."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            if not self.has_change_permission(request):
                raise PermissionDenied
            form = HandoverForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    counted = round_record_handover(
                        rider=data["rider"],
                        day=data["date"],
                        amount=data["cash_handed_over"],
                        note=data["note"],
                        by=request.user,
                    )
                except RoundError as error:
                    form.add_error(None, str(error))
                else:
                    self.message_user(request, self._counted_message(counted), messages.SUCCESS)
                    return redirect(f"{reverse('admin:delivery_riderround_count')}?date={data['date'].isoformat()}")
            day = form.cleaned_data.get("date") or DayForm(request.POST).day()
            rider = form.cleaned_data.get("rider")
            summaries = rounds_of_day(day=day)
        else:
            day = DayForm(request.GET).day()
            summaries = rounds_of_day(day=day)
            rider = next((s.rider for s in summaries if str(s.rider.pk) == request.GET.get("rider")), None)
            form = HandoverForm(initial={"rider": rider, "date": day}) if rider else None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Count the cash riders handed over on {day:%a} {day.day} {day:%b %Y}",
            "day": day,
            "day_form": DayForm(initial={"date": day}),
            "summaries": summaries,
            "rider": rider,
            "sheet": round_for(rider=rider, day=day) if rider else None,
            "form": form,
            "can_change": self.has_change_permission(request),
        }
        return TemplateResponse(request, "admin/delivery/riderround/count.html", context)

    @staticmethod
    def _counted_message(round: RiderRound) -> str:
        said = f"{round.rider.name}: {format_money(round.cash_handed_over)} counted"
        if round.variance:
            return f"{said}, {round.variance_label}. Acknowledge the variance before closing the round."
        return f"{said}, exact: the round can close once its deliveries are over."
