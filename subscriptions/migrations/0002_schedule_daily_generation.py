from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations

SCHEDULE_NAME = "Generate subscription orders"


def create_schedule(apps, schema_editor):
    """Every night just after the cutoff (22:05 shop time by default); runs that come late catch up by themselves."""
    Schedule = apps.get_model("django_q", "Schedule")
    zone = ZoneInfo(settings.TIME_ZONE)
    cutoff = time.fromisoformat(settings.DELIVERY_CUTOFF)
    now = datetime.now(zone)
    first = datetime.combine(now.date(), cutoff, tzinfo=zone) + timedelta(minutes=5)
    if first <= now:
        first += timedelta(days=1)
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "subscriptions.tasks.generate_closed_dates",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": first,
        },
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("subscriptions", "0001_subscriptions"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
