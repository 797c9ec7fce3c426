"""Reading monthly statements: which is current, what each still owes (payments settle the oldest first, worked out
from the ledger every time, never stored), what is overdue, receivables ageing, and what a statement's PDF shows."""

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from accounts.models import Address, User
from billing.models import PAYMENT_KINDS, BillingAccount, DocumentKind, LedgerEntry, Statement, TaxDocument

ZERO = Decimal("0.00")


class StandingStatus:
    PAID = "PAID"
    PART_PAID = "PART_PAID"
    OPEN = "OPEN"
    OVERDUE = "OVERDUE"

    LABELS = {PAID: "Paid", PART_PAID: "Part paid", OPEN: "Open", OVERDUE: "Overdue"}


def month_bounds(month_start: date) -> tuple[date, date]:
    first = month_start.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def previous_month(today: date) -> date:
    """The first day of the month before today's: the month the statements of the 1st are for."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def current_statement(*, account: BillingAccount, month_start: date) -> Statement | None:
    return Statement.objects.filter(account=account, period_start=month_start, superseded_at__isnull=True).first()


def statements_for_account(*, account: BillingAccount) -> QuerySet[Statement]:
    """The account's current statements (one per month), newest first."""
    return Statement.objects.filter(account=account, superseded_at__isnull=True).order_by("-period_start")


def statement_versions(*, statement: Statement) -> QuerySet[Statement]:
    """Every version of the statement's month, newest first."""
    return Statement.objects.filter(account_id=statement.account_id, period_start=statement.period_start).order_by(
        "-version"
    )


def statement_for_user(*, user: User, statement_id: int) -> Statement:
    """One of the customer's own statements (any version); Statement.DoesNotExist for anyone else's."""
    return Statement.objects.select_related("account__user").get(pk=statement_id, account__user=user)


def statement_document(*, statement: Statement) -> TaxDocument | None:
    """The tax document a version uses: the last one issued by it or an earlier version of the same month (a new
    version whose goods are unchanged keeps its predecessor's). A later version never has fewer goods: deliveries
    are charged once and never uncharged, so a credited document is always followed by its replacement."""
    return (
        TaxDocument.objects.filter(
            statement__account_id=statement.account_id,
            statement__period_start=statement.period_start,
            statement__version__lte=statement.version,
        )
        .exclude(kind=DocumentKind.CREDIT_NOTE)
        .order_by("-pk")
        .first()
    )


# What each statement still owes


@dataclass(frozen=True)
class StatementStanding:
    statement: Statement
    billed: Decimal  # the month's charges less its credits (with what was owed before the first statement)
    settled: Decimal
    outstanding: Decimal
    status: str
    days_overdue: int = 0

    @property
    def status_label(self) -> str:
        return StandingStatus.LABELS[self.status]


@dataclass(frozen=True)
class Standing:
    statements: list[StatementStanding] = field(default_factory=list)  # oldest first
    credit: Decimal = ZERO  # paid beyond every statement: carried forward

    @property
    def outstanding(self) -> Decimal:
        return sum((s.outstanding for s in self.statements), ZERO)


def _standing(statements: list[Statement], paid: Decimal, today: date) -> Standing:
    """Settle the statements (oldest first) with what was paid; a month whose credits beat its charges adds to
    what settles the others, as does a credit held before the first statement."""
    statements = sorted(statements, key=lambda s: s.period_start)
    pool = paid
    billed = []
    for index, statement in enumerate(statements):
        amount = statement.charges - statement.credits
        if index == 0:
            amount += statement.opening_balance
        if amount < 0:
            pool -= amount
            amount = ZERO
        billed.append(amount)
    rows = []
    for statement, amount in zip(statements, billed, strict=True):
        settled = min(pool, amount)
        pool -= settled
        outstanding = amount - settled
        late = (today - statement.due_date).days
        if outstanding <= 0:
            status, late = StandingStatus.PAID, 0
        elif late > 0:
            status = StandingStatus.OVERDUE
        else:
            status, late = (StandingStatus.PART_PAID if settled > 0 else StandingStatus.OPEN), 0
        rows.append(StatementStanding(statement, amount, settled, outstanding, status, late))
    return Standing(statements=rows, credit=pool)


def _paid_by_account(account_ids) -> dict[int, Decimal]:
    return {
        account_id: -total
        for account_id, total in LedgerEntry.objects.filter(account_id__in=account_ids, kind__in=PAYMENT_KINDS)
        .order_by()
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    }


