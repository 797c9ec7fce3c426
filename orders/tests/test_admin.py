import pytest
from django.urls import reverse

from orders.models import OrderStatus
from orders.tests.books import books
from orders.tests.factories import place_order
from payments.models import PaymentMethod

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:orders_order_changelist")


def test_staff_find_orders_by_number_email_and_phone(client, staff):
    order = place_order()

    for term in (order.number, order.user.email, order.user.phone[-10:]):
        page = client.get(CHANGELIST, {"q": term}).content.decode()
        assert order.number in page, term


def test_order_page_shows_lines_and_history_with_status_read_only(client, staff):
    order = place_order()

    page = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()

    assert order.lines.get().product_name in page
    assert "Order placed" in page
    assert 'name="status"' not in page


def test_actions_move_orders_through_the_transition_service(client, staff):
    order = place_order()

    client.post(CHANGELIST, {"action": "pack", "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.status == OrderStatus.PACKED
    assert order.history.last().changed_by == staff

    response = client.post(CHANGELIST, {"action": "confirm", "_selected_action": [order.pk]}, follow=True)
    order.refresh_from_db()
    assert order.status == OrderStatus.PACKED
    assert "cannot be moved to confirmed" in response.content.decode()


def test_cancel_with_refund_action_cancels_for_the_reason_given(client, staff):
    order = place_order(method=PaymentMethod.CASH)

    response = client.post(
        CHANGELIST,
        {"action": "cancel_with_refund", "_selected_action": [order.pk], "reason": "No milk from the dairy today"},
        follow=True,
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.history.last().note == "No milk from the dairy today"
    assert order.history.last().changed_by == staff
    assert "1 order cancelled; what was paid is being refunded." in response.content.decode()


def test_cancel_with_refund_action_without_a_reason_is_refused_and_changes_nothing(client, staff):
    order = place_order(method=PaymentMethod.CASH)
    before = books(order)

    response = client.post(
        CHANGELIST, {"action": "cancel_with_refund", "_selected_action": [order.pk], "reason": "  "}, follow=True
    )

    assert "Write the reason beside the action first." in response.content.decode()
    assert books(order) == before


def test_payments_and_wallets_are_read_only_for_staff(client, staff):
    payment = place_order().payments.get()

    assert client.get(reverse("admin:payments_payment_change", args=[payment.pk])).status_code == 200
    assert client.get(reverse("admin:payments_payment_add")).status_code == 403
