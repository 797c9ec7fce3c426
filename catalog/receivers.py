from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog.models import Category, Product
from catalog.versions import forget_catalog_version


@receiver([post_save, post_delete], sender=Product)
@receiver([post_save, post_delete], sender=Category)
def catalog_changed(**kwargs) -> None:
    forget_catalog_version()
