from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from accounts import receivers  # noqa: F401
        from accounts.groups import staff_group_grant_permissions

        # Not limited to this app: the shop's other apps create their permissions after it.
        post_migrate.connect(staff_group_grant_permissions, dispatch_uid="accounts.staff_group_permissions")
