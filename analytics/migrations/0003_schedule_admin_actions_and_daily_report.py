from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations

ADMIN_ACTIONS = "Record admin actions"
DAILY_REPORT = "Write the daily report"


def create_schedules(apps, schema_editor):
    """Admin actions every minute; yesterday's report every night at 01:00 shop time, when the day is complete."""
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=ADMIN_ACTIONS,
        defaults={"func": "analytics.tasks.record_admin_actions", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )
    zone = ZoneInfo(settings.TIME_ZONE)
    now = datetime.now(zone)
    first = datetime.combine(now.date(), time(1, 0), tzinfo=zone)
    if first <= now:
        first += timedelta(days=1)
    Schedule.objects.update_or_create(
        name=DAILY_REPORT,
        defaults={"func": "analytics.tasks.write_daily_report", "schedule_type": "D", "repeats": -1, "next_run": first},
    )


def delete_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=[ADMIN_ACTIONS, DAILY_REPORT]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0002_analytics_event_order"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedules, delete_schedules)]
