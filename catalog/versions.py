"""One token for everything the shop shows of its catalog, so cached catalog pages know when they are stale.

Any change to a product or category through the ORM starts a new token (catalog.receivers, and CatalogQuerySet
for bulk writes); the token also lapses after LIFETIME seconds, which bounds how long a change made around the
ORM, or seen only by another process's local-memory cache, can go unnoticed. Each process remembers the token
for a second (LOCAL_LIFETIME) so that the busiest pages need no cache round trip at all; a change made in another
process shows here within that second.
"""

from django.core.cache import cache, caches

from milkshop.invalidation import drop_now_and_on_commit, version_token

KEY = "catalog:version"
LIFETIME = 30  # seconds
LOCAL_LIFETIME = 1  # second


def catalog_version() -> str:
    """The token, with the delivery date the shop shows stock for: after the evening cutoff, pages show the next."""
    from catalog.models import next_delivery_date  # catalog.models imports this module

    local = caches["local"]
    version = local.get(KEY)
    if version is None:
        version = version_token(KEY, LIFETIME)
        local.set(KEY, version, LOCAL_LIFETIME)
    return f"{version}:{next_delivery_date().isoformat()}"


def forget_catalog_version() -> None:
    """Start a new token, here and in the shared cache."""
    drop_now_and_on_commit([KEY], caches=(caches["local"], cache))
