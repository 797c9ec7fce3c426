"""Races at checkout and on the wallet, run with real threads (as django-oscar's stock-locking tests).

CI runs them on PostgreSQL, where the row locks do the work, and on SQLite, where IMMEDIATE transactions
queue the writers.

Each thread opens its own connection, waits at a barrier so the calls really overlap, and closes its connection
when done. Outcomes are gathered and checked in the main thread.
"""

from collections.abc import Callable
from decimal import Decimal

import pytest

from cart.models import Cart, CartItem
from cart.services import cart_add_item
from catalog.models import Product
from catalog.tests.factories import ProductFactory
from delivery.slots import upcoming_slots
from milkshop.tests.threads import Outcome, run_at_once
from orders.models import Order
from orders.services import PlacementError
from orders.tests.factories import cart_with, customer_with_address, delivery_zone, fund_wallet, open_slot
from orders.workflows import order_place
from payments.models import PaymentMethod, PaymentStatus, WalletEntry, WalletEntryKind
from payments.selectors import wallet_balance
from payments.services import InsufficientWalletBalance, wallet_debit

pytestmark = pytest.mark.django_db(transaction=True)


def placing(user, cart, *, slot=None, method=PaymentMethod.CASH) -> Callable[[], object]:
    address = user.addresses.get(is_default=True)
    slot = slot or open_slot()
    return lambda: order_place(user=user, cart=cart, address=address, slot=slot, method=method)


def unexpected(outcomes: list[Outcome], *expected: type[BaseException]) -> list[BaseException]:
    return [o.error for o in outcomes if o.error is not None and not isinstance(o.error, expected)]


def test_twenty_customers_race_for_five_units_and_exactly_five_win():
    delivery_zone()
    product = ProductFactory(stock=5)
    customers = [customer_with_address() for _ in range(20)]
    carts = [cart_with(customer, (product, 1)) for customer in customers]

    outcomes = run_at_once([placing(customer, cart) for customer, cart in zip(customers, carts, strict=True)])

    assert unexpected(outcomes, PlacementError) == []
    winners = [i for i, o in enumerate(outcomes) if o.error is None]
    losers = [i for i, o in enumerate(outcomes) if o.error is not None]
    assert len(winners) == 5
    assert len(losers) == 15
    for i in losers:
        assert outcomes[i].error.line_errors == {product.pk: f"{product.name} is out of stock."}
        assert list(CartItem.objects.filter(cart=carts[i]).values_list("product_id", "qty")) == [(product.pk, 1)]
        assert not Order.objects.filter(user=customers[i]).exists()
    for i in winners:
        assert outcomes[i].value.order.lines.get().qty == 1
        assert not CartItem.objects.filter(cart=carts[i]).exists()
    product.refresh_from_db()
    assert product.stock == 0
    assert Order.objects.filter(lines__product=product).count() == 5


def test_carts_holding_the_same_products_in_opposite_order_never_deadlock():
    delivery_zone()
    rounds = 10
    milk = ProductFactory(stock=2 * rounds + 3)
    curd = ProductFactory(stock=2 * rounds + 3)
    first, second = customer_with_address(), customer_with_address()

    for round_number in range(rounds):
        cart_one = cart_with(first, (milk, 1), (curd, 1))
        cart_two = cart_with(second, (curd, 1), (milk, 1))

        outcomes = run_at_once([placing(first, cart_one), placing(second, cart_two)])

        errors = [o.error for o in outcomes if o.error is not None]
        assert errors == [], f"round {round_number}: {errors!r}"

    milk.refresh_from_db()
    curd.refresh_from_db()
    assert (milk.stock, curd.stock) == (3, 3)
    assert Order.objects.filter(user=first).count() == rounds
    assert Order.objects.filter(user=second).count() == rounds


def test_concurrent_wallet_debits_never_overdraw():
    customer = customer_with_address()
    fund_wallet(customer, Decimal("100.00"))

    def debit():
        return wallet_debit(user=customer, amount=Decimal("30.00"), kind=WalletEntryKind.ADJUSTMENT, note="race")

    outcomes = run_at_once([debit] * 10)

    assert unexpected(outcomes, InsufficientWalletBalance) == []
    assert sum(o.error is None for o in outcomes) == 3
    assert sum(isinstance(o.error, InsufficientWalletBalance) for o in outcomes) == 7
    assert wallet_balance(user=customer) == Decimal("10.00")
    assert WalletEntry.objects.filter(wallet__user=customer, amount=Decimal("-30.00")).count() == 3


def test_concurrent_wallet_orders_for_one_customer_stop_when_the_wallet_runs_out():
    """Eight checkouts by one customer, each its own cart, product and slot, so they meet only at the wallet lock."""
    delivery_zone()
    customer = customer_with_address()
    fund_wallet(customer, Decimal("100.00"))  # covers three ₹32 orders, leaving ₹4
    products = [ProductFactory(price=Decimal("32.00"), stock=10) for _ in range(8)]
    slots = upcoming_slots()[:8]
    assert len(slots) == 8
    carts = []
    for product in products:
        cart = Cart.objects.create()  # order_place takes whichever cart it is given
        cart_add_item(cart=cart, product=product, qty=1)
        carts.append(cart)

    outcomes = run_at_once(
        [
            placing(customer, cart, slot=slot, method=PaymentMethod.WALLET)
            for cart, slot in zip(carts, slots, strict=True)
        ]
    )

    assert unexpected(outcomes, PlacementError) == []
    refused = [i for i, o in enumerate(outcomes) if o.error is not None]
    assert len(refused) == 5
    for i in refused:
        assert isinstance(outcomes[i].error.__cause__, InsufficientWalletBalance)
        assert CartItem.objects.filter(cart=carts[i]).count() == 1
    assert wallet_balance(user=customer) == Decimal("4.00")
    orders = Order.objects.filter(user=customer)
    assert orders.count() == 3
    assert set(orders.values_list("payment_status", flat=True)) == {PaymentStatus.SUCCESS}
    stocks = dict(Product.objects.filter(pk__in=[p.pk for p in products]).values_list("pk", "stock"))
    for i, product in enumerate(products):
        assert stocks[product.pk] == (10 if i in refused else 9)


def test_one_cart_submitted_twice_at_once_becomes_one_order():
    delivery_zone()
    customer = customer_with_address()
    fund_wallet(customer, Decimal("500.00"))
    product = ProductFactory(price=Decimal("32.00"), stock=10)
    cart = cart_with(customer, (product, 2))

    outcomes = run_at_once([placing(customer, cart, method=PaymentMethod.WALLET)] * 4)

    assert unexpected(outcomes, PlacementError) == []
    assert Order.objects.filter(user=customer).count() == 1
    assert sum(o.error is None for o in outcomes) == 1
    product.refresh_from_db()
    assert product.stock == 8
    assert wallet_balance(user=customer) == Decimal("436.00")
