"""Every write to notifications: recording messages once, sending them with retries, reading, preferences.

Delivery is at least once, deduplicated: each message has one row (its dedupe key: event, channel, recipient);
a send first claims the row (one more attempt, a lease as long as a task may run), then calls the provider outside
any transaction, then records the outcome. A second run finds the row sent, or claimed by a live send, and does
nothing. A worker that dies mid-send leaves its lease to expire; the task's redelivery or the retry sweep then
sends again. Only a provider that accepted the message but never answered can get it twice.
"""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from milkshop.taskqueue.services import enqueue
from notifications.events import Message, attachments_for, messages_for
from notifications.models import (
    ESSENTIAL_KINDS,
    KIND_OF_TYPE,
    Channel,
    Notification,
    NotificationPreference,
    NotificationStatus,
)
from notifications.rendering import render_content
from notifications.selectors import ChannelSwitches, notification_preferences_for
from notifications.sms import get_sms_backend, sms_enabled

logger = logging.getLogger(__name__)

# A queued message nobody has tried within this long is picked up by the retry sweep (its task was lost).
UNSENT_GRACE = timedelta(minutes=5)
EXTERNAL = (Channel.EMAIL, Channel.SMS)


class NotificationError(Exception):
    """A change to notifications that is not allowed; the message is for the customer."""


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the nth failed attempt: 1, 5, 25, 125 … minutes (with the default base of 60 s)."""
    return timedelta(seconds=settings.NOTIFICATION_RETRY_SECONDS * 5 ** (attempts - 1))


def send_lease() -> timedelta:
    """How long a claimed send may take: as long as the task queue lets a task run before killing it."""
    return timedelta(seconds=settings.Q_CLUSTER["timeout"])


# Choosing channels


def channels_for(*, user: User, type: str, channels: frozenset[str]) -> list[str]:
    """The channels a message goes out on: its own, less those the customer switched off or cannot receive.

    In-app copies always stay. A message of an essential kind (orders, deliveries) that would be left with
    neither email nor SMS goes by the channel the customer kept, or by email if SMS can't reach them.
    """
    kind = KIND_OF_TYPE[type]
    wanted = notification_preferences_for(user=user)[kind] if kind else ChannelSwitches(email=True, sms=True)
    reachable = {Channel.EMAIL: wanted.email, Channel.SMS: wanted.sms and bool(user.phone) and sms_enabled()}
    chosen = {channel for channel in channels if channel == Channel.IN_APP or reachable[channel]}
    if kind in ESSENTIAL_KINDS and channels & set(EXTERNAL) and not chosen & set(EXTERNAL):
        chosen.add(next((channel for channel in EXTERNAL if reachable[channel]), Channel.EMAIL))
    return [channel for channel in (Channel.EMAIL, Channel.SMS, Channel.IN_APP) if channel in chosen]


def _recipient(user: User, channel: str) -> str:
    return {Channel.EMAIL: user.email, Channel.SMS: user.phone}.get(channel, "")


def notifications_record(*, message: Message, now: datetime | None = None) -> list[Notification]:
    """The message's rows, one per channel, created (and rendered) the first time and found every time after."""
    now = now or timezone.now()
    if not message.user.is_active:
        return []
    rows = []
    for channel in channels_for(user=message.user, type=message.type, channels=message.channels):
        dedupe_key = f"{message.event_key}/{channel}/user-{message.user.pk}"
        existing = Notification.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            rows.append(existing)
            continue
        content = render_content(type=message.type, channel=channel, context=message.context)
        in_app = channel == Channel.IN_APP
        notification = Notification(
            user=message.user,
            type=message.type,
            channel=channel,
            recipient=_recipient(message.user, channel),
            subject=content.subject[:200],
            message=content.text,
            html_message=content.html,
            url=message.url,
            dedupe_key=dedupe_key,
            # In-app messages are delivered by being written.
            status=NotificationStatus.SENT if in_app else NotificationStatus.QUEUED,
            attempts=1 if in_app else 0,
            sent_at=now if in_app else None,
            next_attempt_at=None if in_app else now + UNSENT_GRACE,
        )
        try:
            with transaction.atomic():
                notification.save()
        except IntegrityError:
            notification = Notification.objects.get(dedupe_key=dedupe_key)  # another run wrote it first
        rows.append(notification)
    return rows


# Sending


