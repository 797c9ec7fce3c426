"""One token for everything the shop shows of its catalog, so cached catalog pages know when they are stale.

Any change to a product or category through the ORM starts a new token (catalog.receivers, and CatalogQuerySet
for bulk writes); the token also lapses after LIFETIME seconds, which bounds how long a change made around the
ORM, or seen only by another process's local-memory cache, can go unnoticed.
"""

import uuid

from django.core.cache import cache
from django.db import transaction

KEY = "catalog:version"
LIFETIME = 30  # seconds


def catalog_version() -> str:
    return cache.get_or_set(KEY, lambda: uuid.uuid4().hex, LIFETIME)


def forget_catalog_version() -> None:
    """Start a new token now, and again once the change commits (a page drawn in between may show the old data)."""
    cache.delete(KEY)
    transaction.on_commit(lambda: cache.delete(KEY))
