"""The delivery API: who may move which delivery, exact cash on delivery, and the whole flow by API alone."""

from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from catalog.models import Product
from catalog.tests.factories import CategoryFactory, ProductFactory
from delivery.models import DeliveryStatus
from delivery.tests.factories import books, delivery_in, rider
from milkshop.tests.apiclient import ApiClient, error_of
from orders.tests.factories import delivery_zone, open_slot, place_order
from payments.models import PaymentMethod, PaymentStatus

pytestmark = pytest.mark.django_db


def test_the_whole_flow_through_the_api_alone(client):
    api = ApiClient(client)
    delivery_zone()
    ravi = rider(email="ravi.rider@example.in")
    milk = ProductFactory(name="Cow Milk", category=CategoryFactory(name="Milk"), price=Decimal("62.00"), stock=20)

    assert (
        api.post(
            "/user/register", {"name": "Neha", "email": "neha@example.in", "password": "fresh-milk-2026"}
        ).status_code
        == 201
    )
    neha = api.login("neha@example.in", "fresh-milk-2026")
    neha.patch(
        "/user/profile",
        {"address": {"line1": "7 Lake View", "area": "Koramangala", "city": "Bengaluru", "pincode": "560034"}},
    )
    listed = neha.get("/products", {"category": "Milk", "inStock": "true"}).json()
    assert [p["productId"] for p in listed] == [milk.pk]
    cart = neha.post("/cart/add", {"productId": milk.pk, "qty": 2}).json()
    assert cart["totalAmount"] == "124.00"

    created = neha.post(
        "/order/create",
        {"deliverySlot": open_slot().starts_at.isoformat(), "totalAmount": "124.00", "paymentMethod": "CASH"},
    )
    order_id = created.json()["orderId"]
    paid = neha.post("/payment/pay", {"orderId": order_id, "amount": "124.00", "paymentMethod": "CASH"}).json()
    assert (paid["status"], paid["orderStatus"]) == ("PENDING", "CONFIRMED")

    tracked = neha.get("/order/track", {"orderId": order_id}).json()
    delivery_id = tracked["delivery"]["deliveryId"]
    code = tracked["delivery"]["deliveryCode"]  # Neha tells the rider at the door
    rider_api = api.login(ravi.email)
    delivered = {"status": "DELIVERED", "cashCollected": "124.00", "proofCode": code}
    for move in ({"status": "PICKED_UP"}, {"status": "IN_TRANSIT"}, delivered):
        moved = rider_api.patch("/delivery/update", {"deliveryId": delivery_id, **move})
        assert moved.status_code == 200, moved.content
    assert moved.json()["orderStatus"] == "DELIVERED"

    final = neha.get("/order/track", {"orderId": order_id}).json()
    assert (final["status"], final["paymentStatus"], final["delivery"]["status"]) == (
        "DELIVERED",
        "SUCCESS",
        "DELIVERED",
    )
    assert [h["toStatus"] for h in final["history"]] == [
        "CREATED",
        "CONFIRMED",
        "PACKED",
        "OUT_FOR_DELIVERY",
        "DELIVERED",
    ]
    history = neha.get("/payment/history").json()
    assert [(p["orderId"], p["status"]) for p in history] == [(order_id, "SUCCESS")]
    assert Product.objects.get(pk=milk.pk).stock == 18


def update(caller, delivery, status: str, **fields):
    return caller.patch("/delivery/update", {"deliveryId": delivery.pk, "status": status, **fields})


MOVES = [
    (DeliveryStatus.ASSIGNED, {"status": "PICKED_UP"}),
    (DeliveryStatus.PICKED_UP, {"status": "IN_TRANSIT"}),
    (DeliveryStatus.IN_TRANSIT, {"status": "DELIVERED", "cashCollected": "64.00"}),
    (DeliveryStatus.IN_TRANSIT, {"status": "FAILED", "failureReason": "REFUSED"}),
    (DeliveryStatus.ASSIGNED, {"status": "CANCELLED", "note": "Customer phoned"}),
]


@pytest.mark.parametrize(("start", "move"), MOVES, ids=[move["status"] for _, move in MOVES])
def test_another_riders_delivery_is_not_found_and_stays_as_it_was(client, start, move):
    owner = rider()
    delivery = delivery_in(start, method=PaymentMethod.CASH)
    assert delivery.rider == owner
    before = books(delivery)

    response = ApiClient(client).login(rider().email).patch("/delivery/update", {"deliveryId": delivery.pk, **move})

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert books(delivery) == before


def test_the_customer_cannot_move_their_own_delivery(client):
    delivery = delivery_in(DeliveryStatus.ASSIGNED)
    before = books(delivery)

    response = update(ApiClient(client).login(delivery.user.email), delivery, "PICKED_UP")

    assert response.status_code == 404
    assert books(delivery) == before


