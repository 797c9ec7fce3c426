from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from billing.ledger import account_balance
from billing.models import DocumentKind, LedgerEntry, Statement, TaxDocument
from billing.selectors import statement_document
from billing.statements import statement_lines, statements_make, statements_make_again_if_late
from billing.tasks import remind_overdue_statements
from billing.tests.monthly import (
    account_of,
    at,
    cash_payment,
    deliver,
    delivered_on_account,
    month_end_moment,
    order_on_account,
    postpaid_customer,
    shop_credit,
)
from catalog.tests.factories import ProductFactory
from orders.models import Order
from payments.models import PaymentMethod
from subscriptions.generation import generate_subscription_orders
from subscriptions.services import subscription_set_vacation, subscription_skip
from subscriptions.tests.factories import subscribe

pytestmark = pytest.mark.django_db

NOV = date(2026, 11, 1)


@pytest.fixture
def customer():
    return postpaid_customer(name="Asha Rao")


def test_a_month_of_deliveries_credits_and_payments_makes_one_statement_equal_to_the_ledger(customer):
    first = delivered_on_account(customer, date(2026, 11, 3))
    delivered_on_account(customer, date(2026, 11, 4))
    shop_credit(customer, date(2026, 11, 5), "20.00")
    cash_payment(customer, date(2026, 11, 6), "150.00")

    run = statements_make(month_start=NOV, now=month_end_moment(NOV))

    statement = Statement.objects.get()
    assert run.made == [statement]
    assert (statement.period_start, statement.period_end, statement.version) == (NOV, date(2026, 11, 30), 1)
    assert statement.opening_balance == Decimal("0.00")
    assert statement.charges == Decimal("200.00")
    assert statement.credits == Decimal("20.00")
    assert statement.payments == Decimal("150.00")
    assert statement.closing_balance == Decimal("30.00")
    ledger = LedgerEntry.objects.filter(account=account_of(customer)).aggregate(total=Sum("amount"))["total"]
    assert statement.closing_balance == ledger
    assert statement.due_date == date(2026, 12, 11)
    kinds = [line["kind"] for line in statement.lines]
    assert kinds == ["DELIVERY", "DELIVERY", "CREDIT", "PAYMENT"]
    assert statement.lines[0]["description"] == f"Delivery, order {first.number}: 2 × Cow Milk 1 L"
    assert statement.lines[0]["amount"] == "100.00"
    assert statement.lines[2]["description"] == "Credit: Spilt milk"
    assert statement.lines[3]["description"].startswith("Payment in cash")


def test_running_it_again_makes_nothing_more(customer):
    delivered_on_account(customer, date(2026, 11, 3))
    statements_make(month_start=NOV, now=month_end_moment(NOV))

    again = statements_make(month_start=NOV, now=month_end_moment(NOV) + timedelta(hours=5))

    assert (again.made, again.replaced, again.unchanged) == ([], [], 1)
    assert Statement.objects.count() == 1
    assert TaxDocument.objects.count() == 1


def test_an_account_with_nothing_in_the_month_and_nothing_owed_gets_no_statement(customer):
    run = statements_make(month_start=NOV, now=month_end_moment(NOV))

    assert run.made == []
    assert not Statement.objects.exists()


def test_the_next_month_opens_with_the_last_closing_balance(customer):
    delivered_on_account(customer, date(2026, 11, 3))
    statements_make(month_start=NOV, now=month_end_moment(NOV))

    run = statements_make(month_start=date(2026, 12, 1), now=month_end_moment(date(2026, 12, 1)))

    december = run.made[0]
    assert (december.opening_balance, december.charges, december.closing_balance, december.lines) == (
        Decimal("100.00"),
        Decimal("0.00"),
        Decimal("100.00"),
        [],
    )


def test_a_late_credit_makes_version_two_saying_what_changed_and_keeps_version_one(customer):
    delivered_on_account(customer, date(2026, 11, 3))
    statements_make(month_start=NOV, now=month_end_moment(NOV))
    first = Statement.objects.get()

    with at(date(2026, 12, 3)):
        shop_credit(customer, date(2026, 11, 20), "30.00", note="Sour milk on 20 Nov")
        run = statements_make(month_start=NOV)

    first.refresh_from_db()
    second = Statement.objects.get(version=2)
    assert run.replaced == [second]
    assert first.superseded_at == second.issued_at
    assert not first.is_current and second.is_current
    assert (first.closing_balance, second.closing_balance) == (Decimal("100.00"), Decimal("70.00"))
    assert "Added: 20 Nov Credit: Sour milk on 20 Nov -₹30.00." in second.changes
    assert "Closing balance was ₹100.00, now ₹70.00." in second.changes
    # The goods did not change: version 2 keeps version 1's tax document.
    assert statement_document(statement=second) == statement_document(statement=first)
    assert TaxDocument.objects.count() == 1


