"""The sign-up event path: commit → user_registered → one analytics task and one welcome email."""

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django_q.models import Task

from accounts.services import user_create
from accounts.signals import user_registered
from analytics.models import AnalyticsEvent, EventType
from notifications.models import Notification, NotificationStatus, NotificationType
from notifications.tasks import send_welcome_email

pytestmark = pytest.mark.django_db


def announcements(callbacks) -> list:
    """The after-commit callbacks that announce a sign-up (the others refresh caches)."""
    return [callback for callback in callbacks if getattr(callback, "func", None) == user_registered.send]


SIGNUP = {
    "name": "Lakshmi Pillai",
    "email": "lakshmi@example.in",
    "phone": "9845012345",
    "password1": "fresh-milk-every-day",
    "password2": "fresh-milk-every-day",
}


def test_signup_enqueues_one_analytics_task_and_one_welcome_email(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("account_signup"), SIGNUP)

    assert len(announcements(callbacks)) == 1
    assert Task.objects.filter(func="analytics.tasks.record_event").count() == 1
    assert Task.objects.filter(func="notifications.tasks.send_welcome_email").count() == 1

    event = AnalyticsEvent.objects.get()
    assert event.event_type == EventType.USER_REGISTERED
    assert event.user.email == "lakshmi@example.in"

    assert len(mail.outbox) == 1
    welcome = mail.outbox[0]
    assert welcome.to == ["lakshmi@example.in"]
    assert "Welcome to Milkshop, Lakshmi" in welcome.subject
    assert welcome.alternatives[0].mimetype == "text/html"

    notification = Notification.objects.get()
    assert (notification.type, notification.channel) == (NotificationType.WELCOME_EMAIL, "EMAIL")
    assert (notification.status, notification.attempts) == (NotificationStatus.SENT, 1)
    assert notification.sent_at is not None


def test_a_signup_that_rolls_back_enqueues_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        user_create(email="gone@example.in", password="x-long-password", name="Gone")
        raise RuntimeError("the rest of the sign-up failed")

    assert callbacks == []
    assert not Task.objects.exists()
    assert not AnalyticsEvent.objects.exists()
    assert mail.outbox == []


def test_a_welcome_task_that_runs_twice_sends_one_email(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = user_create(email="twice@example.in", password="x-long-password", name="Twice")

    send_welcome_email(user.pk)

    assert len(mail.outbox) == 1
    assert Notification.objects.get().attempts == 1


def test_a_failed_email_is_logged_and_retried(settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user = user_create(email="retry@example.in", password="x-long-password", name="Retry")
    assert len(announcements(callbacks)) == 1

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    with pytest.raises(OSError):
        send_welcome_email(user.pk)
    failed = Notification.objects.get()
    assert (failed.status, failed.attempts) == (NotificationStatus.FAILED, 1)
    assert failed.last_error

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    send_welcome_email(user.pk)
    sent = Notification.objects.get()
    assert (sent.status, sent.attempts) == (NotificationStatus.SENT, 2)
    assert len(mail.outbox) == 1
