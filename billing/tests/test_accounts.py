"""Monthly accounts: their terms, checkout on the account (page and API), and what deliveries, failures and returned
containers do to the ledger. Every step through the services and doors a shop uses."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from billing.ledger import BillingError, account_balance, account_exposure, account_refusal, account_set_terms
from billing.models import AccountKind, BillingAccount, EntryKind, LedgerEntry
from billing.tests.factories import account_of, postpaid_customer, shop_staff
from catalog.tests.factories import ProductFactory
from containers.tests.factories import bottled_milk, deliver, with_rider
from delivery.models import DeliveryStatus, FailureReason, cash_due_for
from delivery.tests.factories import delivery_in
from milkshop.tests.apiclient import ApiClient
from orders.models import Order, OrderStatus
from orders.tests.factories import cart_with, customer_with_address, delivery_zone, open_slot, place_order
from orders.workflows import NotAllowed, OrderError, PlacementError, delivery_transition, order_cancel, order_refund
from payments.models import Payment, PaymentMethod, PaymentStatus, RefundStatus, WalletEntry
from payments.selectors import wallet_balance

pytestmark = pytest.mark.django_db

POSTPAID = PaymentMethod.POSTPAID


def entries(user) -> list[tuple[str, Decimal]]:
    return list(LedgerEntry.objects.filter(account__user=user).order_by("pk").values_list("kind", "amount"))


# Terms


def test_staff_put_a_household_on_a_monthly_account_and_back_once_nothing_is_owed():
    customer = customer_with_address()
    staff = shop_staff()

    account = account_set_terms(user=customer, kind=AccountKind.POSTPAID, credit_limit=Decimal("1500"), by=staff)

    assert (account.kind, account.credit_limit) == (AccountKind.POSTPAID, Decimal("1500.00"))
    account = account_set_terms(user=customer, kind=AccountKind.PREPAID, credit_limit=Decimal("0"), by=staff)
    assert account.kind == AccountKind.PREPAID


@pytest.mark.parametrize(
    ("kind", "limit", "message"),
    [
        (AccountKind.POSTPAID, "-1", "cannot be negative"),
        (AccountKind.POSTPAID, "0", "needs a credit limit above ₹0"),
        (AccountKind.POSTPAID, "10.505", "two decimal places"),
        (AccountKind.POSTPAID, "lots", "in rupees"),
    ],
)
def test_bad_limits_are_refused_with_why(kind, limit, message):
    customer = customer_with_address()

    with pytest.raises(BillingError, match=message):
        account_set_terms(user=customer, kind=kind, credit_limit=limit, by=shop_staff())

    assert account_of_or_none(customer) is None


def account_of_or_none(user):
    return BillingAccount.objects.filter(user=user).first()


def test_only_staff_set_terms():
    customer = customer_with_address()

    for by in (customer, UserFactory(), None):
        with pytest.raises(BillingError, match="Only the shop's staff"):
            account_set_terms(user=customer, kind=AccountKind.POSTPAID, credit_limit=Decimal("500"), by=by)
    assert account_of_or_none(customer) is None


def test_moving_back_to_prepaid_is_refused_while_something_is_owed():
    customer = postpaid_customer(limit="1000.00")
    order = place_order(user=customer, method=POSTPAID)

    with pytest.raises(BillingError, match=r"still owes ₹64\.00"):
        account_set_terms(user=customer, kind=AccountKind.PREPAID, credit_limit=Decimal("0"), by=shop_staff())

    assert account_of(customer).kind == AccountKind.POSTPAID
    assert order.payment_method == POSTPAID


def test_moving_back_to_prepaid_is_refused_while_the_account_holds_credit_which_would_be_lost():
    from orders.workflows import account_payment_record

    customer = postpaid_customer(limit="1000.00")
    account_payment_record(customer=customer, amount="300.00", by=shop_staff())

    with pytest.raises(BillingError, match=r"has ₹300\.00 in credit"):
        account_set_terms(user=customer, kind=AccountKind.PREPAID, credit_limit=Decimal("0"), by=shop_staff())

    assert account_of(customer).kind == AccountKind.POSTPAID
    assert account_balance(account=account_of(customer)) == Decimal("-300.00")


# Checkout


def test_an_order_on_the_account_is_confirmed_at_once_with_nothing_taken():
    customer = postpaid_customer(limit="1000.00")

    order = place_order(user=customer, method=POSTPAID)

    assert (order.status, order.payment_status) == (OrderStatus.CONFIRMED, PaymentStatus.PENDING)
    payment = order.payments.get()
    assert (payment.method, payment.provider, payment.status) == (POSTPAID, "account", PaymentStatus.PENDING)
    assert order.history.filter(note="Billed to the monthly account").exists()
    assert entries(customer) == []  # charged when delivered
    assert account_exposure(account=account_of(customer)) == Decimal("64.00")
    assert wallet_balance(user=customer) == 0
    assert cash_due_for(order) == 0


def test_a_prepaid_household_cannot_order_on_account():
    customer = customer_with_address()

    with pytest.raises(PlacementError, match="Monthly account is for households the shop has set up"):
        place_order(user=customer, method=POSTPAID)

    assert not Order.objects.exists()


def test_an_order_over_the_limit_is_refused_naming_what_is_owed_and_what_to_pay():
    customer = postpaid_customer(limit="100.00")
    place_order(user=customer, method=POSTPAID)  # ₹64 on its way

    with pytest.raises(PlacementError) as refused:
        place_order(user=customer, method=POSTPAID)  # another ₹64

    assert str(refused.value) == (
        "Your monthly account owes ₹64.00 against its ₹100.00 limit; pay ₹28.00 to order again."
    )
    assert Order.objects.filter(user=customer).count() == 1


def test_checkout_page_offers_the_monthly_account_only_to_postpaid_households(client):
    delivery_zone()
    product = ProductFactory(price=Decimal("40.00"), stock=10)
    prepaid = customer_with_address()
    cart_with(prepaid, (product, 1))
    client.force_login(prepaid)
    assert b'value="POSTPAID"' not in client.get(reverse("orders:checkout")).content

    postpaid = postpaid_customer(limit="500.00")
    cart_with(postpaid, (product, 2))
    client.force_login(postpaid)
    page = client.get(reverse("orders:checkout"))
    assert b'value="POSTPAID"' in page.content

    address = postpaid.addresses.get()
    response = client.post(
        reverse("orders:checkout"), {"address": address.pk, "slot": open_slot().key, "method": POSTPAID}
    )

    order = Order.objects.get(user=postpaid)
    assert response.status_code == 302
    assert (order.status, order.payment_method, order.total_amount) == (
        OrderStatus.CONFIRMED,
        POSTPAID,
        Decimal("80.00"),
    )


def test_checkout_page_shows_the_limit_refusal(client):
    delivery_zone()
    customer = postpaid_customer(limit="50.00")
    cart_with(customer, (ProductFactory(price=Decimal("40.00"), stock=10), 2))
    client.force_login(customer)

    page = client.post(
        reverse("orders:checkout"),
        {"address": customer.addresses.get().pk, "slot": open_slot().key, "method": POSTPAID},
    )

    assert page.status_code == 200
    assert "Your monthly account owes ₹0.00 against its ₹50.00 limit; pay ₹30.00 to order again." in page.text
    assert not Order.objects.exists()


def test_the_api_places_an_order_on_the_account_and_refuses_the_prepaid_and_the_over_limit(client):
    delivery_zone()
    milk = ProductFactory(price=Decimal("50.00"), stock=20)
    body = {
        "cartItems": [{"productId": milk.pk, "qty": 2}],
        "deliverySlot": open_slot().starts_at.isoformat(),
        "paymentMethod": "POSTPAID",
    }

    prepaid = customer_with_address()
    answer = ApiClient(client).login(prepaid.email).post("/order/create", body)
    assert answer.status_code == 409
    assert "Monthly account is for households" in answer.json()["error"]["message"]

    postpaid = postpaid_customer(limit="150.00")
    api = ApiClient(client).login(postpaid.email)
    created = api.post("/order/create", body)
    assert created.status_code == 201
    assert (created.json()["status"], created.json()["paymentStatus"]) == ("CONFIRMED", "PENDING")

    over = api.post("/order/create", body)
    assert over.status_code == 409
    assert over.json()["error"]["message"] == (
        "Your monthly account owes ₹100.00 against its ₹150.00 limit; pay ₹50.00 to order again."
    )

    account = api.get("/account").json()
    assert account == {"isPostpaid": True, "balance": "0.00", "creditLimit": "150.00", "exposure": "100.00"}


def test_the_account_api_answers_the_prepaid_and_refuses_the_signed_out(client):
    prepaid = customer_with_address()
    assert ApiClient(client).login(prepaid.email).get("/account").json()["isPostpaid"] is False
    assert client.get("/api/account").status_code == 401


def test_the_refusal_rule_counts_what_is_added():
    customer = postpaid_customer(limit="100.00")
    account = account_of(customer)

    assert account_refusal(account=account, adding=Decimal("100.00")) == ""
    assert "pay ₹0.01 to order again" in account_refusal(account=account, adding=Decimal("100.01"))


# Delivering


def test_a_delivery_charges_the_ledger_once_and_settles_the_pending_payment():
    customer = postpaid_customer(limit="1000.00")

    delivery = delivery_in(DeliveryStatus.DELIVERED, method=POSTPAID, user=customer)

    order = Order.objects.get(pk=delivery.order_id)
    assert (order.status, order.payment_status) == (OrderStatus.DELIVERED, PaymentStatus.SUCCESS)
    payment = order.payments.get()
    assert (payment.status, payment.transaction_id) == (PaymentStatus.SUCCESS, f"account:delivery-{delivery.pk}")
    assert delivery.cash_collected == 0
    assert entries(customer) == [(EntryKind.DELIVERY, Decimal("64.00"))]
    assert LedgerEntry.objects.get().day == delivery.delivery_date
    assert account_balance(account=account_of(customer)) == Decimal("64.00")
    assert account_exposure(account=account_of(customer)) == Decimal("64.00")

    with pytest.raises(Exception, match="cannot be marked delivered"):
        delivery_transition(
            delivery=delivery, to=DeliveryStatus.DELIVERED, by=delivery.rider, proof_code=delivery.proof_code
        )
    assert entries(customer) == [(EntryKind.DELIVERY, Decimal("64.00"))]


def test_cash_cannot_be_collected_for_an_order_on_the_account():
    customer = postpaid_customer(limit="1000.00")
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT, method=POSTPAID, user=customer)

    with pytest.raises(Exception, match="there is no cash to collect"):
        delivery_transition(
            delivery=delivery,
            to=DeliveryStatus.DELIVERED,
            by=delivery.rider,
            cash_collected=Decimal("64.00"),
            proof_code=delivery.proof_code,
        )
    assert entries(customer) == []


@pytest.mark.parametrize("status", [DeliveryStatus.FAILED, DeliveryStatus.CANCELLED])
def test_a_failed_or_cancelled_delivery_charges_nothing(status):
    customer = postpaid_customer(limit="1000.00")

    delivery = delivery_in(status, method=POSTPAID, user=customer)

    payment = Payment.objects.get(order_id=delivery.order_id)
    assert payment.status == PaymentStatus.FAILED  # called off: nothing was owed
    assert entries(customer) == []
    assert account_exposure(account=account_of(customer)) == 0
    assert not WalletEntry.objects.filter(wallet__user=customer).exists()


def test_a_failed_delivery_on_the_road_charges_nothing():
    customer = postpaid_customer(limit="1000.00")
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT, method=POSTPAID, user=customer)

    delivery_transition(
        delivery=delivery,
        to=DeliveryStatus.FAILED,
        by=delivery.rider,
        failure_reason=FailureReason.CUSTOMER_UNAVAILABLE,
    )

    assert entries(customer) == []
    assert wallet_balance(user=customer) == 0
    assert account_exposure(account=account_of(customer)) == 0


def test_a_cancelled_order_on_the_account_frees_the_limit():
    customer = postpaid_customer(limit="100.00")
    order = place_order(user=customer, method=POSTPAID)

    order_cancel(order=order, by=customer, reason="Going away")

    assert entries(customer) == []
    assert account_exposure(account=account_of(customer)) == 0
    assert place_order(user=customer, method=POSTPAID).status == OrderStatus.CONFIRMED


def test_deposits_are_charged_and_given_back_through_the_ledger():
    with_rider()
    customer = postpaid_customer(limit="1000.00")
    milk = bottled_milk()  # ₹110 a bottle, ₹30 deposit

    first = place_order(user=customer, lines=[(milk, 2)], method=POSTPAID)
    assert first.total_amount == Decimal("280.00")
    deliver(first, empties=0)
    assert entries(customer) == [(EntryKind.DELIVERY, Decimal("220.00")), (EntryKind.DEPOSIT, Decimal("60.00"))]

    second = place_order(user=customer, lines=[(milk, 1)], method=POSTPAID)
    deliver(second, empties=2)  # two empties back: one bottle held, deposit for one more than that goes back

    kinds = entries(customer)[2:]
    assert (EntryKind.DELIVERY, Decimal("110.00")) in kinds
    assert (EntryKind.DEPOSIT_REFUND, Decimal("-30.00")) in kinds
    assert not WalletEntry.objects.filter(wallet__user=customer).exists()
    assert account_balance(account=account_of(customer)) == sum(amount for _kind, amount in entries(customer))


# Money back on a delivered order


def test_a_refund_never_takes_the_container_deposit_which_goes_back_with_the_empties():
    with_rider()
    customer = postpaid_customer(limit="1000.00")
    order = place_order(user=customer, lines=[(bottled_milk(), 1)], method=POSTPAID)  # ₹110 milk, ₹30 deposit
    deliver(order, empties=0)

    with pytest.raises(OrderError, match="₹110.00 of goods left to refund, not ₹140.00"):
        order_refund(order=order, amount="140.00", by=shop_staff(), reason="Whole order spoilt")
    order_refund(order=order, amount="110.00", by=shop_staff(), reason="Whole order spoilt")

    assert account_balance(account=account_of(customer)) == Decimal("30.00")  # the bottle's deposit, still held


def test_a_refund_on_a_delivered_order_on_the_account_is_credited_to_its_ledger(django_capture_on_commit_callbacks):
    customer = postpaid_customer(limit="1000.00")
    delivery = delivery_in(DeliveryStatus.DELIVERED, method=POSTPAID, user=customer)
    order = Order.objects.get(pk=delivery.order_id)

    with django_capture_on_commit_callbacks(execute=True):
        refund = order_refund(order=order, amount="20.00", by=shop_staff(), reason="One packet leaked")

    assert (refund.status, refund.amount) == (RefundStatus.SUCCEEDED, Decimal("20.00"))
    assert entries(customer) == [(EntryKind.DELIVERY, Decimal("64.00")), (EntryKind.RETURN, Decimal("-20.00"))]
    assert account_balance(account=account_of(customer)) == Decimal("44.00")
    assert wallet_balance(user=customer) == 0
    notice = customer.notifications.get(type="PAYMENT_REFUNDED", channel="EMAIL")
    assert "credited ₹20.00 for order" in notice.message and "monthly account" in notice.message

    order_refund(order=order, amount="44.00", by=shop_staff(), reason="Whole order spoilt")
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.REFUNDED
    assert account_balance(account=account_of(customer)) == 0
    with pytest.raises(OrderError, match="nothing left to refund"):
        order_refund(order=order, amount="1.00", by=shop_staff(), reason="Again")


def test_only_the_shop_refunds_and_never_more_than_was_charged():
    customer = postpaid_customer(limit="1000.00")
    order = Order.objects.get(pk=delivery_in(DeliveryStatus.DELIVERED, method=POSTPAID, user=customer).order_id)

    with pytest.raises(NotAllowed):
        order_refund(order=order, amount="10.00", by=customer, reason="I want money")
    with pytest.raises(OrderError, match="₹64.00 of goods left to refund, not ₹100.00"):
        order_refund(order=order, amount="100.00", by=shop_staff(), reason="Spoilt")
    assert entries(customer) == [(EntryKind.DELIVERY, Decimal("64.00"))]


def test_the_api_pays_a_waiting_order_with_the_monthly_account(client):
    delivery_zone()
    milk = ProductFactory(price=Decimal("50.00"), stock=20)
    customer = postpaid_customer(limit="60.00")
    api = ApiClient(client).login(customer.email)
    body = {"cartItems": [{"productId": milk.pk, "qty": 1}], "deliverySlot": open_slot().starts_at.isoformat()}
    first = api.post("/order/create", body).json()["orderId"]
    second = api.post("/order/create", body).json()["orderId"]

    paid = api.post("/payment/pay", {"orderId": first, "paymentMethod": "POSTPAID"})
    over = api.post("/payment/pay", {"orderId": second, "paymentMethod": "POSTPAID"})

    assert paid.status_code == 200
    assert (paid.json()["status"], paid.json()["orderStatus"]) == ("PENDING", "CONFIRMED")
    assert over.status_code == 409
    assert "owes ₹50.00 against its ₹60.00 limit; pay ₹40.00" in over.json()["error"]["message"]
    assert Order.objects.get(number=second).status == OrderStatus.CREATED
