import uuid
from datetime import date, datetime, timedelta

from django.utils import timezone

from analytics.services import (
    analytics_admin_actions_record,
    analytics_daily_report_write,
    analytics_event_record,
    analytics_order_events_record,
)


def record_event(event_id: str, event_type: str, occurred_at: str, user_id=None, order_id=None, details=None) -> None:
    analytics_event_record(
        event_id=uuid.UUID(event_id),
        event_type=event_type,
        occurred_at=datetime.fromisoformat(occurred_at),
        user_id=user_id,
        order_id=order_id,
        details=details,
    )


def record_order_events(event_types: list[str], order_ids: list[int], occurred_at: str, details: dict) -> None:
    analytics_order_events_record(
        event_types=event_types, order_ids=order_ids, occurred_at=datetime.fromisoformat(occurred_at), details=details
    )


def record_admin_actions() -> int:
    """Every minute (a schedule made by a migration): the admin's log, copied into the event log."""
    return analytics_admin_actions_record()


def write_daily_report(day: str | None = None) -> list[str]:
    """Every night (a schedule made by a migration): yesterday's report, or the day given (YYYY-MM-DD)."""
    report_day = date.fromisoformat(day) if day else timezone.localdate() - timedelta(days=1)
    return analytics_daily_report_write(day=report_day)
