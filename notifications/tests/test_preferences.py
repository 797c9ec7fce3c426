"""Customers turn email or SMS off per kind of message; order and delivery messages keep one way to reach them."""

from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.urls import reverse

from delivery.models import DeliveryStatus
from delivery.tests.factories import delivery_in
from notifications.models import Channel, NotificationKind, NotificationPreference, NotificationType
from notifications.selectors import ChannelSwitches, notification_preferences_for
from notifications.services import NotificationError, notification_preferences_save
from notifications.tests.helpers import emails_to, sent, sms_to
from orders.tests.factories import customer_with_address, fund_wallet, place_order
from subscriptions.generation import generate_subscription_orders
from subscriptions.models import SubscriptionStatus
from subscriptions.services import subscription_transition
from subscriptions.tests.factories import subscribe

pytestmark = pytest.mark.django_db

EMAIL, SMS, IN_APP = Channel.EMAIL, Channel.SMS, Channel.IN_APP
T = NotificationType
K = NotificationKind
URL = reverse("notifications:preferences")


@pytest.fixture
def customer():
    return customer_with_address(name="Ravi Kumar", phone="+919845000111")


def switch(user, kind, *, email=True, sms=True):
    notification_preferences_save(user=user, switches={kind: ChannelSwitches(email=email, sms=sms)})


def test_without_choices_every_kind_is_on(customer):
    assert notification_preferences_for(user=customer) == {kind: ChannelSwitches(True, True) for kind in K.values}


def test_order_sms_turned_off_leaves_email_and_in_app(customer, django_capture_on_commit_callbacks):
    switch(customer, K.ORDERS, sms=False)

    with django_capture_on_commit_callbacks(execute=True):
        place_order(user=customer)

    assert sent(customer) == {(T.ORDER_CONFIRMED, EMAIL), (T.ORDER_CONFIRMED, IN_APP)}
    assert sms_to(customer) == []


def test_order_email_turned_off_leaves_sms_and_in_app(customer, django_capture_on_commit_callbacks):
    switch(customer, K.ORDERS, email=False)

    with django_capture_on_commit_callbacks(execute=True):
        place_order(user=customer)

    assert sent(customer) == {(T.ORDER_CONFIRMED, SMS), (T.ORDER_CONFIRMED, IN_APP)}
    assert emails_to(customer) == []


def test_a_delivery_update_meant_for_sms_comes_by_email_when_sms_is_off(customer, django_capture_on_commit_callbacks):
    switch(customer, K.DELIVERIES, sms=False)

    with django_capture_on_commit_callbacks(execute=True):
        delivery = delivery_in(DeliveryStatus.IN_TRANSIT, user=customer)

    on_the_way = customer.notifications.filter(type=T.DELIVERY_UPDATE, subject__endswith="is on the way")
    assert set(on_the_way.values_list("channel", flat=True)) == {EMAIL, IN_APP}
    assert f"/track/{delivery.tracking_token}/" in on_the_way.get(channel=EMAIL).message


def test_without_a_phone_number_essential_messages_come_by_email(django_capture_on_commit_callbacks):
    customer = customer_with_address(phone="")
    switch(customer, K.DELIVERIES, email=False)  # SMS "on", but there is no number to send it to

    with django_capture_on_commit_callbacks(execute=True):
        delivery_in(DeliveryStatus.IN_TRANSIT, user=customer)

    on_the_way = customer.notifications.filter(type=T.DELIVERY_UPDATE, subject__endswith="is on the way")
    assert set(on_the_way.values_list("channel", flat=True)) == {EMAIL, IN_APP}


def test_when_the_shop_sends_no_sms_order_messages_still_go_by_email(
    customer, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = ""
    switch(customer, K.ORDERS, email=False)

    with django_capture_on_commit_callbacks(execute=True):
        place_order(user=customer)

    assert sent(customer) == {(T.ORDER_CONFIRMED, EMAIL), (T.ORDER_CONFIRMED, IN_APP)}


def test_optional_kinds_can_be_turned_off_entirely_and_stay_in_app(customer, django_capture_on_commit_callbacks):
    switch(customer, K.SUBSCRIPTIONS, email=False, sms=False)
    switch(customer, K.WALLET, email=False, sms=False)
    fund_wallet(customer, Decimal("40.00"))

    with django_capture_on_commit_callbacks(execute=True):
        subscription = subscribe(user=customer)
    with django_capture_on_commit_callbacks(execute=True):
        subscription_transition(subscription=subscription, to=SubscriptionStatus.PAUSED, by=customer)
        subscription_transition(subscription=subscription, to=SubscriptionStatus.ACTIVE, by=customer)
    with django_capture_on_commit_callbacks(execute=True):
        generate_subscription_orders(day=subscription.start_date)

    assert sent(customer) == {
        (T.SUBSCRIPTION_ACTIVE, IN_APP),
        (T.SUBSCRIPTION_PAUSED, IN_APP),
        (T.WALLET_LOW_BALANCE, IN_APP),
    }
    assert emails_to(customer) == []
    assert sms_to(customer) == []


def test_essential_kinds_cannot_lose_both_channels(customer):
    with pytest.raises(NotificationError):
        switch(customer, K.DELIVERIES, email=False, sms=False)
    with pytest.raises(IntegrityError):  # and the database agrees
        NotificationPreference.objects.create(user=customer, kind=K.ORDERS, email=False, sms=False)


class TestPage:
    def test_needs_a_login(self, client):
        response = client.get(URL)

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    def test_shows_a_switch_per_kind_and_channel(self, client, customer):
        client.force_login(customer)

        page = client.get(URL).content.decode()

        for kind in K:
            assert f'name="{kind}_email"' in page
            assert f'name="{kind}_sms"' in page
        assert page.count("(one channel stays on)") == 2

    def test_saves_the_choices(self, client, customer):
        client.force_login(customer)
        data = {f"{kind}_{channel}": "on" for kind in K.values for channel in ("email", "sms")}
        del data["ORDERS_sms"], data["WALLET_email"], data["WALLET_sms"]

        response = client.post(URL, data, follow=True)

        assert "Your notification settings are saved." in response.content.decode()
        saved = notification_preferences_for(user=customer)
        assert saved[K.ORDERS] == ChannelSwitches(email=True, sms=False)
        assert saved[K.WALLET] == ChannelSwitches(email=False, sms=False)
        assert saved[K.DELIVERIES] == ChannelSwitches(email=True, sms=True)

    def test_refuses_to_silence_order_messages(self, client, customer):
        client.force_login(customer)
        data = {f"{kind}_{channel}": "on" for kind in K.values for channel in ("email", "sms")}
        del data["ORDERS_email"], data["ORDERS_sms"]

        response = client.post(URL, data)

        assert response.status_code == 200
        assert "Orders messages need one way to reach you: keep email or SMS on." in response.content.decode()
        assert not NotificationPreference.objects.exists()

    def test_without_a_phone_sms_switches_are_disabled_and_email_must_stay_for_orders(self, client):
        customer = customer_with_address(phone="")
        client.force_login(customer)

        page = client.get(URL).content.decode()
        assert "Add a mobile number in" in page
        assert '<input type="checkbox" name="ORDERS_sms" disabled id="id_ORDERS_sms">' in page

        data = {f"{kind}_email": "on" for kind in K.values}
        del data["ORDERS_email"]
        response = client.post(URL, {**data, "ORDERS_sms": "on"})
        assert "keep email (add a mobile number for SMS) on" in response.content.decode()
