"""Every event of DESIGN.md §5, reached through the domain's own services: which messages the customer gets, on
which channels, saying what. Tasks run inline (django-q2 sync mode) once the change commits."""

from decimal import Decimal

import pytest
from django.core import mail

from accounts.services import user_create
from catalog.tests.factories import ProductFactory
from delivery.models import DeliveryStatus, FailureReason
from delivery.tests.factories import delivery_in
from notifications.models import Channel, NotificationStatus, NotificationType
from notifications.tests.conftest import SITE_URL
from notifications.tests.helpers import assert_fits_one_sms, emails_to, message, sent, sms_to
from orders.tests.factories import customer_with_address, fund_wallet, place_order
from orders.workflows import (
    delivery_transition,
    order_cancel,
    payment_declined,
    payment_succeeded,
    refund_record_external,
)
from payments.models import PaymentMethod
from payments.services import wallet_topup_create
from subscriptions.generation import generate_subscription_orders
from subscriptions.models import SubscriptionStatus
from subscriptions.services import subscription_transition
from subscriptions.tests.factories import milk, subscribe

pytestmark = pytest.mark.django_db

EMAIL, SMS, IN_APP = Channel.EMAIL, Channel.SMS, Channel.IN_APP
T = NotificationType


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a change and let its on-commit events (and so their tasks) fire, as after a real commit."""

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


@pytest.fixture
def customer():
    return customer_with_address(name="Asha Rao", phone="+919845012345")


def test_user_registered_gets_the_welcome_email_only(committed):
    user = committed(user_create, email="new@example.in", password="x-long-password", name="Neel Das")

    assert sent(user) == {(T.WELCOME_EMAIL, EMAIL)}
    [email] = emails_to(user)
    assert email.subject == "Welcome to Milkshop, Neel!"
    assert "Your account for new@example.in is ready." in email.body
    assert f"{SITE_URL}/notifications/settings/" in email.body
    html = email.alternatives[0].content
    assert "Welcome to Milkshop, Neel!" in html


def test_an_order_awaiting_online_payment_tells_the_customer_nothing_yet(committed, customer):
    committed(place_order, user=customer, method=PaymentMethod.CARD)

    assert sent(customer) == set()
    assert mail.outbox == []


def test_order_confirmed_by_cash_on_delivery_goes_by_email_sms_and_in_app(committed, customer):
    order = committed(
        place_order, user=customer, lines=[(ProductFactory(name="Buffalo Milk", unit="1 L", price=Decimal("68.00")), 2)]
    )

    assert sent(customer) == {(T.ORDER_CONFIRMED, EMAIL), (T.ORDER_CONFIRMED, SMS), (T.ORDER_CONFIRMED, IN_APP)}
    [email] = emails_to(customer)
    assert email.subject == f"Order {order.number} is confirmed for {order.slot.label}"
    assert "2 x Buffalo Milk (1 L)  ₹136.00" in email.body
    assert "Please keep ₹136.00 in cash ready for the rider." in email.body
    assert f"Open in the shop: {SITE_URL}/orders/{order.number}/" in email.body
    assert "Buffalo Milk" in email.alternatives[0].content
    code = order.delivery.proof_code  # the zone asks for it with cash on delivery
    assert f"Your delivery code is {code}; tell it to the rider." in email.body
    [text] = sms_to(customer)
    assert text.startswith(f"Milkshop: order {order.number} confirmed for ")
    assert text.endswith(f"Total Rs.136.00, cash on delivery. Delivery code {code}: tell it to the rider.")
    assert_fits_one_sms(text)
    in_app = message(customer, T.ORDER_CONFIRMED, IN_APP)
    assert in_app.message == (
        f"Order {order.number} is confirmed for {order.slot.label}. Total ₹136.00, cash on delivery. "
        f"Your delivery code is {code}; tell it to the rider."
    )
    assert (in_app.status, in_app.url, in_app.read_at) == (NotificationStatus.SENT, f"/orders/{order.number}/", None)


def test_a_wallet_order_says_paid_and_its_payment_is_noted_in_app_only(committed, customer):
    fund_wallet(customer, Decimal("100.00"))
    order = committed(place_order, user=customer, method=PaymentMethod.WALLET)

    assert sent(customer) == {
        (T.ORDER_CONFIRMED, EMAIL),
        (T.ORDER_CONFIRMED, SMS),
        (T.ORDER_CONFIRMED, IN_APP),
        (T.PAYMENT_COMPLETED, IN_APP),
    }
    assert "Paid from your wallet." in emails_to(customer)[0].body
    assert sms_to(customer)[0].endswith("Total Rs.64.00, paid.")
    assert message(customer, T.PAYMENT_COMPLETED, IN_APP).message == (
        f"₹64.00 paid from your wallet for order {order.number}. Thank you!"
    )


def test_order_cancelled_by_the_customer_tells_where_the_money_went(committed, customer):
    fund_wallet(customer, Decimal("100.00"))
    order = committed(place_order, user=customer, method=PaymentMethod.WALLET)
    mail.outbox.clear()

    committed(order_cancel, order=order, by=customer, reason="Cancelled by the customer")

    cancelled = {(type, channel) for type, channel in sent(customer) if type != T.ORDER_CONFIRMED}
    # The wallet refund is part of the cancellation message; its own note stays in the shop.
    assert cancelled == {
        (T.ORDER_CANCELLED, EMAIL),
        (T.ORDER_CANCELLED, SMS),
        (T.ORDER_CANCELLED, IN_APP),
        (T.PAYMENT_COMPLETED, IN_APP),
        (T.PAYMENT_REFUNDED, IN_APP),
    }
    [email] = emails_to(customer)
    assert email.subject == f"Order {order.number} is cancelled"
    assert "Reason: Cancelled by the customer." in email.body
    assert "₹64.00 is back in your wallet, ready for your next order." in email.body
    [_, text] = sms_to(customer)
    assert text.endswith("is cancelled. Rs.64.00 is back in your wallet.")
    assert_fits_one_sms(text)


def test_a_cash_order_cancelled_has_nothing_to_pay(committed, customer):
    order = committed(place_order, user=customer)
    mail.outbox.clear()

    committed(order_cancel, order=order, by=None, reason="Out of stock at the dairy")

    [email] = emails_to(customer)
    assert "Reason: Out of stock at the dairy." in email.body
    assert "It was cash on delivery, so there is nothing to pay." in email.body
    assert "wallet" not in email.body


def test_a_wallet_top_up_is_confirmed_by_email_with_the_new_balance(committed, customer):
    fund_wallet(customer, Decimal("40.00"))
    topup = wallet_topup_create(user=customer, amount=Decimal("500.00"), method=PaymentMethod.UPI)

    committed(payment_succeeded, payment_id=topup.pk, reference="pi_123")

    assert sent(customer) == {(T.PAYMENT_COMPLETED, EMAIL), (T.PAYMENT_COMPLETED, IN_APP)}
    [email] = emails_to(customer)
    assert email.subject == "₹500.00 added to your wallet"
    assert "Your wallet now holds ₹540.00." in email.body
    assert "Reference: pi_123" in email.body
    assert f"{SITE_URL}/payments/wallet/" in email.body


def test_a_failed_card_payment_asks_to_pay_again_before_the_order_lapses(committed, customer):
    order = committed(place_order, user=customer, method=PaymentMethod.CARD)
    payment = order.payments.get()

    committed(payment_declined, payment_id=payment.pk, reason="Card declined")

    assert sent(customer) == {(T.PAYMENT_FAILED, EMAIL), (T.PAYMENT_FAILED, SMS), (T.PAYMENT_FAILED, IN_APP)}
    [email] = emails_to(customer)
    assert email.subject == f"Payment for order {order.number} didn't go through"
    assert "Card payment of ₹64.00" in email.body
    assert "(Card declined)" in email.body
    assert "Your order is held for you until" in email.body
    [text] = sms_to(customer)
    assert f"your payment of Rs.64.00 for order {order.number} didn't go through. Pay again by " in text
    assert_fits_one_sms(text)


def test_a_refund_to_the_card_is_emailed(committed, customer):
    order = committed(place_order, user=customer, method=PaymentMethod.CARD)
    payment = order.payments.get()
    committed(payment_succeeded, payment_id=payment.pk, reference="pi_paid")
    mail.outbox.clear()

    committed(refund_record_external, payment=payment, amount=Decimal("30.00"), reference="re_1")

    assert (T.PAYMENT_REFUNDED, EMAIL) in sent(customer)
    [email] = emails_to(customer)
    assert email.subject == f"₹30.00 refunded for order {order.number}"
    assert "to your Card. Banks take 5 to 7 working days to show it." in email.body
    assert "Reason: Refunded at the payment provider." in email.body


class TestDeliveryUpdates:
    def test_each_step_of_a_one_off_order(self, committed, customer):
        delivery = committed(delivery_in, DeliveryStatus.IN_TRANSIT, user=customer, method=PaymentMethod.CASH)
        order = delivery.order

        steps = list(
            customer.notifications.filter(type=T.DELIVERY_UPDATE).order_by("pk").values_list("channel", "message")
        )
        code = f"Your delivery code is {delivery.proof_code}; tell it to the rider."  # cash on delivery
        assert steps[0] == (IN_APP, f"Order {order.number}: picked up from the dairy. {code}")  # in the shop only
        assert steps[1][0] == SMS
        assert steps[2] == (IN_APP, f"Order {order.number}: on the way to you. {code}")
        assert len(steps) == 3
        [on_the_way] = [text for text in sms_to(customer) if "on the way" in text]
        assert on_the_way == f"Milkshop: order {order.number} is on the way, arriving by 08:00. {code}"
        assert_fits_one_sms(on_the_way)
        assert not [email for email in emails_to(customer) if "on the way" in email.subject]

        committed(
            delivery_transition,
            delivery=delivery,
            to=DeliveryStatus.DELIVERED,
            by=delivery.rider,
            cash_collected=order.total_amount,
            proof_code=delivery.proof_code,
        )

        assert sms_to(customer)[-1] == f"Milkshop: order {order.number} is delivered. Enjoy!"
        assert message(customer, T.PAYMENT_COMPLETED, IN_APP).message == (
            f"₹64.00 paid in cash for order {order.number}. Thank you!"
        )

    def test_a_failed_delivery_is_told_once_with_the_refund(self, committed, customer):
        delivery = committed(delivery_in, DeliveryStatus.IN_TRANSIT, user=customer, method=PaymentMethod.WALLET)
        mail.outbox.clear()

        committed(
            delivery_transition,
            delivery=delivery,
            to=DeliveryStatus.FAILED,
            by=delivery.rider,
            failure_reason=FailureReason.ADDRESS_NOT_FOUND,
        )

        order = delivery.order
        [email] = emails_to(customer)  # not three: the cancellation and the refund are in this one
        assert email.subject == f"We couldn't deliver order {order.number}"
        assert ": address not found. We're sorry." in email.body
        assert "₹64.00 is back in your wallet." in email.body
        text = sms_to(customer)[-1]
        assert (
            text
            == f"Milkshop: we couldn't deliver order {order.number} today (address not found). Rs.64.00 is back in your wallet."
        )
        assert_fits_one_sms(text)
        assert message(customer, T.ORDER_CANCELLED, IN_APP)
        assert not customer.notifications.filter(type=T.ORDER_CANCELLED).exclude(channel=IN_APP).exists()
        assert not customer.notifications.filter(type=T.PAYMENT_REFUNDED).exclude(channel=IN_APP).exists()


class TestSubscriptions:
    def test_created_paused_resumed_paused_again_and_cancelled(self, committed, customer):
        subscription = committed(subscribe, user=customer, product=milk(name="A2 Cow Milk", unit="500 ml"))

        [created] = emails_to(customer)
        assert created.subject == "Your milk subscription is active: 1 x A2 Cow Milk"
        assert "1 x A2 Cow Milk (500 ml), every day, Morning 06:00–08:00." in created.body
        assert "Next delivery: " in created.body
        assert "paid from your wallet on the day" in created.body

        for status in [
            SubscriptionStatus.PAUSED,
            SubscriptionStatus.ACTIVE,
            SubscriptionStatus.PAUSED,
            SubscriptionStatus.CANCELLED,
        ]:
            committed(subscription_transition, subscription=subscription, to=status, by=customer)

        subjects = [email.subject for email in emails_to(customer)]
        assert subjects == [
            "Your milk subscription is active: 1 x A2 Cow Milk",
            "Your subscription is paused: 1 x A2 Cow Milk",
            "Your subscription is back on: 1 x A2 Cow Milk",
            "Your subscription is paused: 1 x A2 Cow Milk",
            "Your subscription has ended: 1 x A2 Cow Milk",
        ]
        assert sms_to(customer) == []  # subscription changes are made by the customer: email and in-app suffice
        assert customer.notifications.filter(channel=IN_APP).count() == 5

    def test_nightly_orders_are_not_announced_one_by_one(self, committed, customer):
        fund_wallet(customer, Decimal("500.00"))
        subscription = committed(subscribe, user=customer)
        before = set(customer.notifications.values_list("pk", flat=True))

        report = committed(generate_subscription_orders, day=subscription.start_date)

        assert report.created == 1
        assert set(customer.notifications.values_list("pk", flat=True)) == before

    def test_routine_steps_of_a_subscription_delivery_are_quiet_but_a_failure_is_not(
        self, committed, customer, django_capture_on_commit_callbacks
    ):
        from delivery.tests.factories import rider

        rider()
        fund_wallet(customer, Decimal("500.00"))
        subscription = committed(subscribe, user=customer)
        committed(generate_subscription_orders, day=subscription.start_date)
        delivery = subscription.orders.get().delivery
        before = customer.notifications.count()

        committed(delivery_transition, delivery=delivery, to=DeliveryStatus.PICKED_UP, by=delivery.rider)
        assert customer.notifications.count() == before

        committed(
            delivery_transition,
            delivery=delivery,
            to=DeliveryStatus.FAILED,
            by=delivery.rider,
            failure_reason=FailureReason.CUSTOMER_UNAVAILABLE,
        )

        failed = message(customer, T.DELIVERY_UPDATE, EMAIL)
        assert failed.subject == f"We couldn't deliver order {delivery.order.number}"
        assert "Our rider couldn't deliver your milk on" in failed.message
        assert "Your subscription carries on as usual with the next delivery." in failed.message
        assert sms_to(customer)[-1].startswith(
            "Milkshop: we couldn't deliver your milk today (customer not available)."
        )

    def test_a_delivery_skipped_for_a_low_wallet_says_what_to_do(self, committed, customer):
        fund_wallet(customer, Decimal("10.00"))
        subscription = committed(
            subscribe, user=customer, product=milk(name="Toned Milk", price=Decimal("27.00")), qty=2
        )

        committed(generate_subscription_orders, day=subscription.start_date)

        skipped = message(customer, T.SUBSCRIPTION_ORDER_SKIPPED, EMAIL)
        day = subscription.start_date
        assert skipped.subject == f"No Toned Milk on {day:%a} {day.day} {day:%b}: please top up your wallet"
        assert "Your wallet has ₹10.00 and that delivery costs ₹54.00." in skipped.message
        [text] = [text for text in sms_to(customer) if "Toned Milk" in text]
        assert text.startswith(
            f"Milkshop: no Toned Milk on {day:%a} {day.day} {day:%b}. Wallet Rs.10.00, needed Rs.54.00. Top up by 22:00"
        )
        assert text.endswith(f"{SITE_URL}/payments/wallet/")
        assert_fits_one_sms(text)
        assert (T.SUBSCRIPTION_ORDER_SKIPPED, IN_APP) in sent(customer)

    def test_a_delivery_skipped_for_want_of_stock_says_sorry_and_charges_nothing(self, committed, customer):
        fund_wallet(customer, Decimal("500.00"))
        product = milk(name="Desi Ghee", stock=0)
        subscription = committed(subscribe, user=customer, product=product)

        committed(generate_subscription_orders, day=subscription.start_date)

        skipped = message(customer, T.SUBSCRIPTION_ORDER_SKIPPED, EMAIL)
        assert skipped.subject.endswith(": we ran out")
        assert "Nothing was charged, and your subscription carries on as usual." in skipped.message

    def test_a_wallet_running_low_gets_a_top_up_reminder(self, committed, customer):
        fund_wallet(customer, Decimal("40.00"))
        subscription = committed(subscribe, user=customer)

        committed(generate_subscription_orders, day=subscription.start_date)

        reminder = message(customer, T.WALLET_LOW_BALANCE, EMAIL)
        assert reminder.subject == "Top up your wallet: ₹8.00 left for your milk"
        assert "your subscriptions need ₹96.00 for the next three days" in reminder.message
        assert "Top up at least ₹88.00 before 22:00" in reminder.message
        [text] = [text for text in sms_to(customer) if "wallet has" in text]
        assert_fits_one_sms(text)
        assert (T.WALLET_LOW_BALANCE, IN_APP) in sent(customer)
