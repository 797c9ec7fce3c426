from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    """Connects the django-q2 receivers in every process that loads the apps: web, qcluster, shell."""

    name = "milkshop.observability"
    label = "observability"
    verbose_name = "Observability"

    def ready(self):
        from milkshop.observability import checks, receivers  # noqa: F401
