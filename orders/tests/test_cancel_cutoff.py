"""A customer may cancel their own order until its cutoff (22:00 the evening before); after it only the shop
may, and only with a reason. Each door: the order page, the JSON API, the admin action."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from milkshop.tests.apiclient import ApiClient, error_of
from orders.models import Order, OrderStatus
from orders.tests.books import books
from orders.tests.factories import customer_with_address, delivery_zone, fund_wallet, order_on_demo_page, place_order
from orders.workflows import OrderError, order_cancel
from payments.models import PaymentMethod, PaymentStatus, RefundStatus
from payments.selectors import wallet_balance

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:orders_order_changelist")


def wallet_order(user=None) -> Order:
    """2 × ₹32 paid from a wallet that held ₹100 (₹36 left)."""
    user = user or customer_with_address()
    fund_wallet(user, Decimal("100.00"))
    return place_order(user=user, method=PaymentMethod.WALLET)


def after_cutoff(order: Order):
    return time_machine.travel(order.slot.cutoff + timedelta(minutes=1))


def before_cutoff(order: Order):
    return time_machine.travel(order.slot.cutoff - timedelta(minutes=1))


def closed_message(order: Order) -> str:
    cutoff = timezone.localtime(order.slot.cutoff)
    return (
        f"Order {order.number} can no longer be cancelled: changes for {order.slot.label} closed at "
        f"{cutoff:%H:%M on %a %d %b}. Call us if something is wrong."
    )


def assert_all_came_back(order: Order, *, left_before: dict) -> None:
    """Cancelled, its stock back on sale, its seat in the slot free, its delivery called off."""
    after = books(order)
    assert after["order"][0] == OrderStatus.CANCELLED
    assert after["left"] == left_before
    assert after["seats"] == 0
    assert after["delivery"] in ([], ["CANCELLED"])


@pytest.fixture
def api(client):
    """Sign in to the API (again, after a trip in time: access tokens last minutes)."""
    delivery_zone()

    def sign_in(user) -> ApiClient:
        return ApiClient(client).login(user.email)

    return sign_in


# The customer, after the cutoff


def test_after_the_cutoff_the_order_page_refuses_the_customers_cancel_and_nothing_changes(client):
    order = wallet_order()
    client.force_login(order.user)
    before = books(order)

    with after_cutoff(order):
        response = client.post(reverse("orders:cancel", args=[order.number]), follow=True)

    assert response.redirect_chain[-1][0] == order.get_absolute_url()
    assert closed_message(order) in response.content.decode()
    assert books(order) == before


def test_after_the_cutoff_the_cancel_page_says_why_and_offers_no_button(client):
    order = wallet_order()
    client.force_login(order.user)
    cancel_page = reverse("orders:cancel", args=[order.number])

    with before_cutoff(order):
        before = client.get(cancel_page).content.decode()
    with after_cutoff(order):
        after = client.get(cancel_page).content.decode()

    assert "Yes, cancel the order" in before
    assert closed_message(order) not in before
    assert "Yes, cancel the order" not in after
    assert closed_message(order) in after


def test_after_the_cutoff_the_api_answers_409_and_nothing_changes(api):
    order = wallet_order()
    before = books(order)

    with after_cutoff(order):
        response = api(order.user).post("/order/cancel", {"orderId": order.number})

    assert response.status_code == 409
    error = error_of(response)
    assert (error["code"], error["message"]) == ("cancel_refused", closed_message(order))
    assert books(order) == before


# The customer, just before the cutoff


def test_just_before_the_cutoff_the_order_page_cancels_and_the_wallet_stock_and_slot_come_back(
    client, django_capture_on_commit_callbacks
):
    order = wallet_order()
    client.force_login(order.user)
    left = books(order)["left"]
    assert wallet_balance(user=order.user) == Decimal("36.00")

    with before_cutoff(order), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("orders:cancel", args=[order.number]), follow=True)

    assert f"Order {order.number} is cancelled." in response.content.decode()
    assert_all_came_back(order, left_before={pk: qty + 2 for pk, qty in left.items()})
    assert wallet_balance(user=order.user) == Decimal("100.00")
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.REFUNDED


def test_just_before_the_cutoff_the_api_cancels_a_card_order_and_refunds_the_card(
    api, client, django_capture_on_commit_callbacks
):
    order, payment = order_on_demo_page()
    client.force_login(order.user)
    client.post(payment.checkout_url, {"decision": "approve"})
    left = books(order)["left"]

    with before_cutoff(order), django_capture_on_commit_callbacks(execute=True):
        response = api(order.user).post("/order/cancel", {"orderId": order.number, "reason": "Away this week"})

    assert response.status_code == 200
    assert response.json()["status"] == OrderStatus.CANCELLED
    assert_all_came_back(order, left_before={pk: qty + 2 for pk, qty in left.items()})
    payment.refresh_from_db()
    refund = payment.refunds.get()
    assert (refund.status, refund.amount) == (RefundStatus.SUCCEEDED, Decimal("64.00"))
    assert refund.provider_reference.startswith("demo_refund_")
    assert payment.status == PaymentStatus.REFUNDED
    order.refresh_from_db()
    assert order.history.last().note == "Away this week"
    assert order.payment_status == PaymentStatus.REFUNDED


# The shop, after the cutoff


def test_after_the_cutoff_staff_cancel_from_the_admin_with_a_reason_and_the_wallet_is_refunded(
    client, staff, django_capture_on_commit_callbacks
):
    order = wallet_order()
    left = books(order)["left"]

    with after_cutoff(order), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CHANGELIST,
            {"action": "cancel_with_refund", "_selected_action": [order.pk], "reason": "Flooded road"},
            follow=True,
        )

    assert "1 order cancelled; what was paid is being refunded." in response.content.decode()
    assert_all_came_back(order, left_before={pk: qty + 2 for pk, qty in left.items()})
    assert wallet_balance(user=order.user) == Decimal("100.00")
    order.refresh_from_db()
    assert (order.history.last().note, order.history.last().changed_by) == ("Flooded road", staff)


def test_after_the_cutoff_staff_cancel_without_a_reason_is_refused_and_nothing_changes(client, staff):
    order = wallet_order()
    before = books(order)

    with after_cutoff(order):
        response = client.post(
            CHANGELIST, {"action": "cancel_with_refund", "_selected_action": [order.pk]}, follow=True
        )

    assert "Write the reason beside the action first." in response.content.decode()
    assert books(order) == before


def test_order_cancel_by_staff_without_a_reason_is_refused(staff):
    order = wallet_order()
    before = books(order)

    with after_cutoff(order), pytest.raises(OrderError, match="Say why the order is cancelled."):
        order_cancel(order=order, by=staff, reason=" ")

    assert books(order) == before
