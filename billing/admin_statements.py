"""Statements in the admin: read only (they are made from the ledger), with their PDF and where each stands, and
one action that makes the selected months again from the ledger (a new version where the ledger changed)."""

from collections import defaultdict

from django.contrib import admin, messages
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from billing.models import Statement
from billing.selectors import standings_by_account
from billing.statements import statement_pdf_file, statements_make
from milkshop.money import format_money


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ["account", "month", "version", "current", "closing", "due_date", "standing", "pdf_link"]
    list_filter = ["period_start", ("superseded_at", admin.EmptyFieldListFilter)]
    search_fields = ["account__user__email", "account__user__name"]
    list_select_related = ["account__user"]
    date_hierarchy = "period_start"
    actions = ["make_again"]
    fields = [
        "account",
        "period_start",
        "period_end",
        "version",
        "superseded_at",
        "changes",
        "opening_balance",
        "charges",
        "credits",
        "payments",
        "closing_balance",
        "issued_at",
        "due_date",
        "standing",
        "pdf_link",
        "printed_lines",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_make_again_permission(self, request) -> bool:
        """Making a statement again issues tax documents and writes to the household: staff who may change
        statements, not those who may only look."""
        return request.user.has_perm("billing.change_statement")

    def get_urls(self):
        pdf = self.admin_site.admin_view(self.pdf_view)
        return [path("<int:statement_id>/pdf/", pdf, name="billing_statement_pdf"), *super().get_urls()]

    def pdf_view(self, request, statement_id: int):
        if not self.has_view_permission(request):
            raise Http404("No such statement.")
        statement = Statement.objects.filter(pk=statement_id).select_related("account__user").first()
        if statement is None:
            raise Http404("No such statement.")
        return FileResponse(
            statement_pdf_file(statement=statement).open("rb"),
            as_attachment=True,
            filename=f"statement-{statement.account.user_id}-{statement.period_start:%Y-%m}-v{statement.version}.pdf",
            content_type="application/pdf",
        )

    def changelist_view(self, request, extra_context=None):
        self._standings = None  # worked out once per page, for every account at once
        return super().changelist_view(request, extra_context)

    def _standing_of(self, statement: Statement):
        if getattr(self, "_standings", None) is None:
            self._standings = standings_by_account(today=timezone.localdate())
        standing = self._standings.get(statement.account_id)
        if standing is None:
            return None
        return next((row for row in standing.statements if row.statement.pk == statement.pk), None)

    @admin.display(description="month", ordering="period_start")
    def month(self, statement: Statement) -> str:
        return f"{statement.period_start:%B %Y}"

    @admin.display(description="current", boolean=True)
    def current(self, statement: Statement) -> bool:
        return statement.is_current

    @admin.display(description="closing balance", ordering="closing_balance")
    def closing(self, statement: Statement) -> str:
        return format_money(statement.closing_balance)

    @admin.display(description="standing")
    def standing(self, statement: Statement) -> str:
        if not statement.is_current:
            return f"Replaced {timezone.localtime(statement.superseded_at):%d %b %Y}"
        row = self._standing_of(statement)
        if row is None:
            return "—"
        if row.outstanding:
            late = f", {row.days_overdue} days late" if row.days_overdue else ""
            return f"{row.status_label}: {format_money(row.outstanding)} owed{late}"
        return row.status_label

    @admin.display(description="PDF")
    def pdf_link(self, statement: Statement) -> str:
        return format_html('<a href="{}">PDF</a>', reverse("admin:billing_statement_pdf", args=[statement.pk]))

    @admin.display(description="lines")
    def printed_lines(self, statement: Statement) -> str:
        if not statement.lines:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (line["day"], line["description"], format_money(line["amount"]) if line["amount"] else "—")
                for line in statement.lines
            ),
        )
        return format_html("<table>{}</table>", rows)

    @admin.action(description="Make again from the ledger", permissions=["make_again"])
    def make_again(self, request, queryset):
        accounts_by_month = defaultdict(set)
        for statement in queryset.only("account_id", "period_start"):
            accounts_by_month[statement.period_start].add(statement.account_id)
        replaced = unchanged = failed = 0
        for month_start, accounts in sorted(accounts_by_month.items()):
            run = statements_make(month_start=month_start, accounts=sorted(accounts))
            replaced += len(run.replaced) + len(run.made)
            unchanged += run.unchanged
            failed += len(run.failed)
        if failed:
            self.message_user(request, f"{failed} could not be made: see the error log.", messages.ERROR)
        self.message_user(
            request,
            f"{replaced} statement{'s' if replaced != 1 else ''} made again as a new version; "
            f"{unchanged} still matched the ledger.",
            messages.SUCCESS,
        )