def account_standing(*, account: BillingAccount, today: date) -> Standing:
    """The account's current statements, each with what settled it and what it still owes, and any credit."""
    statements = list(statements_for_account(account=account))
    return _standing(statements, _paid_by_account([account.pk]).get(account.pk, ZERO), today)


def statements_standing(*, account: BillingAccount, today: date) -> list[StatementStanding]:
    return account_standing(account=account, today=today).statements


def standings_by_account(*, today: date, accounts=None) -> dict[int, Standing]:
    """account_standing for every account with statements (or those given), in two queries."""
    statements = Statement.objects.filter(superseded_at__isnull=True).select_related("account__user")
    if accounts is not None:
        statements = statements.filter(account__in=accounts)
    by_account = defaultdict(list)
    for statement in statements:
        by_account[statement.account_id].append(statement)
    paid = _paid_by_account(list(by_account))
    return {account_id: _standing(rows, paid.get(account_id, ZERO), today) for account_id, rows in by_account.items()}


def statements_overdue(*, today: date) -> list[StatementStanding]:
    """Current statements still owing after their due date, most overdue first."""
    overdue = [
        row
        for standing in standings_by_account(today=today).values()
        for row in standing.statements
        if row.status == StandingStatus.OVERDUE
    ]
    return sorted(overdue, key=lambda row: (-row.days_overdue, row.statement.pk))


# Receivables ageing

AGEING_BUCKETS = (("days_0_30", "0–30 days", 30), ("days_31_60", "31–60 days", 60), ("days_61_90", "61–90 days", 90))
AGEING_OVER = ("days_over_90", "Over 90 days")


def _bucket(days_overdue: int) -> str:
    for key, _, most in AGEING_BUCKETS:
        if days_overdue <= most:
            return key
    return AGEING_OVER[0]


def receivables_ageing(*, today: date) -> list[dict]:
    """Per account still owing on its statements: what it owes, split by days since each statement's due date (not
    yet due counts as 0–30). Three queries whatever the number of accounts."""
    rows = []
    for standing in standings_by_account(today=today).values():
        owing = [row for row in standing.statements if row.outstanding > 0]
        if not owing:
            continue
        account = owing[0].statement.account
        row = {key: ZERO for key, *_ in AGEING_BUCKETS} | {AGEING_OVER[0]: ZERO}
        for statement_row in owing:
            late = max((today - statement_row.statement.due_date).days, 0)
            row[_bucket(late)] += statement_row.outstanding
        rows.append(
            {
                "customer": account.user.name or str(account.user),
                "email": account.user.email,
                "kind": account.get_kind_display(),
                "statements": len(owing),
                **row,
                "outstanding": standing.outstanding,
                "oldest_due": min(r.statement.due_date for r in owing),
            }
        )
    return sorted(rows, key=lambda row: (-row["outstanding"], row["customer"]))


# The PDF


def _household_address(user: User) -> list[str]:
    address = Address.objects.filter(user=user).order_by("-is_default", "created_at").first()
    if address is None:
        return []
    return [
        part
        for part in (address.line1, address.line2, address.area, f"{address.city} {address.pincode}".strip())
        if part
    ]


def _tax_summary_template() -> str:
    try:
        get_template("billing/pdf/tax_summary.html")
    except TemplateDoesNotExist:
        return ""
    return "billing/pdf/tax_summary.html"


def statement_pdf_context(*, statement: Statement) -> dict:
    user = statement.account.user
    balance = statement.opening_balance
    lines = []
    for line in statement.lines:
        amount = Decimal(line["amount"]) if line["amount"] else None
        if amount is not None:
            balance += amount
        lines.append({**line, "day": date.fromisoformat(line["day"]), "amount": amount, "balance": balance})
    previous = None
    if statement.version > 1:
        previous = Statement.objects.filter(
            account_id=statement.account_id, period_start=statement.period_start, version=statement.version - 1
        ).first()
    document = statement_document(statement=statement)
    return {
        "statement": statement,
        "customer": user,
        "address_lines": _household_address(user),
        "lines": lines,
        "previous": previous,
        "amount_due": max(statement.closing_balance, ZERO),
        "document": document,
        "tax_summary_template": _tax_summary_template() if document else "",
    }
