from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from subscriptions.generation import generate_subscription_orders


class Command(BaseCommand):
    help = "Create the orders of every subscription due on a date (default: tomorrow). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Delivery date, YYYY-MM-DD (default: tomorrow).")

    def handle(self, *args, **options):
        if options["date"]:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(f"--date must look like 2026-12-01: {error}") from error
        else:
            day = timezone.localdate() + timedelta(days=1)
        report = generate_subscription_orders(day=day)
        self.stdout.write(self.style.SUCCESS(str(report)))