@pytest.mark.parametrize("start", [DeliveryStatus.ASSIGNED, DeliveryStatus.IN_TRANSIT])
def test_a_rider_cannot_cancel_their_delivery(client, start):
    delivery = delivery_in(start)
    before = books(delivery)

    response = update(ApiClient(client).login(delivery.rider.email), delivery, "CANCELLED", note="Gate locked")

    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "forbidden"
    assert "Only the shop can cancel" in error["message"]
    assert books(delivery) == before


def test_staff_move_any_delivery_and_cancel_it(client, staff):
    delivery = delivery_in(DeliveryStatus.ASSIGNED)
    staff_api = ApiClient(client).login(staff.email)

    picked = update(staff_api, delivery, "PICKED_UP")
    cancelled = update(staff_api, delivery, "CANCELLED", note="Customer phoned the dairy")

    assert (picked.json()["status"], picked.json()["orderStatus"]) == ("PICKED_UP", "OUT_FOR_DELIVERY")
    assert (cancelled.json()["status"], cancelled.json()["orderStatus"]) == ("CANCELLED", "CANCELLED")


def test_staff_cancelling_without_saying_why_is_refused(client, staff):
    delivery = delivery_in(DeliveryStatus.ASSIGNED)
    before = books(delivery)

    response = update(ApiClient(client).login(staff.email), delivery, "CANCELLED")

    assert response.status_code == 409
    assert books(delivery) == before


@pytest.mark.parametrize("who", ["rider", "staff"])
@pytest.mark.parametrize(("cash", "message"), [({}, "Collect ₹64.00"), ({"cashCollected": "50.00"}, "not ₹50.00")])
def test_cash_on_delivery_without_the_exact_cash_is_refused_and_changes_nothing(client, staff, who, cash, message):
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT, method=PaymentMethod.CASH)
    caller = ApiClient(client).login((delivery.rider if who == "rider" else staff).email)
    before = books(delivery)

    response = update(caller, delivery, "DELIVERED", proofCode=delivery.proof_code, **cash)

    assert response.status_code == 409
    assert message in error_of(response)["message"]
    assert books(delivery) == before


@pytest.mark.parametrize("who", ["rider", "staff"])
def test_cash_on_delivery_with_the_exact_cash_is_delivered_and_paid(client, staff, who):
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT, method=PaymentMethod.CASH)
    caller = ApiClient(client).login((delivery.rider if who == "rider" else staff).email)

    response = update(caller, delivery, "DELIVERED", cashCollected="64.00", proofCode=delivery.proof_code)

    assert (response.json()["status"], response.json()["orderStatus"]) == ("DELIVERED", "DELIVERED")
    delivery.refresh_from_db()
    assert delivery.cash_collected == Decimal("64.00")
    assert delivery.order.payments.get().status == PaymentStatus.SUCCESS


def test_a_rider_moves_only_along_the_road_and_bad_input_is_refused(client):
    api = ApiClient(client)
    ravi = rider()
    order = place_order()
    me = api.login(ravi.email)
    before = books(order.delivery)

    skipped = me.patch("/delivery/update", {"deliveryId": order.delivery.pk, "status": "DELIVERED"})
    assert skipped.status_code == 409
    assert "cannot be marked delivered" in error_of(skipped)["message"]
    assert books(order.delivery) == before
    assert me.patch("/delivery/update", {"deliveryId": order.delivery.pk, "status": "TELEPORTED"}).status_code == 400
    assert me.patch("/delivery/update", {"deliveryId": 999999, "status": "PICKED_UP"}).status_code == 404
    no_reason = me.patch("/delivery/update", {"deliveryId": order.delivery.pk, "status": "FAILED"})
    assert no_reason.status_code == 409
    failed = me.patch(
        "/delivery/update",
        {"deliveryId": order.delivery.pk, "status": "FAILED", "failureReason": "CUSTOMER_UNAVAILABLE"},
    )
    assert failed.json()["status"] == "FAILED"


def test_update_needs_a_token(client):
    delivery = place_order().delivery

    assert (
        ApiClient(client).patch("/delivery/update", {"deliveryId": delivery.pk, "status": "PICKED_UP"}).status_code
        == 401
    )


def test_a_customer_with_no_address_is_told_to_add_one(client):
    delivery_zone()
    user = UserFactory()
    me = ApiClient(client).login(user.email)
    milk = ProductFactory()
    me.post("/cart/add", {"productId": milk.pk, "qty": 1})

    response = me.post("/order/create", {"deliverySlot": open_slot().starts_at.isoformat()})

    assert response.status_code == 400
    assert error_of(response)["code"] == "no_address"
