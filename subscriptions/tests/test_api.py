from datetime import timedelta
from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from milkshop.tests.apiclient import error_of
from orders.models import Order
from orders.tests.factories import fund_wallet
from subscriptions.generation import generate_subscription_orders
from subscriptions.models import Subscription
from subscriptions.services import first_changeable_date
from subscriptions.tests.factories import milk

pytestmark = pytest.mark.django_db


def test_subscribe_and_the_generator_makes_its_next_order(me):
    fund_wallet(me.user, Decimal("500.00"))
    product = milk(price=Decimal("32.00"))
    start = first_changeable_date("MORNING")

    response = me.post(
        "/order/subscribe", {"productId": product.pk, "qty": 2, "frequency": "DAILY", "startDate": start.isoformat()}
    )

    body = response.json()
    assert response.status_code == 201
    assert body["status"] == "ACTIVE"
    assert body["nextDeliveries"][0] == {"date": start.isoformat(), "qty": 2, "amount": "64.00"}
    generate_subscription_orders(day=start)
    order = Order.objects.get(subscription_id=body["subscriptionId"])
    assert (order.delivery_date, order.total_amount, order.status) == (start, Decimal("64.00"), "CONFIRMED")
    assert me.get("/order/track", {"orderId": order.number}).json()["status"] == "CONFIRMED"


def test_weekly_on_named_weekdays(me):
    product = milk()
    start = first_changeable_date("MORNING")

    body = me.post(
        "/order/subscribe",
        {
            "productId": product.pk,
            "qty": 1,
            "frequency": "WEEKLY",
            "weekdays": ["MON", "THU"],
            "startDate": start.isoformat(),
        },
    ).json()

    expected = [start + timedelta(days=n) for n in range(28) if (start + timedelta(days=n)).weekday() in (0, 3)][:7]
    assert [d["date"] for d in body["nextDeliveries"]] == [day.isoformat() for day in expected]
    assert Subscription.objects.get().weekday_numbers == [0, 3]


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"frequency": "HOURLY"}, 400),
        ({"weekdays": ["FUNDAY"], "frequency": "WEEKLY"}, 400),
        ({"frequency": "WEEKLY"}, 409),
        ({"qty": 0}, 400),
        ({"startDate": "2026-01-01"}, 409),
        ({"paymentMethod": "CARD"}, 400),
        ({"productId": 999999}, 404),
    ],
)
def test_bad_subscriptions_are_refused(me, change, status):
    product = milk()
    body = {
        "productId": product.pk,
        "qty": 1,
        "frequency": "DAILY",
        "startDate": first_changeable_date("MORNING").isoformat(),
        **change,
    }

    response = me.post("/order/subscribe", body)

    assert response.status_code == status
    error_of(response)
    assert not Subscription.objects.exists()


def test_a_product_not_for_subscription_is_refused(me):
    product = milk(subscribable=False)

    response = me.post(
        "/order/subscribe",
        {
            "productId": product.pk,
            "qty": 1,
            "frequency": "DAILY",
            "startDate": first_changeable_date("MORNING").isoformat(),
        },
    )

    assert response.status_code == 409
    assert "not available as a subscription" in error_of(response)["message"]


def test_subscribing_for_someone_else_is_forbidden(me):
    response = me.post(
        "/order/subscribe",
        {
            "userId": UserFactory().pk,
            "productId": milk().pk,
            "qty": 1,
            "frequency": "DAILY",
            "startDate": first_changeable_date("MORNING").isoformat(),
        },
    )

    assert response.status_code == 403
