"""request.user from the shared cache instead of a query on every request.

Django loads the signed-in user with a query on each request. With Redis (the production setup, see
AUTHENTICATION_BACKENDS) these backends keep the user's row in the cache for a few minutes. Saving or deleting a
user drops it (accounts.receivers), and so do bulk updates (UserQuerySet), so a new name or password, or a
deactivation, takes effect on the next request; a change made around the ORM shows within user_cache.LIFETIME.
Without a shared cache the stock backends are used: one process's memory would not hear of another's changes.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

from accounts.user_cache import LIFETIME, cache_key


class CachedUserMixin:
    def get_user(self, user_id):
        user = cache.get(cache_key(user_id))
        if user is None:
            user = super().get_user(user_id)  # None when there is none, or it may not sign in
            if user is not None:
                cache.set(cache_key(user_id), user, LIFETIME)
            return user
        return user if self.user_can_authenticate(user) else None


class CachedModelBackend(CachedUserMixin, ModelBackend):
    pass


class CachedAllauthBackend(CachedUserMixin, AuthenticationBackend):
    pass
