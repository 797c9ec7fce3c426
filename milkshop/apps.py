from django.apps import AppConfig


class MilkshopConfig(AppConfig):
    """The project package as an app: shared template tags and the seed_demo command."""

    name = "milkshop"
    verbose_name = "Milkshop"
