"""Signed-in users kept in the shared cache (see accounts.backends), and dropped from it whenever they change."""

from django.core.cache import cache
from django.db import transaction

LIFETIME = 300  # seconds


def cache_key(user_id) -> str:
    return f"user:{user_id}"


def forget_cached_users(user_ids) -> None:
    """Drop these users from the cache now, and again once the change commits (a request in between may have put
    the old row back)."""
    keys = [cache_key(user_id) for user_id in user_ids]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))