def test_a_late_delivery_in_the_month_credits_the_old_document_and_issues_a_new_one(customer):
    delivered_on_account(customer, date(2026, 11, 3))
    statements_make(month_start=NOV, now=month_end_moment(NOV))
    first = Statement.objects.get()
    old_document = statement_document(statement=first)

    delivered_on_account(customer, date(2026, 11, 30))
    with at(date(2026, 12, 2)):
        statements_make(month_start=NOV)

    second = Statement.objects.get(version=2)
    new_document = statement_document(statement=second)
    assert new_document != old_document and new_document.statement == second
    assert new_document.total == Decimal("200.00")
    credit_note = TaxDocument.objects.get(kind=DocumentKind.CREDIT_NOTE)
    assert credit_note.original == old_document
    assert credit_note.reason == "Replaced by statement version 2"
    assert statement_document(statement=first) == old_document


def test_a_delivery_marked_late_into_a_stated_month_has_that_month_made_again_by_the_daily_run(customer):
    delivered_on_account(customer, date(2026, 11, 10))
    late = order_on_account(customer, date(2026, 11, 30))
    statements_make(month_start=NOV, now=month_end_moment(NOV))
    with at(date(2026, 12, 2), 10):
        deliver(late)  # the rider's tap reached the shop two days late: charged for 30 Nov

    with at(date(2026, 12, 3), 9):
        remind_overdue_statements()
        again = statements_make_again_if_late()

    first, second = Statement.objects.filter(account__user=customer).order_by("version")
    assert (first.version, second.version) == (1, 2) and not first.is_current
    assert (first.closing_balance, second.closing_balance) == (Decimal("100.00"), Decimal("200.00"))
    assert second.closing_balance == account_balance(account=account_of(customer))
    assert second.due_date == first.due_date
    assert [run.replaced for run in again] == []


def test_statement_lines_take_a_fixed_number_of_queries(customer, django_assert_max_num_queries):
    for day in range(3, 8):
        delivered_on_account(customer, date(2026, 11, day))
    account = account_of(customer)

    with django_assert_max_num_queries(8):
        lines = statement_lines(account=account, start=NOV, end=date(2026, 11, 30))

    assert len(lines) == 5


def test_days_not_delivered_are_lines_that_cost_nothing_skips_vacations_and_an_account_over_its_limit():
    customer = postpaid_customer(limit=Decimal("100.00"))
    milk = ProductFactory(name="Cow Milk 1 L", price=Decimal("40.00"), stock=100, subscribable=True)
    with at(date(2026, 10, 25), 10):
        subscription = subscribe(user=customer, product=milk, start_date=NOV, payment_method=PaymentMethod.WALLET)
        subscription_skip(subscription=subscription, day=date(2026, 11, 2))
        subscription_set_vacation(subscription=subscription, start=date(2026, 11, 3), end=date(2026, 11, 4))
    for day in [date(2026, 11, n) for n in range(1, 8)]:
        with at(day - timedelta(days=1), 22, 5):
            generate_subscription_orders(day=day)
        order = Order.objects.filter(subscription=subscription, delivery_date=day).first()
        if order is not None:
            with at(day, 7):
                deliver(order)

    lines = statement_lines(account=account_of(customer), start=NOV, end=date(2026, 11, 30))

    # ₹40 a day against a ₹100 limit: the 1st and the 5th are delivered; the 6th would take it to ₹120.
    printed = [(line["day"], line["kind"], line["description"], line["amount"]) for line in lines]
    assert printed[1:4] == [
        ("2026-11-02", "SKIPPED", "Skipped: 2 Nov, 1 × Cow Milk 1 L (you asked)", ""),
        ("2026-11-03", "SKIPPED", "Skipped: 3 Nov, 1 × Cow Milk 1 L (your vacation)", ""),
        ("2026-11-04", "SKIPPED", "Skipped: 4 Nov, 1 × Cow Milk 1 L (your vacation)", ""),
    ]
    assert printed[5:] == [
        ("2026-11-06", "NOT_DELIVERED", "Not delivered: 6 Nov, 1 × Cow Milk 1 L (account over its limit)", ""),
        ("2026-11-07", "NOT_DELIVERED", "Not delivered: 7 Nov, 1 × Cow Milk 1 L (account over its limit)", ""),
    ]
    assert [(day, kind) for day, kind, _, amount in printed if amount] == [
        ("2026-11-01", "DELIVERY"),
        ("2026-11-05", "DELIVERY"),
    ]
