"""Cache entries that stand for database state: version tokens, and dropping entries when that state changes."""

import uuid

from django.core.cache import BaseCache, cache
from django.db import transaction


def version_token(key: str, lifetime: int) -> str:
    """The token under key, or a new one: whatever is cached under a token is stale once the token is dropped."""
    return cache.get_or_set(key, lambda: uuid.uuid4().hex, lifetime)


def drop_now_and_on_commit(keys: list[str], *, caches: tuple[BaseCache, ...] = (cache,)) -> None:
    """Drop keys at once, and again once the change commits: a request served in between may have read the old
    rows and cached them again."""
    if not keys:
        return

    def drop():
        for each in caches:
            each.delete_many(keys)

    drop()
    transaction.on_commit(drop)
