from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from notifications.models import Channel, Notification, NotificationKind, NotificationPreference, NotificationStatus


@dataclass(frozen=True)
class ChannelSwitches:
    email: bool
    sms: bool


def notification_preferences_for(*, user: User) -> dict[str, ChannelSwitches]:
    """Every kind's email and SMS switches; kinds the customer never changed have both on."""
    saved = {
        kind: ChannelSwitches(email=email, sms=sms)
        for kind, email, sms in NotificationPreference.objects.filter(user=user).values_list("kind", "email", "sms")
    }
    return {kind: saved.get(kind, ChannelSwitches(email=True, sms=True)) for kind in NotificationKind.values}


def inbox_for(*, user: User) -> QuerySet[Notification]:
    """The customer's in-app notifications, newest first."""
    return Notification.objects.filter(user=user, channel=Channel.IN_APP).order_by("-created_at", "-pk")


def inbox_notification_for(*, user: User, notification_id: int) -> Notification:
    return get_object_or_404(inbox_for(user=user), pk=notification_id)


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, channel=Channel.IN_APP, read_at__isnull=True).count()


def notifications_due(*, now: datetime, limit: int = 500) -> list[int]:
    """Emails and SMS to try (again) now: failed ones whose backoff is over, and queued ones nobody finished."""
    return list(
        Notification.objects.filter(next_attempt_at__lte=now)
        .exclude(status=NotificationStatus.SENT)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
