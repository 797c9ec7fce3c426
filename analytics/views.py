import re
from datetime import date
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET

from analytics.charts import bar_list, column_chart, whole_money, whole_number
from analytics.exports import table_csv, tables_json
from analytics.forms import ReportRangeForm, quick_ranges
from analytics.selectors import REPORT_KEYS, Report, gst_summary, report_for, report_table
from analytics.services import daily_report_names, reports_storage
from milkshop.money import format_money

DAILY_REPORTS_LISTED = 14


def staff_required(view):
    """Signed-in staff only; anyone else signed in is refused (403), visitors are sent to log in."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("Reports are for the shop's staff.")
        return view(request, *args, **kwargs)

    return wrapper


def _day(day) -> str:
    return date_format(day, "D j M")


def _charts(report: Report) -> dict:
    days = report.tables["orders-per-day"].rows
    statuses = [row for row in report.tables["orders-by-status"].rows if row["orders"]]
    products = report.tables["top-products"].rows
    subscriptions = report.row("subscriptions")
    deliveries = report.row("deliveries")
    failures = [row for row in report.tables["delivery-failures"].rows if row["deliveries"]]
    customers = report.tables["new-customers"].rows
    return {
        "orders": column_chart(
            [(row["day"], row["orders"]) for row in days],
            label=_day,
            value=lambda n: f"{whole_number(n)} order{'s' if n != 1 else ''}",
            unit="orders placed",
        ),
        "revenue": column_chart(
            [(row["day"], row["revenue"]) for row in days],
            label=_day,
            value=format_money,
            unit="revenue",
            axis=whole_money,
        ),
        "statuses": bar_list([(row["status"], row["orders"]) for row in statuses], unit="orders"),
        "products": bar_list(
            [(f"{row['product']} ({row['unit']})", row["quantity"]) for row in products], unit="products sold"
        ),
        "subscriptions": bar_list(
            [
                ("Active at the end", subscriptions["active"]),
                ("Paused at the end", subscriptions["paused"]),
                ("New", subscriptions["new"]),
                ("Cancelled", subscriptions["cancelled"]),
            ],
            unit="subscriptions",
        ),
        "deliveries": bar_list(
            [
                ("Delivered", deliveries["delivered"]),
                ("Failed", deliveries["failed"]),
                ("Cancelled", deliveries["cancelled"]),
                ("Not finished", deliveries["open"]),
            ],
            unit="deliveries",
        ),
        "failures": bar_list([(row["reason"], row["deliveries"]) for row in failures], unit="failed deliveries"),
        "customers": column_chart(
            [(row["day"], row["customers"]) for row in customers],
            label=_day,
            value=lambda n: f"{whole_number(n)} new customer{'s' if n != 1 else ''}",
            unit="new customers",
        ),
    }


def _daily_reports() -> list[str]:
    """The days with a stored daily report, newest first."""
    storage = reports_storage()
    try:
        days, _files = storage.listdir("daily")
    except FileNotFoundError:
        return []
    return sorted((day for day in days if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day)), reverse=True)[:DAILY_REPORTS_LISTED]


@staff_required
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    form = ReportRangeForm(request.GET)
    start, end = form.range()
    report = report_for(start=start, end=end)
    context = {
        "form": form,
        "report": report,
        "totals": report.totals,
        "charts": _charts(report),
        "range_query": f"start={start.isoformat()}&end={end.isoformat()}",
        "quick_ranges": quick_ranges(timezone.localdate()),
        "report_keys": REPORT_KEYS,
        "daily_reports": _daily_reports(),
    }
    template = "analytics/reports.html#report" if request.htmx else "analytics/reports.html"
    return render(request, template, context)


@staff_required
@require_GET
def export(request: HttpRequest, key: str, format: str) -> HttpResponse:
    """One report as CSV or JSON (or all of them as JSON, key "all") for the range of the page."""
    if (key != "all" and key not in REPORT_KEYS) or (key == "all" and format != "json"):
        raise Http404("No such report.")
    start, end = ReportRangeForm(request.GET).range()
    if key == "all":
        tables = list(report_for(start=start, end=end).tables.values())
    else:
        tables = [report_table(key=key, start=start, end=end)]
    filename = f"milkshop-{key}-{start.isoformat()}-{end.isoformat()}.{format}"
    if format == "csv":
        response = HttpResponse(table_csv(tables[0]), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(tables_json(start=start, end=end, tables=tables), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# GST came in on 1 July 2017; months outside these years are mistakes, not reports.
GST_BEGAN, GST_LAST_YEAR = 2017, 2100


@staff_required
@require_GET
def gst_summary_month(request: HttpRequest) -> HttpResponse:
    """The GST summary of the month chosen (?month=2026-11) as CSV."""
    try:
        month = date.fromisoformat(f"{request.GET.get('month', '')}-01")
    except ValueError:
        month = None
    if month is None or not GST_BEGAN <= month.year <= GST_LAST_YEAR:
        return HttpResponseBadRequest(
            f"Choose a month from {GST_BEGAN} on, as 2026-11.", content_type="text/plain; charset=utf-8"
        )
    response = HttpResponse(table_csv(gst_summary(month, month)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="milkshop-gst-summary-{month:%Y-%m}.csv"'
    return response


@staff_required
@require_GET
def daily_report_file(request: HttpRequest, day: str, filename: str) -> FileResponse:
    """A file of a stored daily report, read through the reports storage (local folder or S3)."""
    try:
        name = daily_report_names(date.fromisoformat(day))[filename]
    except (ValueError, KeyError) as error:
        raise Http404("No such report file.") from error
    storage = reports_storage()
    if not storage.exists(name):
        raise Http404("No such report file.")
    return FileResponse(storage.open(name, "rb"), as_attachment=True, filename=f"milkshop-{day}-{filename}")