def _claim(notification_id: int, now: datetime) -> Notification | None:
    """Take the row for one attempt; None if it is sent, given up, or being sent by someone else right now."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        in_flight = (
            notification.status == NotificationStatus.QUEUED
            and notification.attempts > 0
            and notification.next_attempt_at is not None
            and notification.next_attempt_at > now
        )
        given_up = notification.status == NotificationStatus.FAILED and notification.next_attempt_at is None
        if (
            notification.channel == Channel.IN_APP
            or notification.status == NotificationStatus.SENT
            or given_up  # after the last attempt, or an error that no retry can mend; only a resend revives it
            or notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
            or in_flight
        ):
            return None
        notification.status = NotificationStatus.QUEUED
        notification.attempts += 1
        notification.next_attempt_at = now + send_lease()
        notification.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
    return notification


def _send(notification: Notification) -> str:
    if notification.channel == Channel.EMAIL:
        email = EmailMultiAlternatives(
            subject=notification.subject, body=notification.message, to=[notification.recipient]
        )
        if notification.html_message:
            email.attach_alternative(notification.html_message, "text/html")
        event_key = notification.dedupe_key.rsplit("/", 2)[0]
        for filename, content, mimetype in attachments_for(type=notification.type, event_key=event_key):
            email.attach(filename, content, mimetype)
        email.send()
        return ""
    return get_sms_backend().send(to=notification.recipient, body=notification.message)


def notification_deliver(*, notification: Notification, now: datetime | None = None) -> Notification:
    """Send one email or SMS unless it is sent already or in flight; a failure is recorded, then raised."""
    now = now or timezone.now()
    claimed = _claim(notification.pk, now)
    if claimed is None:
        return Notification.objects.get(pk=notification.pk)
    try:
        reference = _send(claimed)
    except Exception as error:
        permanent = getattr(error, "permanent", False)
        retry = not permanent and claimed.attempts < settings.NOTIFICATION_MAX_ATTEMPTS
        Notification.objects.filter(pk=claimed.pk).update(
            status=NotificationStatus.FAILED,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            next_attempt_at=now + retry_delay(claimed.attempts) if retry else None,
            updated_at=timezone.now(),
        )
        logger.warning(
            "%s %s to user %s failed (attempt %s, %s): %s",
            claimed.get_channel_display(),
            claimed.type,
            claimed.user_id,
            claimed.attempts,
            "will retry" if retry else "giving up",
            error,
        )
        raise
    Notification.objects.filter(pk=claimed.pk).update(
        status=NotificationStatus.SENT,
        sent_at=timezone.now(),
        next_attempt_at=None,
        last_error="",
        provider_reference=reference[:100],
        updated_at=timezone.now(),
    )
    return Notification.objects.get(pk=claimed.pk)


def notifications_send_event(*, event: str, payload: dict, now: datetime | None = None) -> list[Notification]:
    """Tell the customer about one event on every channel it calls for. Each channel is tried on its own; if any
    failed, the first error is raised once all were tried (the retry sweep takes the failed ones from there)."""
    failures = []
    sent = []
    for message in messages_for(event, payload):
        for notification in notifications_record(message=message, now=now):
            if notification.channel == Channel.IN_APP:
                sent.append(notification)
                continue
            try:
                sent.append(notification_deliver(notification=notification, now=now))
            except Exception as error:
                failures.append(error)
    if failures:
        raise failures[0]
    return sent


def enqueue_send(notification_id: int) -> None:
    enqueue(
        "notifications.tasks.send_notification",
        notification_id,
        task_name=f"notification:{notification_id}",
        ack_failure=True,  # a failed send is retried by the sweep, with backoff, not by the queue
    )


@transaction.atomic
def notifications_resend(*, notifications: QuerySet[Notification], now: datetime | None = None) -> int:
    """Try failed emails and SMS again from the admin, with a fresh set of attempts; returns how many."""
    now = now or timezone.now()
    ids = list(
        notifications.filter(status=NotificationStatus.FAILED)
        .exclude(channel=Channel.IN_APP)
        .values_list("pk", flat=True)
    )
    Notification.objects.filter(pk__in=ids).update(
        status=NotificationStatus.QUEUED, attempts=0, next_attempt_at=now + UNSENT_GRACE, updated_at=now
    )
    for notification_id in ids:
        transaction.on_commit(partial(enqueue_send, notification_id))
    return len(ids)


# Reading


def notification_mark_read(*, notification: Notification, now: datetime | None = None) -> Notification:
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


def notifications_mark_all_read(*, user: User, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return Notification.objects.filter(user=user, channel=Channel.IN_APP, read_at__isnull=True).update(
        read_at=now, updated_at=now
    )


# Preferences


@transaction.atomic
def notification_preferences_save(*, user: User, switches: dict[str, ChannelSwitches]) -> None:
    """Save the customer's email and SMS switches per kind; essential kinds must keep one on."""
    for kind, wanted in switches.items():
        if kind in ESSENTIAL_KINDS and not (wanted.email or wanted.sms):
            raise NotificationError("Keep email or SMS on for order and delivery messages.")
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"email": wanted.email, "sms": wanted.sms}
        )
