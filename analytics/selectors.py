"""The staff reports: every figure aggregated by the database, for a range of local dates (both ends included).

Definitions (shown on the page too):
- An order counts on the day it was placed (shop time). Revenue is the total of orders that were booked: confirmed,
  packed, out for delivery or delivered; orders awaiting payment, cancelled or returned bring none.
- Top products add up the lines of booked orders.
- Subscriptions are counted as they stood at the end of the range (from their status history); churn is the share
  of subscriptions live (active or paused) at the start of the range that were cancelled by its end.
- Deliveries count by their delivery date; the success rate is delivered ÷ (delivered + failed).
- Cash handovers count by the round's day: what staff counted against what the deliveries collected (variance =
  handed over − collected), and the cash collected on days not counted yet.
- New customers are accounts opened in the range, other than staff and riders.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import RIDERS_GROUP, User
from analytics.models import AnalyticsEvent, EventType
from billing.selectors import AGEING_BUCKETS, AGEING_OVER
from billing.selectors import receivables_ageing as statements_ageing
from billing.selectors_documents import gst_summary as gst_summary_rows
from billing.selectors_documents import gst_summary_totals
from containers.models import OrderDeposit
from delivery.models import ACTIVE_STATUSES, Delivery, DeliveryStatus, FailureReason, RiderRound
from milkshop.money import to_money
from orders.models import Order, OrderLine, OrderStatus
from subscriptions.models import Subscription, SubscriptionStatus, SubscriptionStatusHistory

BOOKED = [OrderStatus.CONFIRMED, OrderStatus.PACKED, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED]
TOP_PRODUCTS = 10
MAX_DAYS = 366


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "int"  # date, int, money, percent or text


@dataclass
class Table:
    """One report: what the page draws as a table (and a chart) and what the CSV and JSON exports hold."""

    key: str
    title: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)

    def __post_init__(self):
        # Money with its two places whatever the database's sum returned (SQLite drops trailing zeros).
        money = [column.key for column in self.columns if column.kind == "money"]
        for row in self.rows:
            for key in money:
                if row.get(key) is not None:
                    row[key] = to_money(row[key])


@dataclass
class Report:
    start: date
    end: date
    tables: dict[str, Table]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def row(self, key: str) -> dict:
        """The only row of a one-row table (subscriptions, deliveries)."""
        return self.tables[key].rows[0]

    @property
    def totals(self) -> dict:
        days = self.tables["orders-per-day"].rows
        orders = sum(row["orders"] for row in days)
        booked = sum(row["booked"] for row in days)
        revenue = sum((row["revenue"] for row in days), Decimal("0.00"))
        return {
            "orders": orders,
            "revenue": revenue,
            "average_order": (revenue / booked).quantize(Decimal("0.01"), ROUND_HALF_UP) if booked else None,
            "new_customers": sum(row["customers"] for row in self.tables["new-customers"].rows),
        }


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), zone),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), zone),
    )


def _every_day(start: date, end: date):
    return (start + timedelta(days=offset) for offset in range((end - start).days + 1))


def _deposit_of_order():
    deposits = (
        OrderDeposit.objects.filter(order=OuterRef("pk")).order_by().values("order").annotate(total=Sum("amount"))
    )
    return Coalesce(Subquery(deposits.values("total")[:1]), Decimal("0.00"))


def orders_per_day(start: date, end: date) -> Table:
    since, until = _bounds(start, end)
    per_day = {
        row["day"]: row
        for row in Order.objects.filter(created_at__gte=since, created_at__lt=until)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()), deposit=_deposit_of_order())
        .values("day")
        .annotate(
            orders=Count("pk"),
            booked=Count("pk", filter=Q(status__in=BOOKED)),
            # Container deposits are part of what customers pay but not sales: they go back with the empties.
            revenue=Sum(F("total_amount") - F("deposit"), filter=Q(status__in=BOOKED), default=Decimal("0.00")),
        )
    }
    empty = {"orders": 0, "booked": 0, "revenue": Decimal("0.00")}
    return Table(
        key="orders-per-day",
        title="Orders and revenue per day",
        columns=[
            Column("day", "Day", "date"),
            Column("orders", "Orders placed"),
            Column("booked", "Booked"),
            Column("revenue", "Revenue", "money"),
        ],
        rows=[{"day": day, **{key: per_day.get(day, empty)[key] for key in empty}} for day in _every_day(start, end)],
    )


def orders_by_status(start: date, end: date) -> Table:
    since, until = _bounds(start, end)
    counts = dict(
        Order.objects.filter(created_at__gte=since, created_at__lt=until)
        .values_list("status")
        .annotate(orders=Count("pk"))
        .values_list("status", "orders")
    )
    total = sum(counts.values())
    return Table(
        key="orders-by-status",
        title="Orders by status",
        columns=[Column("status", "Status", "text"), Column("orders", "Orders"), Column("share", "Share", "percent")],
        rows=[
            {"status": status.label, "orders": counts.get(status, 0), "share": percent(counts.get(status, 0), total)}
            for status in OrderStatus
        ],
    )


def top_products(start: date, end: date, *, limit: int = TOP_PRODUCTS) -> Table:
    since, until = _bounds(start, end)
    rows = (
        OrderLine.objects.filter(order__created_at__gte=since, order__created_at__lt=until, order__status__in=BOOKED)
        .values("product_id")
        .annotate(product=Max("product_name"), unit=Max("unit"), quantity=Sum("qty"), revenue=Sum("line_total"))
        .order_by("-quantity", "-revenue", "product")[:limit]
    )
    return Table(
        key="top-products",
        title="Top products",
        columns=[
            Column("product", "Product", "text"),
            Column("unit", "Unit", "text"),
            Column("quantity", "Quantity"),
            Column("revenue", "Revenue", "money"),
        ],
        rows=[{key: row[key] for key in ("product", "unit", "quantity", "revenue")} for row in rows],
    )


def _status_at(moment: datetime):
    """A subscription's status at a moment: the last status history row before it (its current one if none)."""
    last = (
        SubscriptionStatusHistory.objects.filter(subscription=OuterRef("pk"), created_at__lt=moment)
        .order_by("-created_at", "-pk")
        .values("to_status")[:1]
    )
    return Coalesce(Subquery(last), F("status"))


