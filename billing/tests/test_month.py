"""The issue's "done when": a month of a postpaid subscriber run through the services (the nightly generator, the
rider's deliveries, a skip, a failed delivery, a partial and a full payment), then its statement, whose totals are
the ledger's. Runs on SQLite and on PostgreSQL (CI runs the suite on both)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from billing.ledger import account_balance
from billing.models import EntryKind, LedgerEntry, Statement
from billing.selectors import StandingStatus, statements_standing
from billing.statements import statements_make
from billing.tests.monthly import (
    account_of,
    at,
    cash_payment,
    delivered_on_account,
    month_end_moment,
    online_payment,
    postpaid_customer,
)
from catalog.tests.factories import ProductFactory
from containers.tests.factories import deliver, take_to_the_door
from delivery.models import DeliveryStatus, FailureReason
from orders.models import Order, OrderStatus
from orders.workflows import delivery_transition
from payments.models import PaymentMethod
from subscriptions.generation import generate_subscription_orders
from subscriptions.services import subscription_skip
from subscriptions.tests.factories import subscribe

pytestmark = pytest.mark.django_db

NOV = date(2026, 11, 1)
SKIPPED = date(2026, 11, 5)
FAILED = date(2026, 11, 12)


def november():
    return [NOV + timedelta(days=n) for n in range(30)]


@pytest.fixture
def month():
    """Asha subscribes to 1 × ₹32 milk a day from 1 November, billed to her monthly account, and skips the 5th; the
    rider can't reach her on the 12th; she orders ₹90 of curd once; pays ₹100 by UPI on the 10th (part of what she
    owes) and in cash to the rider on the 20th all she owes by then."""
    customer = postpaid_customer(name="Asha Rao")
    milk = ProductFactory(name="Cow Milk 500 ml", price=Decimal("32.00"), stock=100, subscribable=True)
    with at(date(2026, 10, 25), 10):
        subscription = subscribe(user=customer, product=milk, start_date=NOV, payment_method=PaymentMethod.WALLET)
        subscription_skip(subscription=subscription, day=SKIPPED)
    paid = {}
    for day in november():
        with at(day - timedelta(days=1), 22, 5):
            generate_subscription_orders(day=day)
        order = Order.objects.filter(subscription=subscription, delivery_date=day).first()
        if order is None:
            continue
        with at(day, 7):
            if day == FAILED:
                delivery = take_to_the_door(order)
                delivery_transition(
                    delivery=delivery,
                    to=DeliveryStatus.FAILED,
                    by=delivery.rider,
                    failure_reason=FailureReason.CUSTOMER_UNAVAILABLE,
                )
            else:
                deliver(order)
        if day == date(2026, 11, 8):
            curd = ProductFactory(name="Curd 400 g", price=Decimal("45.00"), stock=20)
            delivered_on_account(customer, date(2026, 11, 9), (curd, 2))
        if day == date(2026, 11, 10):
            paid["upi"] = online_payment(customer, day, "100.00")
        if day == date(2026, 11, 20):
            owed = account_balance(account=account_of(customer))
            rider = order.delivery.rider
            paid["cash"] = cash_payment(customer, day, str(owed), by=rider)
            paid["cash_amount"] = owed
    return customer, subscription, paid


def test_a_month_of_a_postpaid_subscriber_makes_a_statement_whose_totals_are_the_ledger(month):
    customer, subscription, paid = month
    account = account_of(customer)

    run = statements_make(month_start=NOV, now=month_end_moment(NOV))

    [statement] = run.made
    entries = LedgerEntry.objects.filter(account=account)
    up_to_month_end = entries.filter(day__lte=date(2026, 11, 30)).aggregate(total=Sum("amount"))["total"]
    delivered_days = 30 - 2  # the skip and the failed delivery
    # What the household was charged: every delivered day's milk and the curd, nothing for the 5th or the 12th.
    assert statement.charges == Decimal("32.00") * delivered_days + Decimal("90.00")
    assert statement.credits == Decimal("0.00")
    assert statement.payments == Decimal("100.00") + paid["cash_amount"]
    assert statement.opening_balance == Decimal("0.00")
    assert (
        statement.opening_balance + statement.charges - statement.credits - statement.payments
        == statement.closing_balance
        == up_to_month_end
        == account_balance(account=account)
    )
    # Ten days of milk after the cash payment settled everything owed until then.
    assert statement.closing_balance == Decimal("32.00") * 10

    kinds = [line["kind"] for line in statement.lines]
    assert kinds.count(EntryKind.DELIVERY) == delivered_days + 1
    assert kinds.count(EntryKind.PAYMENT) == 2
    lines = {line["day"]: line for line in statement.lines if line["kind"] in ("SKIPPED", "FAILED")}
    assert lines[SKIPPED.isoformat()]["description"] == "Skipped: 5 Nov, 1 × Cow Milk 500 ml (you asked)"
    assert lines[SKIPPED.isoformat()]["amount"] == ""
    failed = lines[FAILED.isoformat()]
    assert failed["description"].startswith("Delivery failed, order ")
    assert "(customer not available). Not charged" in failed["description"]
    assert failed["amount"] == ""
    assert Order.objects.get(user=customer, delivery_date=FAILED).status == OrderStatus.CANCELLED
    # Every delivered order is a line of the statement's document; nothing else is.
    document = statement.tax_documents.get()
    assert document.total == statement.charges

    # The month's payments settled part of it; what is left is the closing balance, due on the 11th.
    [standing] = statements_standing(account=account, today=date(2026, 12, 5))
    assert (standing.settled, standing.outstanding, standing.status) == (
        statement.payments,
        statement.closing_balance,
        StandingStatus.PART_PAID,
    )
    assert Statement.objects.count() == 1
