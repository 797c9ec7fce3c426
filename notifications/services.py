import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from notifications.models import Channel, Notification, NotificationStatus

logger = logging.getLogger(__name__)


def _claim(*, user: User, type: str, channel: str, dedupe_key: str) -> Notification | None:
    """The log row for this message, counting one more attempt; None if it was already sent."""
    with transaction.atomic():
        notification, _ = Notification.objects.select_for_update().get_or_create(
            dedupe_key=dedupe_key, defaults={"user": user, "type": type, "channel": channel}
        )
        if notification.status == NotificationStatus.SENT:
            return None
        notification.attempts += 1
        notification.save(update_fields=["attempts", "updated_at"])
    return notification


def notification_send_email(*, user: User, type: str, dedupe_key: str, context: dict) -> Notification | None:
    """Send one templated email (HTML + text) and log it; a second call with the same key sends nothing."""
    notification = _claim(user=user, type=type, channel=Channel.EMAIL, dedupe_key=dedupe_key)
    if notification is None:
        return None
    context = {"user": user, "shop_name": settings.SHOP_NAME, **context}
    template = f"notifications/email/{type.lower()}"
    subject = render_to_string(f"{template}_subject.txt", context).strip()
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    notification.subject = subject
    notification.message = text
    try:
        email = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
        email.attach_alternative(html, "text/html")
        email.send()
    except Exception as error:
        notification.status = NotificationStatus.FAILED
        notification.last_error = str(error)[:2000]
        notification.save(update_fields=["subject", "message", "status", "last_error", "updated_at"])
        logger.warning("Email %s to user %s failed: %s", type, user.pk, error)
        raise
    notification.status = NotificationStatus.SENT
    notification.sent_at = timezone.now()
    notification.last_error = ""
    notification.save(update_fields=["subject", "message", "status", "sent_at", "last_error", "updated_at"])
    return notification