def subscriptions(start: date, end: date) -> Table:
    since, until = _bounds(start, end)
    live = [SubscriptionStatus.ACTIVE, SubscriptionStatus.PAUSED]
    cancelled = SubscriptionStatus.CANCELLED
    figures = (
        Subscription.objects.filter(created_at__lt=until)
        .annotate(at_start=_status_at(since), at_end=_status_at(until))
        .aggregate(
            active=Count("pk", filter=Q(at_end=SubscriptionStatus.ACTIVE)),
            paused=Count("pk", filter=Q(at_end=SubscriptionStatus.PAUSED)),
            new=Count("pk", filter=Q(created_at__gte=since)),
            cancelled=Count("pk", filter=Q(at_end=cancelled) & (Q(created_at__gte=since) | Q(at_start__in=live))),
            live_at_start=Count("pk", filter=Q(created_at__lt=since, at_start__in=live)),
            churned=Count("pk", filter=Q(created_at__lt=since, at_start__in=live, at_end=cancelled)),
        )
    )
    return Table(
        key="subscriptions",
        title="Subscriptions",
        columns=[
            Column("active", "Active at the end"),
            Column("paused", "Paused at the end"),
            Column("new", "New"),
            Column("cancelled", "Cancelled"),
            Column("live_at_start", "Live at the start"),
            Column("churned", "Of those, cancelled"),
            Column("churn", "Churn", "percent"),
        ],
        rows=[{**figures, "churn": percent(figures["churned"], figures["live_at_start"])}],
    )


def deliveries(start: date, end: date) -> Table:
    figures = Delivery.objects.filter(delivery_date__gte=start, delivery_date__lte=end).aggregate(
        scheduled=Count("pk"),
        delivered=Count("pk", filter=Q(status=DeliveryStatus.DELIVERED)),
        failed=Count("pk", filter=Q(status=DeliveryStatus.FAILED)),
        cancelled=Count("pk", filter=Q(status=DeliveryStatus.CANCELLED)),
        open=Count("pk", filter=Q(status__in=ACTIVE_STATUSES)),
    )
    return Table(
        key="deliveries",
        title="Deliveries",
        columns=[
            Column("scheduled", "Scheduled"),
            Column("delivered", "Delivered"),
            Column("failed", "Failed"),
            Column("cancelled", "Cancelled"),
            Column("open", "Not finished"),
            Column("success_rate", "Success rate", "percent"),
        ],
        rows=[{**figures, "success_rate": percent(figures["delivered"], figures["delivered"] + figures["failed"])}],
    )


