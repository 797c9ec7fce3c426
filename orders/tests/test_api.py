from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import AddressFactory, UserFactory
from cart.models import CartItem
from catalog.models import MovementKind, Product
from catalog.stock import stock_record
from catalog.tests.factories import CategoryFactory, ProductFactory
from delivery.slots import DeliverySlot
from milkshop.tests.apiclient import ApiClient, error_of
from orders.models import Order, OrderStatus
from orders.tests.factories import fund_wallet, open_slot, place_order
from payments.models import PaymentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def milk():
    return ProductFactory(name="Cow Milk", category=CategoryFactory(name="Milk"), price=Decimal("50.00"), stock=100)


def slot_start() -> str:
    return open_slot().starts_at.isoformat()


# Products


def test_products_as_in_the_blueprint(client):
    milk_category, curd = CategoryFactory(name="Milk"), CategoryFactory(name="Curd")
    cow = ProductFactory(name="Cow Milk", category=milk_category, price=Decimal("50.00"), stock=100)
    ProductFactory(name="Buffalo Milk", category=milk_category, stock=0)
    ProductFactory(name="Fresh Curd", category=curd)
    api = ApiClient(client)

    response = api.get("/products", {"category": "Milk", "inStock": "true"})

    assert response.json() == [
        {"productId": cow.pk, "name": "Cow Milk", "price": "50.00", "stock": 100, "category": "Milk", "unit": "500 ml"}
    ]
    assert [p["name"] for p in api.get("/products", {"search": "curd"}).json()] == ["Fresh Curd"]
    assert api.get("/products", {"category": "Nope"}).json() == []
    assert api.get(f"/products/{cow.pk}").json()["name"] == "Cow Milk"
    assert api.get("/products/999999").status_code == 404


def test_products_paginate(client):
    category = CategoryFactory(name="Milk")
    for n in range(7):
        ProductFactory(name=f"Milk {n}", category=category)

    response = ApiClient(client).get("/products", {"page": 2, "pageSize": 3})

    assert response["X-Total-Count"] == "7"
    assert [p["name"] for p in response.json()] == ["Milk 3", "Milk 4", "Milk 5"]


@pytest.mark.parametrize("params", [{"page": "0"}, {"pageSize": "1000"}, {"inStock": "maybe"}])
def test_bad_product_filters_are_400(client, params):
    response = ApiClient(client).get("/products", params)

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"


def test_staff_add_and_update_products_customers_cannot(client):
    CategoryFactory(name="Milk")
    staff = ApiClient(client).login(UserFactory(is_staff=True).email)
    customer = ApiClient(client).login(UserFactory().email)
    product = {"name": "Camel Milk", "category": "Milk", "unit": "500 ml", "price": "120.00", "stock": 10}

    assert customer.post("/product/add", product).status_code == 403
    added = staff.post("/product/add", product)
    assert added.status_code == 201
    product_id = added.json()["productId"]
    assert staff.post("/product/add", product).status_code == 409
    assert customer.patch("/product/update", {"productId": product_id, "price": "1.00"}).status_code == 403
    updated = staff.patch("/product/update", {"productId": product_id, "price": "125.50", "stock": 8})
    assert (updated.json()["price"], updated.json()["stock"]) == ("125.50", 8)
    assert staff.patch("/product/update", {"productId": product_id, "stock": -1}).status_code == 400
    assert staff.patch("/product/update", {"productId": 999999, "stock": 1}).status_code == 404
    assert Product.objects.get(pk=product_id).price == Decimal("125.50")


# Cart


def test_cart_add_as_in_the_blueprint(me, milk):
    response = me.post("/cart/add", {"userId": me.user.pk, "productId": milk.pk, "qty": 2})

    body = response.json()
    assert response.status_code == 200
    assert set(body) >= {"cartId", "items", "totalAmount"}
    assert body["items"] == [
        {"productId": milk.pk, "name": "Cow Milk", "qty": 2, "price": "50.00", "lineTotal": "100.00", "problem": ""}
    ]
    assert body["totalAmount"] == "100.00"
    assert me.get("/cart/view").json() == body


@pytest.mark.parametrize(("qty", "status"), [(0, 409), (-3, 409), (101, 409), ("two", 400)])
def test_cart_add_bad_quantity(me, milk, qty, status):
    response = me.post("/cart/add", {"productId": milk.pk, "qty": qty})

    assert response.status_code == status
    assert not CartItem.objects.exists()


def test_cart_add_for_someone_else_is_forbidden(me, milk):
    other = UserFactory()

    assert me.post("/cart/add", {"userId": other.pk, "productId": milk.pk, "qty": 1}).status_code == 403


def test_cart_needs_a_token(client, milk):
    assert ApiClient(client).post("/cart/add", {"productId": milk.pk, "qty": 1}).status_code == 401


# Orders


def test_order_create_then_pay_cash(me, milk):
    me.post("/cart/add", {"productId": milk.pk, "qty": 2})

    created = me.post("/order/create", {"deliverySlot": slot_start(), "totalAmount": "100.00"})

    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["totalAmount"]) == ("CREATED", "100.00")
    paid = me.post("/payment/pay", {"orderId": body["orderId"], "amount": "100.00", "paymentMethod": "CASH"})
    assert paid.status_code == 200
    assert (paid.json()["status"], paid.json()["orderStatus"]) == ("PENDING", "CONFIRMED")
    again = me.post("/payment/pay", {"orderId": body["orderId"], "paymentMethod": "CASH"})
    assert again.json()["paymentId"] == paid.json()["paymentId"]


