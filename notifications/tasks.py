"""Thin django-q2 tasks: take ids, call a service. All are enqueued with ack_failure=True: a failed send is
recorded on its Notification row and retried by retry_notifications with backoff, not redelivered by the queue."""

from django.utils import timezone

from notifications.models import Notification
from notifications.selectors import notifications_due
from notifications.services import enqueue_send, notification_deliver, notifications_send_event


def notify(event: str, payload: dict) -> int:
    """Tell the customer about one domain event (see notifications.events); returns how many messages went out."""
    return len(notifications_send_event(event=event, payload=payload))


def send_welcome_email(user_id: int) -> int:
    """USER_REGISTERED (kept under its own name: tasks already queued under it must still run)."""
    return notify("USER_REGISTERED", {"user_id": user_id})


def send_notification(notification_id: int) -> str:
    notification = Notification.objects.get(pk=notification_id)
    return notification_deliver(notification=notification).status


def retry_notifications() -> int:
    """Every minute (a schedule made by a migration): enqueue the sends that are due again."""
    due = notifications_due(now=timezone.now())
    for notification_id in due:
        enqueue_send(notification_id)
    return len(due)