def delivery_failures(start: date, end: date) -> Table:
    counts = dict(
        Delivery.objects.filter(delivery_date__gte=start, delivery_date__lte=end, status=DeliveryStatus.FAILED)
        .values_list("failure_reason")
        .annotate(deliveries=Count("pk"))
        .values_list("failure_reason", "deliveries")
    )
    total = sum(counts.values())
    reasons = sorted(FailureReason, key=lambda reason: (-counts.get(reason, 0), reason.label))
    return Table(
        key="delivery-failures",
        title="Why deliveries failed",
        columns=[
            Column("reason", "Reason", "text"),
            Column("deliveries", "Deliveries"),
            Column("share", "Share", "percent"),
        ],
        rows=[
            {
                "reason": reason.label,
                "deliveries": counts.get(reason, 0),
                "share": percent(counts.get(reason, 0), total),
            }
            for reason in reasons
        ],
    )


def cash_handovers(start: date, end: date) -> Table:
    """Per rider: the rounds counted in the range, against the cash their deliveries collected, and the cash
    collected on days nobody has counted yet."""
    counted_round = RiderRound.objects.filter(
        rider=OuterRef("rider"), date=OuterRef("delivery_date"), counted_at__isnull=False
    )
    uncounted = dict(
        Delivery.objects.filter(delivery_date__gte=start, delivery_date__lte=end, status=DeliveryStatus.DELIVERED)
        .filter(cash_collected__gt=0, rider__isnull=False)
        .annotate(counted=Exists(counted_round))
        .filter(counted=False)
        .values_list("rider")
        .annotate(cash=Sum("cash_collected"))
        .values_list("rider", "cash")
    )
    counted = {
        row["rider"]: row
        for row in RiderRound.objects.filter(date__gte=start, date__lte=end, counted_at__isnull=False)
        .values("rider")
        .annotate(
            rounds=Count("pk"),
            collected=Sum("cash_collected"),
            handed_over=Sum("cash_handed_over"),
            total_variance=Sum("variance"),
            variances=Count("pk", filter=~Q(variance=0)),
        )
        .order_by()
    }
    for row in counted.values():
        row["variance"] = row.pop("total_variance")
    names = dict(User.objects.filter(pk__in=set(uncounted) | set(counted)).values_list("pk", "name"))
    zero = Decimal("0.00")
    empty = {"rounds": 0, "collected": zero, "handed_over": zero, "variance": zero, "variances": 0}
    rows = [
        {
            "rider": names[rider],
            **{key: counted.get(rider, empty)[key] for key in empty},
            "not_counted": uncounted.get(rider, zero),
        }
        for rider in sorted(names, key=lambda pk: (names[pk], pk))
    ]
    return Table(
        key="cash-handovers",
        title="Cash handovers",
        columns=[
            Column("rider", "Rider", "text"),
            Column("rounds", "Rounds counted"),
            Column("collected", "Collected", "money"),
            Column("handed_over", "Handed over", "money"),
            Column("variance", "Variance", "money"),
            Column("variances", "Rounds with a variance"),
            Column("not_counted", "Collected, not counted yet", "money"),
        ],
        rows=rows,
    )


def cash_variances(start: date, end: date) -> Table:
    """Every counted round of the range whose cash handed over differed from the cash collected."""
    rounds = (
        RiderRound.objects.filter(date__gte=start, date__lte=end, counted_at__isnull=False)
        .exclude(variance=0)
        .select_related("rider", "variance_acknowledged_by")
        .order_by("date", "rider__name", "pk")
    )
    return Table(
        key="cash-variances",
        title="Cash variances",
        columns=[
            Column("day", "Day", "date"),
            Column("rider", "Rider", "text"),
            Column("collected", "Collected", "money"),
            Column("handed_over", "Handed over", "money"),
            Column("variance", "Variance", "money"),
            Column("note", "Note", "text"),
            Column("acknowledged_by", "Acknowledged by", "text"),
            Column("closed", "Round closed", "text"),
        ],
        rows=[
            {
                "day": found.date,
                "rider": found.rider.name,
                "collected": found.cash_collected,
                "handed_over": found.cash_handed_over,
                "variance": found.variance,
                "note": found.variance_note,
                "acknowledged_by": found.variance_acknowledged_by.name if found.is_acknowledged else "Not yet",
                "closed": "Yes" if found.is_closed else "No",
            }
            for found in rounds
        ],
    )


