"""Sending for real: after commit only, once per event, channel and customer, retried with backoff, then given up."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from django_q.models import Task

from notifications import tasks
from notifications.models import Channel, Notification, NotificationStatus, NotificationType
from notifications.services import notification_deliver, notifications_send_event, retry_delay
from notifications.sms import SmsError
from notifications.tests.helpers import emails_to, sent, sms_to
from orders.tests.factories import customer_with_address, place_order

pytestmark = pytest.mark.django_db

EMAIL, SMS, IN_APP = Channel.EMAIL, Channel.SMS, Channel.IN_APP
T = NotificationType


@pytest.fixture
def customer():
    return customer_with_address(name="Meera Iyer", phone="+919845000222")


@pytest.fixture
def order(customer, django_capture_on_commit_callbacks):
    """A cash order placed, its confirmation not yet sent (its on-commit events are dropped)."""
    with django_capture_on_commit_callbacks(execute=False):
        return place_order(user=customer)


def test_a_rolled_back_order_sends_nothing(customer, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        place_order(user=customer)
        raise RuntimeError("something after the order failed")

    assert callbacks == []
    assert not Task.objects.filter(func__startswith="notifications.").exists()
    assert not Notification.objects.exists()
    assert mail.outbox == []
    assert sms_to(customer) == []


def test_the_confirmation_is_sent_after_commit_by_a_task(customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(user=customer)

    task = Task.objects.get(func="notifications.tasks.notify", name="notify:ORDER_CONFIRMED")
    assert task.args == ("ORDER_CONFIRMED", {"order_id": order.pk})
    assert task.success


def test_a_task_that_runs_twice_sends_each_message_once(customer, order):
    tasks.notify("ORDER_CONFIRMED", {"order_id": order.pk})
    tasks.notify("ORDER_CONFIRMED", {"order_id": order.pk})

    assert len(emails_to(customer)) == 1
    assert len(sms_to(customer)) == 1
    rows = Notification.objects.filter(user=customer)
    assert sorted(rows.values_list("channel", "attempts", "status")) == [
        (EMAIL, 1, NotificationStatus.SENT),
        (IN_APP, 1, NotificationStatus.SENT),
        (SMS, 1, NotificationStatus.SENT),
    ]
    assert rows.get(channel=SMS).dedupe_key == f"ORDER_CONFIRMED:order-{order.pk}/SMS/user-{customer.pk}"


def test_a_send_task_run_twice_sends_once(customer, order):
    tasks.notify("ORDER_CONFIRMED", {"order_id": order.pk})
    sms = Notification.objects.get(user=customer, channel=SMS)

    assert tasks.send_notification(sms.pk) == NotificationStatus.SENT
    assert len(sms_to(customer)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_send_claimed_by_a_live_worker_is_left_to_it(customer, twilio):
    """Two workers on one message (a redelivery racing the sweep): the second finds it claimed and stays out."""
    twilio.hold_next()

    def first_worker():
        try:
            place_order(user=customer)  # its confirmation's SMS hangs at the provider
        finally:
            connection.close()

    worker = threading.Thread(target=first_worker)
    worker.start()
    assert twilio.holding.wait(10)

    sms = Notification.objects.get(user=customer, channel=SMS)
    assert (sms.status, sms.attempts) == (NotificationStatus.QUEUED, 1)
    assert notification_deliver(notification=sms).attempts == 1  # in flight elsewhere: not sent again
    twilio.release()
    worker.join(10)

    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (NotificationStatus.SENT, 1)
    assert len(twilio.received) == 1


class TestFailingSmsProvider:
    def test_retries_with_backoff_then_gives_up_and_other_channels_are_unaffected(
        self, customer, order, twilio, settings
    ):
        twilio.fail_with(503, 20503, "Service unavailable")

        with pytest.raises(SmsError, match="Twilio answered 503"):
            tasks.notify("ORDER_CONFIRMED", {"order_id": order.pk})

        email = Notification.objects.get(user=customer, channel=EMAIL)
        in_app = Notification.objects.get(user=customer, channel=IN_APP)
        sms = Notification.objects.get(user=customer, channel=SMS)
        assert (email.status, in_app.status) == (NotificationStatus.SENT, NotificationStatus.SENT)
        assert len(emails_to(customer)) == 1
        assert (sms.status, sms.attempts) == (NotificationStatus.FAILED, 1)
        assert "Twilio answered 503 (20503: Service unavailable)" in sms.last_error

        delays = []
        while sms.next_attempt_at is not None:
            delays.append(sms.next_attempt_at - sms.updated_at)
            with time_machine.travel(sms.next_attempt_at + timedelta(seconds=1)), pytest.raises(SmsError):
                tasks.retry_notifications()
            sms.refresh_from_db()

        assert sms.status == NotificationStatus.FAILED
        assert sms.attempts == settings.NOTIFICATION_MAX_ATTEMPTS == 5
        assert [round(delay.total_seconds() / 60) for delay in delays] == [1, 5, 25, 125]
        assert len(twilio.received) == 5
        assert twilio.accepted == []
        email.refresh_from_db()
        assert (email.status, email.attempts) == (NotificationStatus.SENT, 1)
        assert len(emails_to(customer)) == 1

        with time_machine.travel(timezone.now() + timedelta(days=2)):
            assert tasks.retry_notifications() == 0  # given up: only a person resends it now

    def test_a_number_the_provider_refuses_is_not_retried(self, customer, order, twilio):
        twilio.fail_with(400, 21211, "The 'To' number is not a valid phone number.")

        with pytest.raises(SmsError):
            tasks.notify("ORDER_CONFIRMED", {"order_id": order.pk})

        sms = Notification.objects.get(user=customer, channel=SMS)
        assert (sms.status, sms.attempts, sms.next_attempt_at) == (NotificationStatus.FAILED, 1, None)
        assert "21211" in sms.last_error
        tasks.notify("ORDER_CONFIRMED", {"order_id": order.pk})  # a rerun does not knock again either
        assert len(twilio.received) == 1

    def test_a_provider_that_recovers_gets_the_message_on_the_next_retry(self, customer, order, twilio):
        twilio.fail_with(503)
        with pytest.raises(SmsError):
            tasks.notify("ORDER_CONFIRMED", {"order_id": order.pk})
        sms = Notification.objects.get(user=customer, channel=SMS)
        assert abs(sms.next_attempt_at - sms.updated_at - retry_delay(1)) < timedelta(seconds=1)

        twilio.fail_with(None)
        with time_machine.travel(sms.next_attempt_at + timedelta(seconds=1)):
            assert tasks.retry_notifications() == 1

        sms.refresh_from_db()
        assert (sms.status, sms.attempts, sms.next_attempt_at, sms.last_error) == (NotificationStatus.SENT, 2, None, "")
        assert sms.provider_reference.startswith("SM")
        assert [text.body for text in twilio.accepted] == [sms.message]


def test_a_queued_message_whose_task_was_lost_is_sent_by_the_sweep(customer, order, monkeypatch):
    """Redis keeps no receipt: a task lost with its worker leaves its rows queued; the sweep sends them."""
    from notifications import services

    # The event task died after writing the rows and before sending: record only.
    for message in services.messages_for("ORDER_CONFIRMED", {"order_id": order.pk}):
        services.notifications_record(message=message)
    assert Notification.objects.filter(status=NotificationStatus.QUEUED).count() == 2

    assert tasks.retry_notifications() == 0  # not yet: its own task may still be on its way
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert tasks.retry_notifications() == 2

    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}
    assert len(emails_to(customer)) == 1
    assert len(sms_to(customer)) == 1


def test_twilio_gets_the_number_sender_text_and_credentials(customer, order, twilio):
    notifications_send_event(event="ORDER_CONFIRMED", payload={"order_id": order.pk})

    [received] = twilio.received
    assert received.path == "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json"
    assert (received.account, received.token) == ("AC0123456789abcdef0123456789abcdef", "test-auth-token")
    assert (received.to, received.sender) == ("+919845000222", "+15005550006")
    assert received.body == Notification.objects.get(channel=SMS).message
    assert sent(customer) == {(T.ORDER_CONFIRMED, EMAIL), (T.ORDER_CONFIRMED, SMS), (T.ORDER_CONFIRMED, IN_APP)}
