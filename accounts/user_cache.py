"""Signed-in users kept in the shared cache (see accounts.backends), and dropped from it whenever they change."""

from milkshop.invalidation import drop_now_and_on_commit

LIFETIME = 300  # seconds


def cache_key(user_id) -> str:
    return f"user:{user_id}"


def forget_cached_users(user_ids) -> None:
    drop_now_and_on_commit([cache_key(user_id) for user_id in user_ids])
