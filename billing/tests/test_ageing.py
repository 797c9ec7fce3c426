"""Receivables ageing: what monthly accounts owe on their statements, by days since each one's due date."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.selectors import receivables_ageing
from billing.statements import statements_make
from billing.tests.monthly import (
    at,
    cash_payment,
    delivered_on_account,
    month_end_moment,
    postpaid_customer,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 20)
MONTHS = [date(2026, month, 1) for month in (6, 7, 8, 9, 10, 11)]


@pytest.fixture
def books():
    """By 20 Dec: Asha owes for June (due 11 Jul: over 90 days), September (due 11 Oct: 61–90) and November (due
    11 Dec: 0–30); Ravi, on 30-day terms, for September (due 31 Oct: 31–60) and November (due 31 Dec, not yet due:
    counted in 0–30); Meena paid up."""
    asha = postpaid_customer(name="Asha Rao")
    ravi = postpaid_customer(name="Ravi Kumar", payment_days=30)
    meena = postpaid_customer(name="Meena Iyer")
    delivered_on_account(asha, date(2026, 6, 10))  # ₹100 each
    delivered_on_account(asha, date(2026, 9, 10))
    delivered_on_account(asha, date(2026, 11, 10))
    delivered_on_account(ravi, date(2026, 9, 12), price=Decimal("40.00"))
    delivered_on_account(ravi, date(2026, 11, 10), price=Decimal("30.00"))
    delivered_on_account(meena, date(2026, 10, 10))
    cash_payment(meena, date(2026, 10, 12), "100.00")
    for month in MONTHS:
        statements_make(month_start=month, now=month_end_moment(month))
    return asha, ravi, meena


def test_outstanding_is_split_by_days_since_each_statement_was_due(books, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        rows = receivables_ageing(today=TODAY)

    buckets = [
        (row["customer"], row["days_0_30"], row["days_31_60"], row["days_61_90"], row["days_over_90"]) for row in rows
    ]
    assert buckets == [
        ("Asha Rao", Decimal("100.00"), Decimal("0.00"), Decimal("100.00"), Decimal("100.00")),
        ("Ravi Kumar", Decimal("60.00"), Decimal("80.00"), Decimal("0.00"), Decimal("0.00")),
    ]
    assert [row["outstanding"] for row in rows] == [Decimal("300.00"), Decimal("140.00")]
    assert rows[0]["oldest_due"] == date(2026, 7, 11)


def test_a_payment_takes_the_oldest_bucket_first(books):
    asha = books[0]
    cash_payment(asha, date(2026, 12, 15), "150.00")

    [row] = [row for row in receivables_ageing(today=TODAY) if row["customer"] == "Asha Rao"]

    assert (row["days_0_30"], row["days_61_90"], row["days_over_90"]) == (
        Decimal("100.00"),
        Decimal("50.00"),
        Decimal("0.00"),
    )


def test_the_staff_reports_page_shows_the_ageing_with_totals_and_downloads_it_as_csv(books, client, staff):
    with at(TODAY, 10):
        client.force_login(staff)
        page = client.get(reverse("analytics:reports"), {"start": "2026-12-01", "end": "2026-12-20"})
        export = client.get(
            reverse("analytics:export", args=["receivables-ageing", "csv"]),
            {"start": "2026-12-01", "end": "2026-12-20"},
        )

    assert page.status_code == 200
    table = page.context["report"].tables["receivables-ageing"]
    assert [row["customer"] for row in table.rows] == ["Asha Rao", "Ravi Kumar", "All accounts"]
    total = table.rows[-1]
    assert (total["days_0_30"], total["days_31_60"], total["days_61_90"], total["days_over_90"]) == (
        Decimal("160.00"),
        Decimal("80.00"),
        Decimal("100.00"),
        Decimal("100.00"),
    )
    assert total["outstanding"] == Decimal("440.00")
    assert 'id="receivables-ageing"' in page.content.decode()
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][:7] == [
        "Customer",
        "Email",
        "Statements owing",
        "0–30 days",
        "31–60 days",
        "61–90 days",
        "Over 90 days",
    ]
    assert rows[-1][0] == "All accounts" and "440.00" in rows[-1]
