from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations

STATEMENTS = "Make monthly statements"
REMINDERS = "Remind overdue statements"


def create_schedules(apps, schema_editor):
    """Statements on the 1st at 06:00 shop time, for the month just ended (the task works the month out itself, so a
    late or repeated run makes nothing more); overdue reminders every day at 09:00."""
    Schedule = apps.get_model("django_q", "Schedule")
    zone = ZoneInfo(settings.TIME_ZONE)
    now = datetime.now(zone)
    first = datetime.combine(now.date().replace(day=1), time(6), tzinfo=zone)
    if first <= now:
        first = datetime.combine((first + timedelta(days=32)).date().replace(day=1), time(6), tzinfo=zone)
    reminders = datetime.combine(now.date(), time(9), tzinfo=zone)
    if reminders <= now:
        reminders += timedelta(days=1)
    Schedule.objects.update_or_create(
        name=STATEMENTS,
        defaults={
            "func": "billing.tasks.make_monthly_statements",
            "schedule_type": "M",
            "repeats": -1,
            "next_run": first,
        },
    )
    Schedule.objects.update_or_create(
        name=REMINDERS,
        defaults={
            "func": "billing.tasks.remind_overdue_statements",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": reminders,
        },
    )


def delete_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=[STATEMENTS, REMINDERS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_accounts_statements_and_tax_documents"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedules, delete_schedules)]
