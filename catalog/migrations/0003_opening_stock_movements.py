from django.db import migrations


def record_opening_stock(apps, schema_editor):
    """Stock that existed before movements were kept becomes one counted movement, so movements add up to it."""
    Product = apps.get_model("catalog", "Product")
    StockMovement = apps.get_model("catalog", "StockMovement")
    StockMovement.objects.bulk_create(
        StockMovement(product=product, kind="COUNTED", quantity=product.stock, note="Opening stock")
        for product in Product.objects.filter(stock__gt=0)
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_daily_supply_and_stock_movements")]

    operations = [migrations.RunPython(record_opening_stock, migrations.RunPython.noop)]
