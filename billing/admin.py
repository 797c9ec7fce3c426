"""Monthly accounts in the admin: terms set through billing.ledger.account_set_terms, cash payments recorded through
orders.workflows.account_payment_record, the ledger shown read only. Nothing here writes a model itself."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from billing import admin_documents, admin_statements  # noqa: F401  (they register the documents' admins)
from billing.forms import BillingAccountForm, CashPaymentForm
from billing.ledger import account_exposure, accounts_with_totals
from billing.models import BillingAccount, LedgerEntry
from milkshop.money import format_money
from orders.workflows import OrderError, account_payment_record


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    fields = ["day", "kind", "amount", "note", "order", "payment", "created_by", "created_at"]
    readonly_fields = fields
    ordering = ["-day", "-pk"]
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BillingAccount)
class BillingAccountAdmin(admin.ModelAdmin):
    form = BillingAccountForm
    list_display = ["user", "kind", "credit_limit", "balance", "exposure"]
    list_filter = ["kind"]
    search_fields = ["user__email", "user__name", "user__phone"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    inlines = [LedgerEntryInline]
    actions = ["record_cash_payment"]

    def get_queryset(self, request):
        return accounts_with_totals(super().get_queryset(request))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class BoundToStaff(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, by=request.user, **kw)

        return BoundToStaff

    def save_model(self, request, obj, form, change):
        pass  # the form's save was account_set_terms

    def has_delete_permission(self, request, obj=None):
        return False  # an account with a ledger is kept; move it back to prepaid instead

    @admin.display(description="Balance", ordering="ledger_total")
    def balance(self, account):
        total = account.ledger_total
        return f"{format_money(-total)} in credit" if total < 0 else format_money(total)

    @admin.display(description="With orders on their way")
    def exposure(self, account):
        return format_money(account.ledger_total + account.on_the_way)

    @admin.action(description="Record a cash payment for the selected account")
    def record_cash_payment(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose one account to record a cash payment for.", messages.WARNING)
            return None
        return redirect("admin:billing_billingaccount_cash", queryset.get().pk)

    def get_urls(self):
        cash = path(
            "<int:account_id>/cash/", self.admin_site.admin_view(self.cash_view), name="billing_billingaccount_cash"
        )
        return [cash, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {"cash_url": reverse("admin:billing_billingaccount_cash", args=[object_id])}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def cash_view(self, request: HttpRequest, account_id: int) -> HttpResponse:
        """Cash handed to the shop towards a monthly account: the amount and a note, then the ledger."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        account = get_object_or_404(BillingAccount.objects.select_related("user"), pk=account_id)
        form = CashPaymentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                payment = account_payment_record(
                    customer=account.user,
                    amount=form.cleaned_data["amount"],
                    note=form.cleaned_data["note"],
                    by=request.user,
                )
            except OrderError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(
                    request,
                    f"{format_money(payment.amount)} in cash recorded for {account.user}.",
                    messages.SUCCESS,
                )
                return redirect("admin:billing_billingaccount_change", account.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Record a cash payment from {account.user}",
            "account": account,
            "form": form,
            "exposure": account_exposure(account=account),
        }
        return TemplateResponse(request, "admin/billing/billingaccount/cash.html", context)
