import uuid
from datetime import datetime

from analytics.models import AnalyticsEvent


def analytics_event_record(
    *,
    event_id: uuid.UUID,
    event_type: str,
    occurred_at: datetime,
    user_id: int | None = None,
    details: dict | None = None,
) -> AnalyticsEvent:
    """Record an event once: a task that runs twice finds the row the first run wrote."""
    event, _ = AnalyticsEvent.objects.get_or_create(
        event_id=event_id,
        defaults={"event_type": event_type, "timestamp": occurred_at, "user_id": user_id, "details": details or {}},
    )
    return event
