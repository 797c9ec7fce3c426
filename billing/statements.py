"""Monthly statements: made from the ledger on the 1st for the month just ended, made again as a new version when
the ledger of that month changed since (the old version is kept, marked superseded, and the new one says what
changed), and their PDF.

A statement's goods are also a tax document (billing.documents): when a new version's goods differ from the old
one's, the old document is credited in full and a new one issued; otherwise the new version keeps the old document.
What each statement still owes is not stored: billing.selectors works it out from the ledger (oldest first).
"""

import logging
import secrets
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, Sum
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from billing.documents import Goods, credit_note_issue, statement_document_issue
from billing.ledger import CREDIT_KINDS
from billing.models import (
    PAYMENT_KINDS,
    AccountKind,
    BillingAccount,
    EntryKind,
    LedgerEntry,
    Statement,
    TaxDocument,
)
from billing.pdf import pdf_render
from billing.selectors import (
    current_statement,
    month_bounds,
    statement_document,
    statement_pdf_context,
    statements_overdue,
)
from billing.signals import statement_issued, statement_overdue
from delivery.models import Delivery, DeliveryStatus
from milkshop.money import format_money, to_money
from orders.locks import Locks
from payments.models import PaymentMethod
from subscriptions.models import MissedDelivery, QuantityChange, SkippedDate, Subscription, Vacation
from subscriptions.schedule import due_on, plan_for

logger = logging.getLogger(__name__)

ZERO = Decimal("0.00")
CHARGE_KINDS = (EntryKind.DELIVERY, EntryKind.DEPOSIT)
FIGURES = ("opening_balance", "charges", "credits", "payments", "closing_balance")
# Information lines: nothing was charged for them.
SKIPPED, NOT_DELIVERED, FAILED = "SKIPPED", "NOT_DELIVERED", "FAILED"
MISSED_WORDS = {
    MissedDelivery.Reason.OVER_LIMIT: "account over its limit",
    MissedDelivery.Reason.OUT_OF_STOCK: "out of stock",
    MissedDelivery.Reason.PRODUCT_UNAVAILABLE: "product no longer sold",
    MissedDelivery.Reason.NO_ADDRESS: "no delivery address in our area",
    MissedDelivery.Reason.SLOT_FULL: "delivery slot full",
    MissedDelivery.Reason.LOW_BALANCE: "wallet balance too low",
}


def _short(day: date) -> str:
    return f"{day.day} {day:%b}"


# The month as printed


def _items(lines) -> str:
    return ", ".join(f"{line.qty} × {line.product_name}" for line in lines)


def _entry_description(entry: LedgerEntry) -> str:
    order = entry.order
    match entry.kind:
        case EntryKind.DELIVERY:
            return f"Delivery, order {order.number}: {_items(order.lines.all())}"
        case EntryKind.DEPOSIT:
            return f"Container deposit, order {order.number}" if order else "Container deposit"
        case EntryKind.PAYMENT:
            payment = entry.payment
            if payment is None:
                return entry.note or "Payment"
            how = "in cash" if payment.method == PaymentMethod.CASH else f"by {payment.get_method_display()}"
            taker = payment.received_by
            return f"Payment {how}" + (f", taken by {taker.name or taker}" if taker else "")
    label = EntryKind(entry.kind).label
    detail = entry.note or (f"order {order.number}" if order else "")
    return f"{label}: {detail}" if detail else label


def _line(day: date, kind: str, description: str, amount: Decimal | None) -> dict:
    return {"day": day.isoformat(), "kind": kind, "description": description, "amount": str(amount) if amount else ""}


