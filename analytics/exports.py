"""Reports as files: CSV (one report) and JSON (one report, or all of them). Values are exact: money and rates as
decimal strings ("1234.50", "92.5"), dates in ISO form, nothing rounded beyond what the page shows."""

import csv
import io
import json
from datetime import date
from decimal import Decimal

from analytics.selectors import Report, Table


def export_value(value):
    """A cell as the exports (and the page's data-value attributes) write it."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _csv_text(value) -> str:
    """Text a spreadsheet shows as text: a leading =, +, - or @ would be read as a formula."""
    text = str(export_value(value))
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.label for column in table.columns])
    for row in table.rows:
        writer.writerow([_csv_text(row[column.key]) for column in table.columns])
    return out.getvalue()


def table_data(table: Table) -> dict:
    return {
        "key": table.key,
        "title": table.title,
        "columns": [{"key": column.key, "label": column.label, "type": column.kind} for column in table.columns],
        "rows": [
            {
                column.key: (None if row[column.key] is None else export_value(row[column.key]))
                for column in table.columns
            }
            for row in table.rows
        ],
    }


def tables_json(*, start: date, end: date, tables: list[Table]) -> str:
    data = {"start": start.isoformat(), "end": end.isoformat(), "reports": [table_data(table) for table in tables]}
    return json.dumps(data, indent=2, ensure_ascii=False)


def report_json(report: Report) -> str:
    return tables_json(start=report.start, end=report.end, tables=list(report.tables.values()))
