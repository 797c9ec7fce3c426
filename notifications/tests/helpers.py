"""Reading what the customer was sent."""

from django.core import mail

from notifications import sms
from notifications.models import Notification
from notifications.sms import GSM7_BASIC, GSM7_EXTENDED, SMS_LIMIT, sms_length


def sent(user) -> set[tuple[str, str]]:
    """(type, channel) of every message recorded for the user."""
    return set(Notification.objects.filter(user=user).values_list("type", "channel"))


def message(user, type: str, channel: str) -> Notification:
    return Notification.objects.get(user=user, type=type, channel=channel)


def emails_to(user) -> list:
    return [email for email in mail.outbox if email.to == [user.email]]


def sms_to(user) -> list[str]:
    return [text.body for text in sms.outbox if text.to == user.phone]


def assert_fits_one_sms(text: str) -> None:
    assert sms_length(text) <= SMS_LIMIT, f"{sms_length(text)} characters: {text}"
    assert all(char in GSM7_BASIC or char in GSM7_EXTENDED for char in text), text
