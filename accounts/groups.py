from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission

from accounts.models import STAFF_GROUP

# Apps whose models the shop's staff run from the admin.
STAFF_MANAGED_APPS = (
    "accounts",
    "catalog",
    "cart",
    "orders",
    "payments",
    "subscriptions",
    "delivery",
    "containers",
    "notifications",
    "analytics",
    "billing",
)


def staff_group_grant_permissions(**kwargs) -> None:
    """Give the Staff group every permission on the shop's own models (after each migrate)."""
    group, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    installed = [label for label in STAFF_MANAGED_APPS if global_apps.is_installed(label)]
    group.permissions.add(*Permission.objects.filter(content_type__app_label__in=installed))
