"""Domain signals in, analytics tasks out. Signals arrive after their transaction commits."""

import uuid

from django.dispatch import receiver
from django.utils import timezone
from django_q.tasks import async_task

from accounts.signals import user_registered
from analytics.models import EventType


def enqueue_event(event_type: str, *, user_id: int | None = None, details: dict | None = None) -> None:
    async_task(
        "analytics.tasks.record_event",
        str(uuid.uuid4()),
        event_type,
        timezone.now().isoformat(),
        user_id,
        details or {},
        task_name=f"analytics:{event_type}",
    )


@receiver(user_registered, dispatch_uid="analytics.user_registered")
def on_user_registered(sender, user_id: int, **kwargs):
    enqueue_event(EventType.USER_REGISTERED, user_id=user_id)
