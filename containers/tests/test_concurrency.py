"""Races on one customer's containers, with real threads: the balance lock makes them take turns."""

from decimal import Decimal

import pytest

from containers.models import MovementKind
from containers.services import ContainerError
from containers.tests.factories import books, bottled_milk, deliver, glass_bottle, take_to_the_door, with_rider
from delivery.models import DeliveryStatus
from milkshop.tests.threads import run_at_once
from orders.tests.factories import customer_with_address, fund_wallet, place_order
from orders.workflows import containers_record, delivery_transition
from payments.models import PaymentMethod

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_records_of_the_same_empties_at_once_credit_them_once():
    with_rider()
    customer = customer_with_address()
    fund_wallet(customer, Decimal("1000.00"))
    deliver(place_order(user=customer, lines=[(bottled_milk(), 2)], method=PaymentMethod.WALLET))
    bottle = glass_bottle()

    def handing_in():
        return containers_record(customer=customer, container_type=bottle, kind=MovementKind.RETURNED, qty=2, by=None)

    outcomes = run_at_once([handing_in, handing_in])

    assert sorted(type(o.error).__name__ for o in outcomes if o.error) == [ContainerError.__name__]
    final = books(customer, bottle)
    assert (final.held, final.deposit_refunds, final.add_up()) == (0, Decimal("60.00"), True)


def test_a_delivery_and_staff_recording_the_same_customers_empties_at_once_still_add_up():
    with_rider()
    customer = customer_with_address()
    fund_wallet(customer, Decimal("1000.00"))
    milk = bottled_milk()
    deliver(place_order(user=customer, lines=[(milk, 2)], method=PaymentMethod.WALLET))
    at_the_door = take_to_the_door(place_order(user=customer, lines=[(milk, 2)], method=PaymentMethod.WALLET))
    bottle = glass_bottle()

    outcomes = run_at_once(
        [
            lambda: delivery_transition(delivery=at_the_door, to=DeliveryStatus.DELIVERED, by=at_the_door.rider),
            lambda: containers_record(
                customer=customer, container_type=bottle, kind=MovementKind.RETURNED, qty=2, by=None
            ),
        ]
    )

    assert [o.error for o in outcomes] == [None, None]
    final = books(customer, bottle)
    # The door first: 2 swapped, then 2 handed in (deposits back). The dairy first: none left to swap, 2 kept.
    assert (final.held, final.deposit_refunds) in [(0, Decimal("60.00")), (2, 0)]
    assert final.add_up()
