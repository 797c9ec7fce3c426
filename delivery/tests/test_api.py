from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from catalog.models import Product
from catalog.tests.factories import CategoryFactory, ProductFactory
from delivery.models import DeliveryStatus
from delivery.tests.factories import rider
from milkshop.tests.apiclient import ApiClient, error_of
from orders.tests.factories import delivery_zone, open_slot, place_order

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
    rider_api = api.login(ravi.email)
    for status in ("PICKED_UP", "IN_TRANSIT", "DELIVERED"):
        moved = rider_api.patch("/delivery/update", {"deliveryId": delivery_id, "status": status})
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


def test_only_the_assigned_rider_or_staff_may_update(client):
    api = ApiClient(client)
    ravi, other_rider = rider(), rider()
    order = place_order()
    delivery = order.delivery
    if delivery.rider != ravi:
        ravi, other_rider = other_rider, ravi

    customer = api.login(order.user.email)
    assert customer.patch("/delivery/update", {"deliveryId": delivery.pk, "status": "PICKED_UP"}).status_code == 403
    assert (
        api.login(other_rider.email)
        .patch("/delivery/update", {"deliveryId": delivery.pk, "status": "PICKED_UP"})
        .status_code
        == 403
    )
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.ASSIGNED

    staff = api.login(UserFactory(is_staff=True).email)
    assert (
        staff.patch("/delivery/update", {"deliveryId": delivery.pk, "status": "PICKED_UP"}).json()["status"]
        == "PICKED_UP"
    )


def test_illegal_moves_and_bad_input(client):
    api = ApiClient(client)
    ravi = rider()
    order = place_order()
    me = api.login(ravi.email)

    skipped = me.patch("/delivery/update", {"deliveryId": order.delivery.pk, "status": "DELIVERED"})
    assert skipped.status_code == 409
    assert "cannot be marked delivered" in error_of(skipped)["message"]
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
