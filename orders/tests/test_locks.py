"""orders.locks.Locks takes row locks in one documented order and refuses a lock asked for out of it."""

import pytest
from django.db import transaction

from cart.models import Cart
from orders.locks import ORDER, LockOrderError, Locks
from orders.tests.factories import place_order

pytestmark = pytest.mark.django_db


def take(locks: Locks, kind: str, order):
    match kind:
        case "cart":
            return locks.cart(Cart.objects.get_or_create(user=order.user)[0])
        case "order":
            return locks.order(order.pk)
        case "delivery":
            return locks.delivery(order)
        case "payments":
            return locks.payments(order)
        case "stock":
            return locks.stock(product_ids=[line.product_id for line in order.lines.all()], day=order.delivery_date)
        case "slot":
            return locks.slot(order.slot)
        case "containers":
            return locks.containers(user_ids=[order.user_id])
        case "wallets":
            return locks.wallets([order.user_id])
        case "accounts":
            return locks.accounts([order.user_id])
        case "documents":
            return locks.documents()
    raise AssertionError(kind)


def test_every_lock_in_the_documented_order_is_granted():
    order = place_order()

    with transaction.atomic():
        locks = Locks()
        held = [take(locks, kind, order) for kind in ORDER]

    assert held[1] == order
    assert held[3] == list(order.payments.all())


def test_rows_of_the_same_kind_may_be_locked_one_after_another():
    first, second = place_order(), place_order()

    with transaction.atomic():
        locks = Locks()
        locks.payment(first.payments.get().pk)
        locks.payment(second.payments.get().pk)


OUT_OF_ORDER = [
    ("order", "cart"),
    ("payments", "order"),
    ("delivery", "order"),
    ("stock", "payments"),
    ("slot", "stock"),
    ("wallets", "slot"),
    ("wallets", "order"),
    ("containers", "slot"),
    ("wallets", "containers"),
]


@pytest.mark.parametrize(("first", "then"), OUT_OF_ORDER, ids=[f"{then}-after-{first}" for first, then in OUT_OF_ORDER])
def test_a_lock_asked_for_out_of_order_is_refused(first, then):
    order = place_order()

    with transaction.atomic():
        locks = Locks()
        take(locks, first, order)
        with pytest.raises(LockOrderError, match=f"^{then} locked after {first}$"):
            take(locks, then, order)
