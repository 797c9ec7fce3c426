from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from accounts.groups import staff_group_grant_permissions

        post_migrate.connect(staff_group_grant_permissions, sender=self)
