"""Races through the whole stack: real concurrent HTTP clients against a live server (a threaded WSGI server,
so the requests really overlap), each signed in with its own session cookie and posting the real forms.

orders/tests/test_concurrency.py holds the same races one layer down (order_place in threads); these add the
views, forms, middleware and sessions, and what the losers see. Two subscription generators race as two
`manage.py generate_subscription_orders` processes.
"""

import re
import subprocess
import sys
import time
from decimal import Decimal

import pytest
from django.conf import settings

from catalog.models import Product
from catalog.tests.factories import ProductFactory
from delivery.slots import upcoming_slots
from milkshop.tests.test_task_worker import database_url_for_tests
from milkshop.tests.threads import run_at_once
from orders.models import Order, OrderStatus
from orders.tests.factories import cart_with, customer_with_address, delivery_zone, fund_wallet
from payments.models import PaymentMethod, PaymentStatus, WalletEntry, WalletEntryKind
from payments.selectors import wallet_balance
from reliability.tests.processes import shop_env
from reliability.tests.web import Browser, browser_for
from subscriptions.models import Subscription
from subscriptions.tests.factories import milk, subscribe

pytestmark = pytest.mark.django_db(transaction=True)

ORDER_PAGE = re.compile(r"^/orders/([A-Z0-9-]+)/$")


def checkout_form(customer, *, method=PaymentMethod.CASH, slot=None) -> dict:
    """What the checkout page's radio buttons send: the default address, a slot, a payment method."""
    address = customer.addresses.get(is_default=True)
    return {"address": address.pk, "slot": (slot or upcoming_slots()[0]).key, "method": method}


def order_number(response) -> str | None:
    """The order a checkout made: its page is where the shop sends the customer."""
    if response.status_code != 302:
        return None
    match = ORDER_PAGE.match(response.headers["Location"])
    return match.group(1) if match else None


def page_after(browser: Browser, response) -> str:
    """The page the customer ends up reading (the form again, or where a redirect leads)."""
    if response.status_code == 302:
        return browser.get(response.headers["Location"]).text
    return response.text


def test_twenty_customers_race_through_checkout_for_the_last_five_units(live_server):
    delivery_zone()
    product = ProductFactory(name="Buffalo Milk", stock=5)
    customers = [customer_with_address() for _ in range(20)]
    for customer in customers:
        cart_with(customer, (product, 1))
    browsers = [browser_for(live_server.url, customer) for customer in customers]
    forms = [checkout_form(customer) for customer in customers]

    outcomes = run_at_once(
        [
            lambda browser=browser, form=form: browser.post("/checkout/", form)
            for browser, form in zip(browsers, forms, strict=True)
        ]
    )

    assert [o.error for o in outcomes if o.error] == []
    responses = [o.value for o in outcomes]
    assert [r.status_code for r in responses if r.status_code >= 500] == []
    winners = [i for i, r in enumerate(responses) if order_number(r)]
    losers = [i for i in range(20) if i not in winners]
    assert len(winners) == 5
    for i in losers:
        page = page_after(browsers[i], responses[i])
        assert "Buffalo Milk is out of stock" in page or "Out of stock" in page, page[:2000]
        assert not Order.objects.filter(user=customers[i]).exists()
        assert customers[i].cart.items.get().qty == 1  # the cart is kept for another try
    numbers = {order_number(responses[i]) for i in winners}
    assert set(Order.objects.filter(lines__product=product).values_list("number", flat=True)) == numbers
    assert Order.objects.filter(number__in=numbers, status=OrderStatus.CONFIRMED).count() == 5
    product.refresh_from_db()
    assert product.stock == 0


def test_carts_with_the_same_products_in_opposite_order_check_out_together(live_server):
    delivery_zone()
    rounds = 6
    milk_product = ProductFactory(stock=100)
    curd = ProductFactory(stock=100)
    customers = [customer_with_address() for _ in range(4)]
    browsers = [browser_for(live_server.url, customer) for customer in customers]

    for round_number in range(rounds):
        for i, browser in enumerate(browsers):
            first, second = (milk_product, curd) if i % 2 == 0 else (curd, milk_product)
            for product in (first, second):
                assert browser.post(f"/cart/add/{product.pk}/", {"qty": 1}).status_code == 302

        forms = [checkout_form(customer) for customer in customers]
        outcomes = run_at_once(
            [
                lambda browser=browser, form=form: browser.post("/checkout/", form)
                for browser, form in zip(browsers, forms, strict=True)
            ]
        )

        assert [o.error for o in outcomes if o.error] == []
        statuses = [o.value.status_code for o in outcomes]
        assert all(order_number(o.value) for o in outcomes), f"round {round_number}: {statuses}"

    milk_product.refresh_from_db()
    curd.refresh_from_db()
    placed = rounds * len(customers)
    assert (milk_product.stock, curd.stock) == (100 - placed, 100 - placed)
    assert Order.objects.filter(status=OrderStatus.CONFIRMED).count() == placed


