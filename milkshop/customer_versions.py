"""One version token per customer for everything their own pages show, so cached copies know when they are stale.

A customer's pages show their cart, orders, payments, refunds, deliveries, containers and deposits, and their name
in the header. Every write to a row of those models (OWNERS) renews the token of the customer the row belongs to:
single rows through signals (connect_receivers, from MilkshopConfig.ready), bulk writes through OwnedQuerySet.
Tokens live in the shared cache and lapse after LIFETIME seconds, which bounds how long a change made around the
ORM can go unnoticed. Only while CACHE_PERSONAL_PAGES is on (see milkshop.page_cache): otherwise nothing reads them
and they cost nothing.
"""

from collections.abc import Iterable

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models.signals import post_delete, post_save

from milkshop.invalidation import drop_now_and_on_commit, version_token

LIFETIME = 300  # seconds
# Model label: the lookup from one of its rows to the customer (user id) it belongs to; at most one relation deep.
OWNERS = {
    "accounts.User": "pk",
    "cart.Cart": "user_id",
    "cart.CartItem": "cart__user_id",
    "orders.Order": "user_id",
    "orders.OrderLine": "order__user_id",
    "orders.OrderStatusHistory": "order__user_id",
    "payments.Payment": "user_id",
    "payments.Refund": "payment__user_id",
    "delivery.Delivery": "user_id",
    "delivery.DeliveryStatusHistory": "delivery__user_id",
    "containers.ContainerBalance": "user_id",
    "containers.ContainerMovement": "user_id",
    "containers.OrderDeposit": "order__user_id",
    "containers.DepositRelease": "user_id",
    "billing.BillingAccount": "user_id",
    "billing.LedgerEntry": "account__user_id",
    "billing.Statement": "account__user_id",
    "billing.TaxDocument": "user_id",
}


def _key(user_id) -> str:
    return f"customer:{user_id}:version"


def customer_version(user_id: int) -> str:
    return version_token(_key(user_id), LIFETIME)


def customer_pages_changed(user_ids: Iterable[int | None]) -> None:
    if settings.CACHE_PERSONAL_PAGES:
        drop_now_and_on_commit([_key(user_id) for user_id in set(user_ids) if user_id is not None])


def _owners_of(model, rows: list) -> set[int | None]:
    """The customers these unsaved-or-saved rows belong to, in at most one query."""
    path = OWNERS[model._meta.label]
    if "__" not in path:
        return {getattr(row, path) for row in rows}
    relation, owner_field = path.split("__")
    related_model = model._meta.get_field(relation).related_model
    ids = {getattr(row, f"{relation}_id") for row in rows}
    return set(related_model._default_manager.filter(pk__in=ids).values_list(owner_field, flat=True))


def _owner_of(row) -> int | None:
    path = OWNERS[row._meta.label]
    if "__" not in path:
        return getattr(row, path)
    relation, owner_field = path.split("__")
    try:
        return getattr(getattr(row, relation), owner_field)
    except ObjectDoesNotExist:  # the parent went first (a cascade): its own signal renewed the token
        return None


class OwnedQuerySet(models.QuerySet):
    """Bulk writes send no signals, so they renew their customers' tokens themselves."""

    def update(self, **kwargs):
        owners = (
            set(self.values_list(OWNERS[self.model._meta.label], flat=True)) if settings.CACHE_PERSONAL_PAGES else ()
        )
        rows = super().update(**kwargs)
        customer_pages_changed(owners)
        return rows

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        if settings.CACHE_PERSONAL_PAGES:
            customer_pages_changed(_owners_of(self.model, created))
        return created


def _row_changed(sender, instance, **kwargs) -> None:
    if settings.CACHE_PERSONAL_PAGES:
        customer_pages_changed([_owner_of(instance)])


def connect_receivers() -> None:
    for label in OWNERS:
        model = apps.get_model(label)
        post_save.connect(_row_changed, sender=model, dispatch_uid=f"customer_versions:save:{label}")
        post_delete.connect(_row_changed, sender=model, dispatch_uid=f"customer_versions:delete:{label}")
