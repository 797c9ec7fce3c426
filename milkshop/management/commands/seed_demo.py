from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, demo_users_ensure
from billing.demo import demo_monthly_account_ensure
from catalog.demo import demo_catalog_ensure
from delivery.demo import demo_deliveries_ensure, demo_riders_ensure, demo_zones_ensure
from subscriptions.demo import demo_subscriptions_ensure


class Command(BaseCommand):
    help = "Load the demo shop: logins, catalog, delivery zones, subscriptions, a funded wallet and a monthly account. Safe to run again."

    def handle(self, *args, **options):
        with transaction.atomic():
            logins = demo_users_ensure()
            products_added = demo_catalog_ensure()
            demo_zones_ensure()
            demo_subscriptions_ensure()
            more_logins = demo_riders_ensure() + demo_monthly_account_ensure()
            deliveries_added = demo_deliveries_ensure()
        self.stdout.write(self.style.SUCCESS(f"Demo data is ready ({products_added} products added)."))
        self.stdout.write(f"Today's demo deliveries: {deliveries_added} added.")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.role:<9} {login.email}")
        for role, email in more_logins:
            self.stdout.write(f"  {role:<9} {email}")
