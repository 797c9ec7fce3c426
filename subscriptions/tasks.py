from datetime import timedelta

from django.utils import timezone

from delivery.slots import DeliverySlot, slot_names
from subscriptions.generation import generate_subscription_orders


def generate_closed_dates() -> list[str]:
    """Generate every date (today or tomorrow) whose change cutoff has passed; a late or repeated run is harmless."""
    now = timezone.now()
    today = timezone.localdate(now)
    reports = []
    for day in (today, today + timedelta(days=1)):
        if all(not DeliverySlot(date=day, name=name).is_open(now) for name in slot_names()):
            reports.append(str(generate_subscription_orders(day=day)))
    return reports