def test_one_customer_on_many_devices_never_overdraws_the_wallet(live_server):
    """Six tabs of one customer add milk and pay from the wallet as fast as they can; the wallet holds ₹200."""
    delivery_zone()
    customer = customer_with_address()
    fund_wallet(customer, Decimal("200.00"))
    product = ProductFactory(price=Decimal("32.00"), stock=500)
    form = checkout_form(customer, method=PaymentMethod.WALLET)
    tabs = [browser_for(live_server.url, customer) for _ in range(6)]
    refusals: list[bool] = []  # True: refused for the balance

    def shop(tab: Browser) -> list[int]:
        statuses = []
        for _ in range(5):
            statuses.append(tab.post(f"/cart/add/{product.pk}/", {"qty": 1}).status_code)
            response = tab.post("/checkout/", form)
            statuses.append(response.status_code)
            if response.status_code == 200:  # the form again, saying why: the balance, or another tab was quicker
                assert "which does not cover" in response.text or "Your cart is empty." in response.text
                refusals.append("which does not cover" in response.text)
        return statuses

    outcomes = run_at_once([lambda tab=tab: shop(tab) for tab in tabs])

    assert [o.error for o in outcomes if o.error] == []
    assert [s for o in outcomes for s in o.value if s >= 500] == []
    orders = Order.objects.filter(user=customer)
    spent = sum(order.total_amount for order in orders)
    assert orders.count() >= 1
    assert spent <= Decimal("200.00")
    assert wallet_balance(user=customer) == Decimal("200.00") - spent
    assert set(orders.values_list("payment_status", flat=True)) == {PaymentStatus.SUCCESS}
    debits = WalletEntry.objects.filter(wallet__user=customer, kind=WalletEntryKind.ORDER_DEBIT)
    assert sorted(-entry.amount for entry in debits) == sorted(order.total_amount for order in orders)
    sold = sum(line.qty for order in orders for line in order.lines.all())
    assert Product.objects.get(pk=product.pk).stock == 500 - sold
    # The race really reached the limit: some checkouts were refused for the balance.
    assert any(refusals)


GATE_SCRIPT = """
import os, sys, time
import django
django.setup()
from django.core.management import call_command
gate = sys.argv[1]
while not os.path.exists(gate):
    time.sleep(0.002)
call_command(*sys.argv[2:])
"""


def test_two_subscription_generators_at_once_make_one_order_per_subscription(tmp_path):
    """Two `generate_subscription_orders` processes, set up first and then released together by a gate file."""
    product = milk(stock=1000)
    subscriptions = []
    for _ in range(40):
        customer = customer_with_address()
        fund_wallet(customer, Decimal("500.00"))
        subscriptions.append(subscribe(user=customer, product=product))
        subscriptions.append(subscribe(user=customer, product=product, payment_method=PaymentMethod.CASH))
    day = max(s.start_date for s in subscriptions)
    gate = tmp_path / "go"
    # Slots that hold all 80 subscriptions: capacity is not what this test is about.
    env = shop_env(DATABASE_URL=database_url_for_tests(), DELIVERY_SLOT_CAPACITY="1000")
    command = [sys.executable, "-c", GATE_SCRIPT, str(gate), "generate_subscription_orders", "--date", day.isoformat()]
    generators = [
        subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for _ in range(2)
    ]
    time.sleep(3)  # both have imported Django and wait at the gate
    gate.touch()
    outputs = []
    for generator in generators:
        output, _ = generator.communicate(timeout=120)
        outputs.append(output)
        assert generator.returncode == 0, output

    reports = [re.search(r"(\d+) orders created, (\d+) already there", output) for output in outputs]
    assert all(reports), outputs
    created = sum(int(report.group(1)) for report in reports)
    assert created == len(subscriptions), outputs
    assert sum(int(report.group(2)) for report in reports) == len(subscriptions), outputs
    for subscription in Subscription.objects.all():
        assert subscription.orders.filter(delivery_date=day).count() == 1, subscription
    assert Order.objects.filter(delivery_date=day).count() == len(subscriptions)
    assert Product.objects.get(pk=product.pk).stock == 1000 - len(subscriptions)
    spent = WalletEntry.objects.filter(kind=WalletEntryKind.ORDER_DEBIT).count()
    assert spent == len(subscriptions) // 2
