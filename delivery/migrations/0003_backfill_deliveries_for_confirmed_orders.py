"""Orders confirmed before deliveries existed get one each, unassigned, for staff to give to a rider."""

import secrets

from django.db import migrations

WAITING = ["CONFIRMED", "PACKED"]


def create_missing_deliveries(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    Delivery = apps.get_model("delivery", "Delivery")
    DeliveryStatusHistory = apps.get_model("delivery", "DeliveryStatusHistory")
    orders = Order.objects.filter(status__in=WAITING, delivery__isnull=True).order_by("pk")
    for order in orders.iterator():
        delivery = Delivery.objects.create(
            order=order,
            user_id=order.user_id,
            delivery_date=order.delivery_date,
            slot=order.delivery_slot,
            zone_id=order.zone_id,
            status="ASSIGNED",
            tracking_token=secrets.token_urlsafe(24),
        )
        DeliveryStatusHistory.objects.create(delivery=delivery, to_status="ASSIGNED", note="Waiting for a rider")


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0002_deliveries_riders_and_status_history"),
    ]

    operations = [migrations.RunPython(create_missing_deliveries, migrations.RunPython.noop)]
