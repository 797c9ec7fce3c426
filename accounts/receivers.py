from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import User
from accounts.user_cache import forget_cached_users


@receiver([post_save, post_delete], sender=User, dispatch_uid="accounts.user_changed")
def user_changed(sender, instance, **kwargs) -> None:
    forget_cached_users([instance.pk])