def new_customers(start: date, end: date) -> Table:
    since, until = _bounds(start, end)
    per_day = dict(
        User.objects.filter(created_at__gte=since, created_at__lt=until, is_staff=False)
        .exclude(groups__name=RIDERS_GROUP)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day")
        .annotate(customers=Count("pk"))
        .values_list("day", "customers")
    )
    return Table(
        key="new-customers",
        title="New customers",
        columns=[Column("day", "Day", "date"), Column("customers", "New customers")],
        rows=[{"day": day, "customers": per_day.get(day, 0)} for day in _every_day(start, end)],
    )


def events(start: date, end: date) -> Table:
    since, until = _bounds(start, end)
    counts = dict(
        AnalyticsEvent.objects.filter(timestamp__gte=since, timestamp__lt=until)
        .values_list("event_type")
        .annotate(events=Count("pk"))
        .values_list("event_type", "events")
    )
    return Table(
        key="events",
        title="Events recorded",
        columns=[Column("event", "Event", "text"), Column("events", "Events")],
        rows=[{"event": event_type.value, "events": counts.get(event_type, 0)} for event_type in EventType],
    )


def receivables_ageing(start: date, end: date) -> Table:
    """Monthly accounts still owing on their statements, as they stand on the range's last day (today if that is
    later): by days since each statement's due date; one total row last."""
    rows = statements_ageing(today=min(end, timezone.localdate()))
    amounts = [key for key, *_ in AGEING_BUCKETS] + [AGEING_OVER[0], "outstanding"]
    if rows:
        totals = {key: sum((row[key] for row in rows), Decimal("0.00")) for key in amounts}
        rows.append(
            {
                "customer": "All accounts",
                "email": "",
                "statements": sum(row["statements"] for row in rows),
                **totals,
                "oldest_due": min(row["oldest_due"] for row in rows),
            }
        )
    return Table(
        key="receivables-ageing",
        title="Receivables ageing",
        columns=[
            Column("customer", "Customer", "text"),
            Column("email", "Email", "text"),
            Column("statements", "Statements owing"),
            *(Column(key, label, "money") for key, label, _ in AGEING_BUCKETS),
            Column(AGEING_OVER[0], AGEING_OVER[1], "money"),
            Column("outstanding", "Outstanding", "money"),
            Column("oldest_due", "Oldest due date", "date"),
        ],
        rows=rows,
    )


def gst_summary(start: date, end: date) -> Table:
    """The GST summary of the calendar month the range ends in: by rate and HSN code, credit notes taken off,
    nil-rated goods in rows of their own; one total row last."""
    month = end.replace(day=1)
    summary = gst_summary_rows(month=month)
    rows = [
        {
            "gst_rate": f"{row.gst_rate.normalize():f} %",
            "hsn_code": row.hsn_code,
            "supply": "Nil-rated" if row.nil_rated else "Taxable",
            "taxable_value": row.taxable_value,
            "cgst": row.cgst,
            "sgst": row.sgst,
            "igst": row.igst,
            "total": row.total,
        }
        for row in summary
    ]
    if rows:
        totals = gst_summary_totals(summary)
        rows.append(
            {
                "gst_rate": "All",
                "hsn_code": "",
                "supply": "",
                "taxable_value": totals.taxable_value,
                "cgst": totals.cgst,
                "sgst": totals.sgst,
                "igst": totals.igst,
                "total": totals.total,
            }
        )
    return Table(
        key="gst-summary",
        title=f"GST summary, {month:%B %Y}",
        columns=[
            Column("gst_rate", "GST rate", "text"),
            Column("hsn_code", "HSN", "text"),
            Column("supply", "Supply", "text"),
            Column("taxable_value", "Taxable value", "money"),
            Column("cgst", "CGST", "money"),
            Column("sgst", "SGST", "money"),
            Column("igst", "IGST", "money"),
            Column("total", "Total", "money"),
        ],
        rows=rows,
    )


SECTIONS = [
    orders_per_day,
    orders_by_status,
    top_products,
    subscriptions,
    deliveries,
    delivery_failures,
    cash_handovers,
    cash_variances,
    new_customers,
    events,
    receivables_ageing,
    gst_summary,
]


def report_for(*, start: date, end: date) -> Report:
    tables = [section(start, end) for section in SECTIONS]
    return Report(start=start, end=end, tables={table.key: table for table in tables})


def report_table(*, key: str, start: date, end: date) -> Table:
    """One report alone (an export), computed without the others."""
    for section in SECTIONS:
        if section.__name__.replace("_", "-") == key:
            return section(start, end)
    raise KeyError(key)


REPORT_KEYS = [section.__name__.replace("_", "-") for section in SECTIONS]
