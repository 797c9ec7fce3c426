"""Document numbers under concurrent checkouts, and the nightly run's documents issued in bulk.

Like orders/tests/test_concurrency.py: real threads, each on its own connection, released together; CI runs them on
PostgreSQL (the series row's lock does the work) and on SQLite (IMMEDIATE transactions queue the writers)."""

from decimal import Decimal

import pytest
from django.db import transaction

from billing.documents import orders_documents_issue
from billing.models import DocumentKind, DocumentSequence, TaxDocument
from catalog.tests.factories import ProductFactory
from milkshop.tests.threads import run_at_once
from orders.models import Order
from orders.tests.factories import cart_with, customer_with_address, delivery_zone, fund_wallet, open_slot
from orders.workflows import order_place
from payments.models import PaymentMethod
from subscriptions.generation import generate_subscription_orders
from subscriptions.tests.factories import milk, subscribe


def ghee():
    return ProductFactory(name="Cow ghee", price=Decimal("315.00"), hsn_code="0405", gst_rate=Decimal("5"), stock=100)


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_checkouts_take_numbers_one_to_twenty_without_gap_or_repeat():
    delivery_zone()
    product = ghee()
    slot = open_slot()
    customers = [customer_with_address() for _ in range(20)]
    for customer in customers[::2]:
        fund_wallet(customer, Decimal("500.00"))
    calls = []
    for i, customer in enumerate(customers):
        cart = cart_with(customer, (product, 1))
        method = PaymentMethod.WALLET if i % 2 == 0 else PaymentMethod.CASH
        address = customer.addresses.get(is_default=True)
        calls.append(
            lambda c=customer, k=cart, a=address, m=method: order_place(user=c, cart=k, address=a, slot=slot, method=m)
        )

    outcomes = run_at_once(calls)

    assert [o.error for o in outcomes if o.error is not None] == []
    documents = list(TaxDocument.objects.order_by("sequence"))
    assert [d.sequence for d in documents] == list(range(1, 21))
    assert len({d.number for d in documents}) == 20
    assert {d.order_id for d in documents} == set(Order.objects.values_list("pk", flat=True))
    assert all(d.kind == DocumentKind.TAX_INVOICE for d in documents)
    assert DocumentSequence.objects.get(series="INV").last_number == 20


@pytest.fixture
def day_of_subscriptions(db):
    def make(count: int):
        product = milk(stock=1000)
        butter = ProductFactory(
            name="Butter", price=Decimal("60.00"), hsn_code="0405", gst_rate=Decimal("5"), stock=1000, subscribable=True
        )
        subscriptions = []
        for i in range(count):
            customer = customer_with_address()
            fund_wallet(customer, Decimal("1000.00"))
            subscriptions.append(subscribe(user=customer, product=butter if i % 2 else product))
        return subscriptions[0].start_date

    return make


@pytest.mark.django_db
def test_the_nightly_run_issues_a_document_for_each_prepaid_order(day_of_subscriptions):
    day = day_of_subscriptions(4)

    generate_subscription_orders(day=day)

    orders = list(Order.objects.order_by("pk"))
    assert len(orders) == 4
    kinds = [TaxDocument.objects.get(order=order).kind for order in orders]
    assert kinds == [DocumentKind.BILL_OF_SUPPLY, DocumentKind.TAX_INVOICE] * 2
    assert sorted(TaxDocument.objects.values_list("sequence", flat=True)) == [1, 1, 2, 2]


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 50])
def test_issuing_in_bulk_takes_the_same_queries_for_5_orders_as_for_50(
    day_of_subscriptions, django_assert_max_num_queries, count
):
    day = day_of_subscriptions(count)
    generate_subscription_orders(day=day)
    orders = list(Order.objects.order_by("pk"))
    # Issued again from nothing, as the run does: the documents it made are taken away first.
    TaxDocument.objects.all().delete()

    # Three reads, three per series (its row made, locked, moved on), the documents and their lines: 11.
    with django_assert_max_num_queries(13), transaction.atomic():
        issued = orders_documents_issue(orders=orders)

    assert len(issued) == count
    assert TaxDocument.objects.count() == count


@pytest.mark.django_db
def test_the_nightly_run_leaves_monthly_account_orders_to_the_statement():
    from accounts.tests.factories import UserFactory
    from billing.ledger import account_set_terms

    monthly, prepaid = customer_with_address(), customer_with_address()
    account_set_terms(user=monthly, kind="POSTPAID", credit_limit=Decimal("5000.00"), by=UserFactory(is_staff=True))
    fund_wallet(prepaid, Decimal("500.00"))
    product = milk(stock=100)
    subscribe(user=monthly, product=product, payment_method=PaymentMethod.POSTPAID)
    day = subscribe(user=prepaid, product=product).start_date

    generate_subscription_orders(day=day)

    assert Order.objects.count() == 2
    assert list(TaxDocument.objects.values_list("order__user", flat=True)) == [prepaid.pk]