def _subscription_lines(account: BillingAccount, start: date, end: date) -> list[dict]:
    """Days a subscription of the household was due and not delivered: asked (a skip, a vacation, none that day) or
    missed (over the limit, out of stock …)."""
    in_month = Q(date__gte=start, date__lte=end)
    subscriptions = (
        Subscription.objects.filter(user_id=account.user_id, start_date__lte=end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .select_related("product")
        .prefetch_related(
            Prefetch("skips", queryset=SkippedDate.objects.filter(in_month)),
            Prefetch("vacations", queryset=Vacation.objects.filter(start_date__lte=end, end_date__gte=start)),
            Prefetch("quantity_changes", queryset=QuantityChange.objects.filter(in_month)),
            Prefetch("missed", queryset=MissedDelivery.objects.filter(in_month)),
        )
        .order_by("pk")
    )
    lines = []
    for subscription in subscriptions:
        what = f"{subscription.qty} × {subscription.product.name}"
        # Paused or not now, what counts is what was asked for each day.
        plan = replace(plan_for(subscription), active=True)
        missed = {row.date: row.reason for row in subscription.missed.all()}
        day = start
        while day <= end:
            due = due_on(plan, day)
            if day in missed:
                words = MISSED_WORDS.get(missed[day], MissedDelivery.Reason(missed[day]).label.lower())
                lines.append(_line(day, NOT_DELIVERED, f"Not delivered: {_short(day)}, {what} ({words})", None))
            elif not due and due.reason in ("skipped", "vacation", "changed"):
                asked = "your vacation" if due.reason == "vacation" else "you asked"
                lines.append(_line(day, SKIPPED, f"Skipped: {_short(day)}, {what} ({asked})", None))
            day += timedelta(days=1)
    return lines


def _failed_lines(account: BillingAccount, start: date, end: date) -> list[dict]:
    failed = (
        Delivery.objects.filter(
            user_id=account.user_id, delivery_date__gte=start, delivery_date__lte=end, status=DeliveryStatus.FAILED
        )
        .select_related("order")
        .prefetch_related("order__lines")
        .order_by("delivery_date", "pk")
    )
    lines = []
    for delivery in failed:
        reason = delivery.get_failure_reason_display() if delivery.failure_reason else "could not be delivered"
        description = (
            f"Delivery failed, order {delivery.order.number}: {_items(delivery.order.lines.all())} "
            f"({reason.lower()}). Not charged"
        )
        lines.append(_line(delivery.delivery_date, FAILED, description, None))
    return lines


def _month_entries(account: BillingAccount, start: date, end: date) -> list[LedgerEntry]:
    return list(
        LedgerEntry.objects.filter(account=account, day__gte=start, day__lte=end)
        .select_related("order__zone", "payment__received_by")
        .prefetch_related("order__lines")
        .order_by("day", "pk")
    )


def _lines_of(account: BillingAccount, start: date, end: date, entries: list[LedgerEntry]) -> list[dict]:
    lines = [_line(entry.day, entry.kind, _entry_description(entry), entry.amount) for entry in entries]
    lines += _subscription_lines(account, start, end) + _failed_lines(account, start, end)
    # Stable: on one day, what was charged or paid comes first (in ledger order), then what was not delivered.
    return sorted(lines, key=lambda line: line["day"])


def statement_lines(*, account: BillingAccount, start: date, end: date) -> list[dict]:
    """The month as printed: every ledger entry dated in it, and the days nothing was delivered (free of charge)."""
    return _lines_of(account, start, end, _month_entries(account, start, end))


# Figures


@dataclass
class MonthFigures:
    opening_balance: Decimal
    charges: Decimal
    credits: Decimal
    payments: Decimal
    closing_balance: Decimal
    lines: list[dict]
    goods: list[Goods]
    place_of_supply: str

    @property
    def is_empty(self) -> bool:
        return not self.lines and self.opening_balance == 0 and self.closing_balance == 0


def _goods(entries: list[LedgerEntry]) -> list[Goods]:
    goods = []
    for entry in entries:
        if entry.kind != EntryKind.DELIVERY:
            continue
        goods += [
            Goods(
                description=line.product_name,
                hsn_code=line.hsn_code,
                qty=line.qty,
                unit=line.unit,
                unit_price=line.unit_price,
                gst_rate=line.gst_rate,
                total=line.line_total,
            )
            for line in entry.order.lines.all()
        ]
    return goods


def _place_of_supply(entries: list[LedgerEntry]) -> str:
    """Where the month's goods went: the zone of the last delivered order (a household has one address)."""
    delivered = [entry.order for entry in entries if entry.kind == EntryKind.DELIVERY]
    for order in reversed(delivered):
        if order.zone_id:
            return order.zone.state
    return settings.SHOP_STATE_CODE


def month_figures(*, account: BillingAccount, start: date, end: date) -> MonthFigures:
    opening = LedgerEntry.objects.filter(account=account, day__lt=start).aggregate(total=Sum("amount", default=ZERO))
    entries = _month_entries(account, start, end)
    sums = dict.fromkeys(EntryKind.values, ZERO)
    for entry in entries:
        sums[entry.kind] += entry.amount
    opening_balance = to_money(opening["total"])
    charges = to_money(sum((sums[kind] for kind in CHARGE_KINDS), ZERO))
    credits = to_money(-sum((sums[kind] for kind in CREDIT_KINDS), ZERO))
    payments = to_money(-sum((sums[kind] for kind in PAYMENT_KINDS), ZERO))
    return MonthFigures(
        opening_balance=opening_balance,
        charges=charges,
        credits=credits,
        payments=payments,
        closing_balance=opening_balance + charges - credits - payments,
        lines=_lines_of(account, start, end, entries),
        goods=_goods(entries),
        place_of_supply=_place_of_supply(entries),
    )


# Making statements


@dataclass
class StatementRun:
    month_start: date
    made: list[Statement] = field(default_factory=list)  # first versions
    replaced: list[Statement] = field(default_factory=list)  # new versions
    unchanged: int = 0
    failed: list[int] = field(default_factory=list)  # accounts whose statement could not be made (logged)

    def __str__(self):
        return (
            f"Statements for {self.month_start:%B %Y}: {len(self.made)} made, {len(self.replaced)} made again, "
            f"{self.unchanged} unchanged, {len(self.failed)} failed"
        )


def _accounts_due(start: date, end: date, accounts) -> list[int]:
    """Monthly accounts, and any account with entries in the month or still owing or holding credit by its end."""
    base = BillingAccount.objects.all() if accounts is None else BillingAccount.objects.filter(pk__in=accounts)
    with_balance = (
        LedgerEntry.objects.filter(day__lte=end)
        .order_by()
        .values("account_id")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .values("account_id")
    )
    in_month = LedgerEntry.objects.filter(day__gte=start, day__lte=end).values("account_id")
    return list(
        base.filter(Q(kind=AccountKind.POSTPAID) | Q(pk__in=with_balance) | Q(pk__in=in_month))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _document_goods(document: TaxDocument | None) -> list[Goods]:
    if document is None:
        return []
    return [
        Goods(
            description=line.description,
            hsn_code=line.hsn_code,
            qty=line.qty,
            unit=line.unit,
            unit_price=line.unit_price,
            gst_rate=line.gst_rate,
            total=line.total,
        )
        for line in document.lines.all()
    ]


def _goods_key(goods: list[Goods]) -> list[tuple]:
    return sorted(
        (g.description, g.hsn_code, g.qty, g.unit, to_money(g.unit_price), to_money(g.gst_rate), to_money(g.total))
        for g in goods
    )


def _changes(old: Statement, figures: MonthFigures) -> str:
    """What a new version changes, in words: the lines added and removed, and the balances that moved."""

    def printed(line):
        amount = f" {format_money(Decimal(line['amount']))}" if line["amount"] else ""
        return f"{_short(date.fromisoformat(line['day']))} {line['description']}{amount}"

    old_lines = [printed(line) for line in old.lines]
    new_lines = [printed(line) for line in figures.lines]
    added = [line for line in new_lines if line not in old_lines]
    removed = [line for line in old_lines if line not in new_lines]
    parts = []
    if added:
        parts.append("Added: " + "; ".join(added) + ".")
    if removed:
        parts.append("Removed: " + "; ".join(removed) + ".")
    if old.opening_balance != figures.opening_balance:
        parts.append(
            f"Opening balance was {format_money(old.opening_balance)}, now {format_money(figures.opening_balance)}."
        )
    if old.closing_balance != figures.closing_balance:
        parts.append(
            f"Closing balance was {format_money(old.closing_balance)}, now {format_money(figures.closing_balance)}."
        )
    return " ".join(parts) or "Lines reworded."


def _money_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["amount"] != ""]


def _same(statement: Statement, figures: MonthFigures) -> bool:
    """Whether the month's money still reads as stated. Lines that cost nothing (a skip, a failed delivery) are
    worded from the subscription as it is now, so a later change to it alone makes no new version."""
    return all(getattr(statement, name) == getattr(figures, name) for name in FIGURES) and _money_lines(
        statement.lines
    ) == _money_lines(figures.lines)


def _statement_make(
    locks: Locks, account_id: int, start: date, end: date, now: datetime
) -> tuple[str, Statement | None]:
    account = BillingAccount.objects.get(pk=account_id)
    account = locks.accounts([account.user_id])[account.user_id]
    figures = month_figures(account=account, start=start, end=end)
    old = current_statement(account=account, month_start=start)
    if old is not None and _same(old, figures):
        return "unchanged", old
    if old is None and figures.is_empty:
        return "empty", None
    old_document = statement_document(statement=old) if old is not None else None
    if old is not None:
        old.superseded_at = now
        old.save(update_fields=["superseded_at"])
    statement = Statement.objects.create(
        account=account,
        period_start=start,
        period_end=end,
        version=old.version + 1 if old else 1,
        changes=_changes(old, figures) if old else "",
        issued_at=now,
        # A new version keeps the first one's due date: making it again does not give more time to pay.
        due_date=old.due_date if old else timezone.localdate(now) + timedelta(days=account.payment_days),
        lines=figures.lines,
        **{name: getattr(figures, name) for name in FIGURES},
    )
    if _goods_key(figures.goods) != _goods_key(_document_goods(old_document)):
        locks.documents()
        if old_document is not None:
            credit_note_issue(original=old_document, reason=f"Replaced by statement version {statement.version}")
        statement_document_issue(statement=statement, goods=figures.goods, place_of_supply=figures.place_of_supply)
    transaction.on_commit(partial(statement_issued.send, sender=Statement, statement_id=statement.pk))
    return ("replaced" if old else "made"), statement


def statements_make(*, month_start: date, now: datetime | None = None, accounts=None) -> StatementRun:
    """Make the month's statements from the ledger: a first version, a new version of one whose month changed, or
    nothing for one that still holds (running it again makes nothing more). accounts: only these (pks or rows).

    Each account in its own transaction, so one account's trouble leaves the others' statements made."""
    now = now or timezone.now()
    start, end = month_bounds(month_start)
    if accounts is not None:
        accounts = [getattr(account, "pk", account) for account in accounts]
    run = StatementRun(month_start=start)
    for account_id in _accounts_due(start, end, accounts):
        try:
            with transaction.atomic():
                outcome, statement = _statement_make(Locks(), account_id, start, end, now)
        except Exception:
            logger.exception("The %s statement of account %s could not be made", f"{start:%B %Y}", account_id)
            run.failed.append(account_id)
            continue
        if outcome == "made":
            run.made.append(statement)
        elif outcome == "replaced":
            run.replaced.append(statement)
        elif outcome == "unchanged":
            run.unchanged += 1
    return run


def statements_make_again_if_late(*, now: datetime | None = None) -> list[StatementRun]:
    """Daily: a month already stated whose ledger gained entries afterwards (a delivery marked delivered late, a
    deposit given back for it) is made again, so its statement and the next month's opening balance agree with
    the ledger and the late charge is billed, reminded and aged like the rest."""
    now = now or timezone.now()
    late = LedgerEntry.objects.filter(
        account=OuterRef("account"),
        day__gte=OuterRef("period_start"),
        day__lte=OuterRef("period_end"),
        created_at__gt=OuterRef("issued_at"),
    )
    months = (
        Statement.objects.filter(superseded_at__isnull=True)
        .filter(Exists(late))
        .values_list("period_start", "account_id")
        .order_by("period_start", "account_id")
    )
    by_month: dict[date, list[int]] = {}
    for month_start, account_id in months:
        by_month.setdefault(month_start, []).append(account_id)
    return [
        statements_make(month_start=month_start, now=now, accounts=account_ids)
        for month_start, account_ids in by_month.items()
    ]


# The PDF


def statement_pdf_render(*, statement: Statement) -> bytes:
    return pdf_render("billing/pdf/statement.html", statement_pdf_context(statement=statement))


def statement_pdf_file(*, statement: Statement) -> FieldFile:
    """The statement's PDF, kept in private storage (made on first request, and again if the file went missing)."""
    if statement.pdf and statement.pdf.storage.exists(statement.pdf.name):
        return statement.pdf
    content = statement_pdf_render(statement=statement)
    name = f"statement-{statement.period_start:%Y-%m}-v{statement.version}-{secrets.token_urlsafe(12)}.pdf"
    statement.pdf.save(name, ContentFile(content), save=False)
    Statement.objects.filter(pk=statement.pk).update(pdf=statement.pdf.name)
    return statement.pdf


# Reminders

# Reminder stages: how many days past the due date each goes out.
OVERDUE_STAGES = {1: 1, 2: 7, 3: 14}


def overdue_stage(days_overdue: int) -> int:
    """The last stage a statement this many days overdue has reached (0: none yet)."""
    return max((stage for stage, days in OVERDUE_STAGES.items() if days_overdue >= days), default=0)


def statements_remind_overdue(*, today: date) -> int:
    """Daily: remind households of statements still owing past their due date, once per stage reached (1, 7 and 14
    days late). A statement first found late gets the stage it is at, not the ones it passed. Returns how many
    statements were named."""
    named = 0
    for standing in statements_overdue(today=today):
        stage = overdue_stage(standing.days_overdue)
        if stage:
            # The message for a stage is recorded once (its dedupe key names statement and stage).
            statement_overdue.send(
                sender=Statement, statement_id=standing.statement.pk, stage=stage, day=today.isoformat()
            )
            named += 1
    return named
