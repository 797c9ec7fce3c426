from django.apps import AppConfig


class ContainersConfig(AppConfig):
    name = "containers"
    verbose_name = "Containers and deposits"

    def ready(self):
        from containers import receivers  # noqa: F401
