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


def analytics_order_events_record(*, event_types: list[str], order_ids: list[int], occurred_at: datetime, details: dict) -> int:
    """Record events for many orders at once (a night's subscription orders); a rerun adds nothing."""
    owners = dict(Order.objects.filter(pk__in=order_ids).values_list("pk", "user_id"))
    events = [
        AnalyticsEvent(
            event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"milkshop:{event_type}:{order_id}"),
            event_type=event_type,
            user_id=owners.get(order_id),
            order_id=order_id,
            timestamp=occurred_at,
            details=details,
        )
        for order_id in order_ids
        for event_type in event_types
    ]
    return len(AnalyticsEvent.objects.bulk_create(events, ignore_conflicts=True))
