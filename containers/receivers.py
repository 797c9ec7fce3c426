from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog.versions import forget_catalog_version
from containers.models import ContainerType


@receiver([post_save, post_delete], sender=ContainerType)
def container_type_changed(**kwargs) -> None:
    """Product pages and carts show a container's deposit: they are drawn again when it changes."""
    forget_catalog_version()