def test_order_create_with_cart_items_and_cash_confirms_at_once(me, milk):
    created = me.post(
        "/order/create",
        {"cartItems": [{"productId": milk.pk, "qty": 3}], "deliverySlot": slot_start(), "paymentMethod": "CASH"},
    )

    assert created.json()["status"] == "CONFIRMED"
    assert Product.objects.get(pk=milk.pk).stock == 97


def test_a_wrong_total_is_409_with_the_right_figure(me, milk):
    me.post("/cart/add", {"productId": milk.pk, "qty": 2})

    response = me.post("/order/create", {"deliverySlot": slot_start(), "totalAmount": "90.00"})

    assert response.status_code == 409
    assert error_of(response)["totalAmount"] == "100.00"
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    "slot",
    [
        "2026-01-01T06:00:00+05:30",  # long past its cutoff
        "not a date",
        lambda: (open_slot().starts_at + timedelta(minutes=30)).isoformat(),  # not a slot's start
    ],
)
def test_bad_delivery_slots_are_refused(me, milk, slot):
    me.post("/cart/add", {"productId": milk.pk, "qty": 1})

    response = me.post("/order/create", {"deliverySlot": slot() if callable(slot) else slot})

    assert response.status_code in (400, 409)
    assert not Order.objects.exists()


def test_a_closed_slot_says_when_it_closed(me, milk):
    me.post("/cart/add", {"productId": milk.pk, "qty": 1})
    today = DeliverySlot(date=timezone.localdate(), name="MORNING")

    response = me.post("/order/create", {"deliverySlot": today.starts_at.isoformat()})

    assert response.status_code == 409
    assert "closed at 22:00" in error_of(response)["message"]


def test_out_of_stock_names_the_line(me, milk):
    me.post("/cart/add", {"productId": milk.pk, "qty": 5})
    stock_record(product=milk, kind=MovementKind.COUNTED, qty=2, note="Shelf count")

    response = me.post("/order/create", {"deliverySlot": slot_start()})

    assert response.status_code == 409
    assert error_of(response)["fields"] == {f"cartItems.{milk.pk}": ["Only 2 of Cow Milk left."]}


def test_someone_elses_address_is_404(me, milk):
    me.post("/cart/add", {"productId": milk.pk, "qty": 1})
    theirs = AddressFactory(pincode="560034")

    assert me.post("/order/create", {"deliverySlot": slot_start(), "addressId": theirs.pk}).status_code == 404


def test_track_shows_status_history_and_is_private(me, client):
    order = place_order(user=me.user)
    theirs = place_order()

    tracked = me.get("/order/track", {"orderId": order.number})

    body = tracked.json()
    assert (body["orderId"], body["status"], body["paymentStatus"]) == (order.number, "CONFIRMED", "PENDING")
    assert [h["toStatus"] for h in body["history"]] == ["CREATED", "CONFIRMED"]
    assert me.get("/order/track", {"orderId": theirs.number}).status_code == 404
    assert me.get("/order/track").status_code == 400


# Payments


def test_pay_by_wallet_and_history(me, milk):
    fund_wallet(me.user, Decimal("500.00"))
    order_id = me.post(
        "/order/create", {"cartItems": [{"productId": milk.pk, "qty": 2}], "deliverySlot": slot_start()}
    ).json()["orderId"]

    paid = me.post("/payment/pay", {"orderId": order_id, "amount": "100.00", "paymentMethod": "WALLET"})

    assert (paid.json()["status"], paid.json()["orderStatus"]) == ("SUCCESS", "CONFIRMED")
    history = me.get("/payment/history").json()
    assert [(p["orderId"], p["amount"], p["paymentMethod"], p["status"]) for p in history] == [
        (order_id, "100.00", "WALLET", "SUCCESS")
    ]


def test_pay_by_upi_answers_a_checkout_url(me, milk):
    order_id = me.post(
        "/order/create", {"cartItems": [{"productId": milk.pk, "qty": 1}], "deliverySlot": slot_start()}
    ).json()["orderId"]

    paid = me.post("/payment/pay", {"orderId": order_id, "paymentMethod": "UPI"})

    assert paid.json()["status"] == "PENDING"
    assert "/payments/demo/" in paid.json()["checkoutUrl"]


def test_pay_the_wrong_amount_is_409(me, milk):
    order_id = me.post(
        "/order/create", {"cartItems": [{"productId": milk.pk, "qty": 1}], "deliverySlot": slot_start()}
    ).json()["orderId"]

    response = me.post("/payment/pay", {"orderId": order_id, "amount": "1.00", "paymentMethod": "CASH"})

    assert response.status_code == 409
    assert error_of(response)["amount"] == "50.00"
    assert Order.objects.get().status == OrderStatus.CREATED


def test_wallet_too_small_is_409_and_nothing_changes(me, milk):
    order_id = me.post(
        "/order/create", {"cartItems": [{"productId": milk.pk, "qty": 1}], "deliverySlot": slot_start()}
    ).json()["orderId"]

    response = me.post("/payment/pay", {"orderId": order_id, "paymentMethod": "WALLET"})

    assert response.status_code == 409
    order = Order.objects.get()
    assert (order.status, order.payment_status) == (OrderStatus.CREATED, PaymentStatus.PENDING)


def test_paying_someone_elses_order_is_404(me):
    theirs = place_order()

    assert me.post("/payment/pay", {"orderId": theirs.number, "paymentMethod": "CASH"}).status_code == 404


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/order/track", {"orderId": "MS-\x00"}),
        ("/products", {"search": "milk\x00"}),
        ("/products", {"category": "\x00"}),
    ],
)
def test_nul_characters_are_bad_input_not_a_server_error(me, path, params):
    response = me.get(path, params)

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"
