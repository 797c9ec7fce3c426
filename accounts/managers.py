from django.contrib.auth.base_user import BaseUserManager

from accounts.user_cache import forget_cached_users
from milkshop.customer_versions import OwnedQuerySet


class UserQuerySet(OwnedQuerySet):
    def update(self, **kwargs):
        """Bulk updates send no signals: they drop the users they change from the cache themselves (and, as for
        every owned row, renew their pages' tokens)."""
        user_ids = list(self.values_list("pk", flat=True))
        rows = super().update(**kwargs)
        forget_cached_users(user_ids)
        return rows


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)
