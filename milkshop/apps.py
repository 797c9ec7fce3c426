from django.apps import AppConfig


class MilkshopConfig(AppConfig):
    """The project package as an app: shared template tags, the seed_demo command, customers' page versions."""

    name = "milkshop"
    verbose_name = "Milkshop"

    def ready(self):
        from milkshop.customer_versions import connect_receivers

        connect_receivers()
