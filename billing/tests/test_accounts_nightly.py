"""The nightly subscription run for households on a monthly account: their days are billed to the account, and a
day that would take the account past its limit is skipped with OVER_LIMIT and a notice naming what is due."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.ledger import account_exposure
from billing.tests.factories import account_of, postpaid_customer
from catalog.tests.factories import ProductFactory
from delivery.models import DeliveryStatus
from delivery.tests.factories import delivery_in, rider
from notifications.models import Channel, NotificationType
from notifications.tests.helpers import assert_fits_one_sms, message, sms_to
from orders.models import Order, OrderStatus
from orders.tests.factories import customer_with_address, delivery_zone, fund_wallet
from payments.models import PaymentMethod, PaymentStatus
from payments.selectors import wallet_balance
from subscriptions.generation import generate_subscription_orders
from subscriptions.models import MissedDelivery
from subscriptions.tests.factories import milk, subscribe

pytestmark = pytest.mark.django_db

SITE_URL = "https://shop.milkshop-example.in"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


def test_a_postpaid_household_gets_orders_on_its_account_whatever_its_subscription_says(committed):
    customer = postpaid_customer(limit="1000.00")
    subscription = subscribe(user=customer, qty=2, payment_method=PaymentMethod.WALLET)  # an empty wallet

    report = committed(generate_subscription_orders, day=subscription.start_date)

    assert report.created == 1
    order = Order.objects.get()
    assert (order.status, order.payment_method, order.payment_status, order.total_amount) == (
        OrderStatus.CONFIRMED,
        PaymentMethod.POSTPAID,
        PaymentStatus.PENDING,
        Decimal("64.00"),
    )
    payment = order.payments.get()
    assert (payment.method, payment.provider) == (PaymentMethod.POSTPAID, "account")
    assert order.history.filter(note="Subscription delivery, billed to the monthly account").exists()
    assert wallet_balance(user=customer) == 0
    assert account_exposure(account=account_of(customer)) == Decimal("64.00")


def test_an_account_over_its_limit_is_skipped_and_told_what_is_due(committed):
    delivery_zone()
    rider()
    customer = postpaid_customer(limit="100.00", name="Asha Rao", phone="+919845012345")
    delivery_in(
        DeliveryStatus.DELIVERED,
        method=PaymentMethod.POSTPAID,
        user=customer,
        lines=[(ProductFactory(price=Decimal("80.00"), stock=5), 1)],
    )
    subscription = subscribe(user=customer, product=milk(name="Toned Milk", price=Decimal("27.00")))
    day = subscription.start_date

    report = committed(generate_subscription_orders, day=day)

    assert report.created == 0
    assert MissedDelivery.objects.get(subscription=subscription, date=day).reason == MissedDelivery.Reason.OVER_LIMIT
    assert not Order.objects.filter(subscription=subscription).exists()
    notice = message(customer, NotificationType.SUBSCRIPTION_ORDER_SKIPPED, Channel.EMAIL)
    assert notice.subject.endswith("your monthly account is over its limit")
    assert (
        "Your monthly account owes ₹80.00 against its ₹100.00 limit, and that delivery costs ₹27.00." in notice.message
    )
    assert notice.url == "/account/monthly/"
    assert f"{SITE_URL}/account/monthly/" in notice.message
    [text] = [text for text in sms_to(customer) if "Toned Milk" in text]
    assert "Account owes Rs.80.00, limit Rs.100.00." in text
    assert_fits_one_sms(text)
    in_app = message(customer, NotificationType.SUBSCRIPTION_ORDER_SKIPPED, Channel.IN_APP)
    assert "owes ₹80.00 against its ₹100.00 limit" in in_app.message


def test_one_run_counts_what_the_households_earlier_subscriptions_added(committed):
    customer = postpaid_customer(limit="50.00")
    first = subscribe(user=customer, product=milk(name="Cow Milk", price=Decimal("30.00")))
    second = subscribe(user=customer, product=milk(name="Buffalo Milk", price=Decimal("30.00")))

    report = committed(generate_subscription_orders, day=first.start_date)

    assert report.created == 1
    placed = Order.objects.get()
    skipped = MissedDelivery.objects.get()
    assert {placed.subscription_id, skipped.subscription_id} == {first.pk, second.pk}
    assert skipped.reason == MissedDelivery.Reason.OVER_LIMIT


def test_prepaid_subscribers_in_the_same_run_are_untouched(committed):
    prepaid = customer_with_address()
    fund_wallet(prepaid, Decimal("100.00"))
    postpaid = postpaid_customer(limit="100.00")
    product = milk()
    day = subscribe(user=prepaid, product=product).start_date
    subscribe(user=postpaid, product=product)

    committed(generate_subscription_orders, day=day)

    assert Order.objects.get(user=prepaid).payment_method == PaymentMethod.WALLET
    assert wallet_balance(user=prepaid) == Decimal("68.00")
    assert Order.objects.get(user=postpaid).payment_method == PaymentMethod.POSTPAID


@pytest.mark.parametrize("count", [4, 40])
def test_the_runs_queries_do_not_grow_with_postpaid_households(settings, django_assert_max_num_queries, count):
    settings.DELIVERY_SLOT_CAPACITY = 500
    rider()
    product = milk(stock=1000)
    day = None
    for n in range(count):
        customer = postpaid_customer(limit="1000.00") if n % 2 else customer_with_address()
        if not n % 2:
            fund_wallet(customer, Decimal("1000.00"))
        day = subscribe(user=customer, product=product).start_date

    with django_assert_max_num_queries(65):  # the same for 4 households as for 40
        report = generate_subscription_orders(day=day)

    assert report.created == count
    assert Order.objects.filter(payment_method=PaymentMethod.POSTPAID).count() == count // 2


def test_a_postpaid_household_gets_no_wallet_reminder(committed):
    customer = postpaid_customer(limit="1000.00")
    subscription = subscribe(user=customer, payment_method=PaymentMethod.WALLET)

    committed(generate_subscription_orders, day=subscription.start_date)

    assert not customer.notifications.filter(type=NotificationType.WALLET_LOW_BALANCE).exists()


def test_the_subscription_pages_say_a_postpaid_household_is_billed_monthly(client):
    customer = postpaid_customer(limit="1000.00")
    subscription = subscribe(user=customer)
    client.force_login(customer)

    listing = client.get(reverse("subscriptions:list"))
    new = client.get(reverse("subscriptions:new", args=[subscription.product.slug]))

    assert "Billed monthly to your account" in listing.text
    assert "Billed monthly to your account" in new.text
    assert 'value="POSTPAID"' not in new.text
    assert "Monthly account" in listing.text  # the menu link
