import uuid
from datetime import datetime

from analytics.models import AnalyticsEvent
from orders.models import Order


def analytics_event_record(
    *,
    event_id: uuid.UUID,
    event_type: str,
    occurred_at: datetime,
    user_id: int | None = None,
    order_id: int | None = None,
    details: dict | None = None,
) -> AnalyticsEvent:
    """Record an event once: a task that runs twice finds the row the first run wrote."""
    if order_id and not user_id:
        user_id = Order.objects.filter(pk=order_id).values_list("user_id", flat=True).first()
    event, _ = AnalyticsEvent.objects.get_or_create(
        event_id=event_id,
        defaults={
            "event_type": event_type,
            "timestamp": occurred_at,
            "user_id": user_id,
            "order_id": order_id,
            "details": details or {},
        },
    )
    return event
