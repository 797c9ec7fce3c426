"""Payments settle the oldest statement first, worked out from the ledger (never stored)."""

from datetime import date
from decimal import Decimal

import pytest

from billing.selectors import StandingStatus, account_standing, statements_standing
from billing.statements import statements_make
from billing.tests.monthly import (
    account_of,
    cash_payment,
    delivered_on_account,
    month_end_moment,
    online_payment,
    postpaid_customer,
    shop_credit,
)

pytestmark = pytest.mark.django_db

NOV, DEC = date(2026, 11, 1), date(2026, 12, 1)


@pytest.fixture
def two_months():
    """₹200 of milk in November, ₹100 in December, each month's statement made on the 1st."""
    customer = postpaid_customer()
    delivered_on_account(customer, date(2026, 11, 3))
    delivered_on_account(customer, date(2026, 11, 4))
    statements_make(month_start=NOV, now=month_end_moment(NOV))
    delivered_on_account(customer, date(2026, 12, 2))
    statements_make(month_start=DEC, now=month_end_moment(DEC))
    return customer


def figures(rows):
    return [(row.statement.period_start, row.billed, row.settled, row.outstanding, row.status) for row in rows]


def test_nothing_paid_leaves_both_open_then_the_older_overdue(two_months):
    account = account_of(two_months)

    assert figures(statements_standing(account=account, today=date(2027, 1, 2))) == [
        (NOV, Decimal("200.00"), Decimal("0.00"), Decimal("200.00"), StandingStatus.OVERDUE),
        (DEC, Decimal("100.00"), Decimal("0.00"), Decimal("100.00"), StandingStatus.OPEN),
    ]
    november = statements_standing(account=account, today=date(2027, 1, 2))[0]
    assert november.days_overdue == (date(2027, 1, 2) - date(2026, 12, 11)).days


def test_a_partial_payment_settles_the_oldest_first_and_leaves_the_rest_open(two_months):
    online_payment(two_months, date(2027, 1, 3), "250.00")

    rows = statements_standing(account=account_of(two_months), today=date(2027, 1, 5))

    assert figures(rows) == [
        (NOV, Decimal("200.00"), Decimal("200.00"), Decimal("0.00"), StandingStatus.PAID),
        (DEC, Decimal("100.00"), Decimal("50.00"), Decimal("50.00"), StandingStatus.PART_PAID),
    ]


def test_a_payment_larger_than_owed_is_carried_forward_as_credit(two_months):
    cash_payment(two_months, date(2027, 1, 3), "400.00")

    standing = account_standing(account=account_of(two_months), today=date(2027, 1, 5))

    assert [row.status for row in standing.statements] == [StandingStatus.PAID, StandingStatus.PAID]
    assert standing.outstanding == Decimal("0.00")
    assert standing.credit == Decimal("100.00")


def test_credit_carried_into_a_month_settles_that_month(two_months):
    cash_payment(two_months, date(2027, 1, 3), "400.00")
    delivered_on_account(two_months, date(2027, 1, 10))  # ₹100
    statements_make(month_start=date(2027, 1, 1), now=month_end_moment(date(2027, 1, 1)))

    rows = statements_standing(account=account_of(two_months), today=date(2027, 2, 20))

    assert figures(rows)[-1] == (date(2027, 1, 1), Decimal("100.00"), Decimal("100.00"), Decimal("0.00"), "PAID")


def test_a_month_whose_credits_beat_its_charges_helps_settle_the_others(two_months):
    shop_credit(two_months, date(2027, 1, 5), "150.00", note="Goodwill")
    statements_make(month_start=date(2027, 1, 1), now=month_end_moment(date(2027, 1, 1)))

    standing = account_standing(account=account_of(two_months), today=date(2027, 2, 2))

    assert [row.outstanding for row in standing.statements] == [Decimal("50.00"), Decimal("100.00"), Decimal("0.00")]
    assert standing.outstanding == Decimal("150.00")


def test_a_new_version_replaces_its_month_in_the_settlement(two_months):
    shop_credit(two_months, date(2026, 11, 20), "50.00")
    statements_make(month_start=NOV, now=month_end_moment(DEC))

    rows = statements_standing(account=account_of(two_months), today=date(2027, 1, 5))

    assert [(row.statement.version, row.billed) for row in rows] == [(2, Decimal("150.00")), (1, Decimal("100.00"))]
