import uuid
from datetime import date, datetime

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db.models import BigIntegerField, Max
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from analytics.exports import report_json, table_csv
from analytics.models import AnalyticsEvent, EventType
from analytics.selectors import REPORT_KEYS, report_for
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


def analytics_order_events_record(
    *, event_types: list[str], order_ids: list[int], occurred_at: datetime, details: dict
) -> int:
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


# Admin actions: Django's admin log (LogEntry) copied into the event log by a task every minute. Bulk deletions
# write their LogEntry rows with bulk_create, which sends no post_save, so the log itself is read.
ADMIN_LOG_OVERLAP = 200  # entries committed out of id order are caught by re-reading the last few
ADMIN_LOG_BATCH = 1000
ADMIN_ACTIONS = {ADDITION: "added", CHANGE: "changed", DELETION: "deleted"}


def _admin_action_event(entry: LogEntry, orders: set[int]) -> AnalyticsEvent:
    model = f"{entry.content_type.app_label}.{entry.content_type.model}" if entry.content_type else ""
    order_id = int(entry.object_id) if model == "orders.order" and int(entry.object_id or 0) in orders else None
    return AnalyticsEvent(
        event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"milkshop:ADMIN_ACTION:logentry-{entry.pk}"),
        event_type=EventType.ADMIN_ACTION,
        user_id=entry.user_id,
        order_id=order_id,
        timestamp=entry.action_time,
        details={
            "log_entry_id": entry.pk,
            "action": ADMIN_ACTIONS.get(entry.action_flag, str(entry.action_flag)),
            "model": model,
            "object_id": entry.object_id,
            "object": entry.object_repr,
            "change": entry.get_change_message(),
        },
    )


def analytics_admin_actions_record() -> int:
    """Record every admin log entry not yet recorded as an ADMIN_ACTION event; returns how many were new."""
    last = AnalyticsEvent.objects.filter(event_type=EventType.ADMIN_ACTION).aggregate(
        last=Max(Cast(KT("details__log_entry_id"), BigIntegerField()))
    )["last"]
    after = max((last or 0) - ADMIN_LOG_OVERLAP, 0)
    recorded = 0
    while entries := list(
        LogEntry.objects.filter(pk__gt=after).select_related("content_type").order_by("pk")[:ADMIN_LOG_BATCH]
    ):
        order_ids = {
            int(entry.object_id)
            for entry in entries
            if entry.content_type
            and (entry.content_type.app_label, entry.content_type.model) == ("orders", "order")
            and (entry.object_id or "").isdigit()
        }
        existing_orders = set(Order.objects.filter(pk__in=order_ids).values_list("pk", flat=True))
        events = [_admin_action_event(entry, existing_orders) for entry in entries]
        known = set(
            AnalyticsEvent.objects.filter(event_id__in=[event.event_id for event in events]).values_list(
                "event_id", flat=True
            )
        )
        new = [event for event in events if event.event_id not in known]
        AnalyticsEvent.objects.bulk_create(new, ignore_conflicts=True)  # a run at the same time may have written some
        recorded += len(new)
        after = entries[-1].pk
    return recorded


# The daily report: yesterday's figures, as JSON and one CSV per report, through the "reports" storage.


def reports_storage():
    return storages["reports"]


def daily_report_names(day: date) -> dict[str, str]:
    """The files of one day's report: report.json, then <report>.csv for each report."""
    folder = f"daily/{day.isoformat()}"
    return {"report.json": f"{folder}/report.json", **{f"{key}.csv": f"{folder}/{key}.csv" for key in REPORT_KEYS}}


def analytics_daily_report_write(*, day: date) -> list[str]:
    """Write one day's report; running it again replaces the files (figures may have changed since)."""
    report = report_for(start=day, end=day)
    storage = reports_storage()
    contents = {"report.json": report_json(report)}
    contents.update({f"{key}.csv": table_csv(table) for key, table in report.tables.items()})
    written = []
    for filename, name in daily_report_names(day).items():
        if storage.exists(name):
            storage.delete(name)
        written.append(storage.save(name, ContentFile(contents[filename].encode("utf-8"))))
    return written
