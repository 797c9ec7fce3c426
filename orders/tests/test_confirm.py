"""An order is confirmed only once paid, or when it is cash on delivery (DESIGN §4), whoever asks."""

import re

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from delivery.models import DeliveryStatus
from delivery.tests.factories import rider
from orders.models import OrderStatus
from orders.tests.books import books
from orders.tests.factories import order_on_demo_page, place_order
from orders.workflows import NotAllowed, OrderError, order_confirm, payment_succeeded
from payments.models import PaymentMethod, PaymentStatus

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:orders_order_changelist")
NOT_PAID = "is not paid yet; it is confirmed when its payment arrives (or when the customer picks cash on delivery)."


def confirm_in_admin(client, *orders):
    return client.post(CHANGELIST, {"action": "confirm", "_selected_action": [o.pk for o in orders]}, follow=True)


@pytest.mark.parametrize("method", [PaymentMethod.CARD, PaymentMethod.UPI])
def test_admin_confirm_refuses_an_unpaid_online_order_and_says_why(client, staff, method):
    order, _payment = order_on_demo_page(method=method)
    before = books(order)

    response = confirm_in_admin(client, order)

    assert f"Order {order.number} {NOT_PAID}" in response.content.decode()
    assert "order confirmed" not in response.content.decode()
    assert "orders confirmed" not in response.content.decode()
    assert books(order) == before


def test_admin_confirm_says_which_of_the_selected_orders_it_refused(client, staff):
    unpaid, _payment = order_on_demo_page()
    cash = place_order(method=PaymentMethod.CASH)

    page = confirm_in_admin(client, unpaid, cash).content.decode()

    assert f"Order {unpaid.number} {NOT_PAID}" in page
    assert f"Order {cash.number} is confirmed; it cannot be moved to confirmed." in page
    unpaid.refresh_from_db()
    assert unpaid.status == OrderStatus.CREATED


def test_cash_on_delivery_and_paid_orders_are_confirmed_with_their_delivery_without_staff():
    rider()
    cash = place_order(method=PaymentMethod.CASH)
    card, payment = order_on_demo_page()

    payment_succeeded(payment_id=payment.pk, reference="demo_paid")

    card.refresh_from_db()
    for order in (cash, card):
        assert order.status == OrderStatus.CONFIRMED
        assert order.delivery.status == DeliveryStatus.ASSIGNED
    assert card.payment_status == PaymentStatus.SUCCESS


@pytest.mark.parametrize("method", [PaymentMethod.CARD, PaymentMethod.UPI])
def test_order_confirm_refuses_an_unpaid_online_order(method):
    order, _payment = order_on_demo_page(method=method)
    before = books(order)

    with pytest.raises(OrderError, match=re.escape(NOT_PAID)):
        order_confirm(order=order, by=UserFactory(is_staff=True))

    assert books(order) == before


@pytest.mark.parametrize("who", ["customer", "rider"])
def test_only_the_shop_confirms_orders(who):
    order, _payment = order_on_demo_page()
    before = books(order)
    by = order.user if who == "customer" else rider()

    with pytest.raises(NotAllowed, match="Only the shop confirms orders."):
        order_confirm(order=order, by=by)

    assert books(order) == before
