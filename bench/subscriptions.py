"""How fast the nightly subscription run is: N active subscriptions → orders per second and peak memory.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/milkshop_bench .venv/bin/python -m bench.subscriptions 10000

Runs against a fresh throwaway database (test_<name>), created and dropped around the run.
"""

import argparse
import os
import sys
import time
import tracemalloc
from datetime import timedelta
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "milkshop.settings")
# A dairy with this many subscribers runs slots that hold them all; capacity is still checked per order.
os.environ.setdefault("DELIVERY_SLOT_CAPACITY", "1000000")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402


def populate(count: int):
    from accounts.models import Address, User
    from catalog.models import Category, Product
    from delivery.models import DeliveryZone
    from payments.models import Wallet, WalletEntry, WalletEntryKind
    from subscriptions.models import Frequency, Subscription

    zone = DeliveryZone.objects.create(name="Bench zone", pincodes="560034")
    category = Category.objects.create(name="Milk", slug="milk")
    products = Product.objects.bulk_create(
        Product(
            name=f"Milk {n}",
            slug=f"milk-{n}",
            category=category,
            unit="1 L",
            price=Decimal("60.00"),
            perishable=True,
            daily_supply=10**6,
            subscribable=True,
        )
        for n in range(20)
    )
    users = User.objects.bulk_create(
        User(email=f"bench{n}@example.in", name=f"Customer {n}", phone="+919800000000") for n in range(count)
    )
    addresses = Address.objects.bulk_create(
        Address(
            user=user, line1="1 Bench Road", area="Koramangala", city="Bengaluru", pincode="560034", is_default=True
        )
        for user in users
    )
    wallets = Wallet.objects.bulk_create(Wallet(user=user) for user in users)
    WalletEntry.objects.bulk_create(
        WalletEntry(wallet=wallet, kind=WalletEntryKind.TOPUP, amount=Decimal("5000.00")) for wallet in wallets
    )
    start = timezone.localdate() + timedelta(days=2)
    frequencies = [Frequency.DAILY, Frequency.DAILY, Frequency.ALTERNATE_DAYS, Frequency.WEEKLY]
    Subscription.objects.bulk_create(
        Subscription(
            user=user,
            product=products[n % len(products)],
            qty=1 + n % 2,
            frequency=frequencies[n % 4] if n % 4 != 3 else Frequency.WEEKLY,
            weekdays=0b1111111 if n % 4 == 3 else 0,
            start_date=start,
            slot="MORNING",
            address=address,
            zone=zone,
            payment_method="WALLET" if n % 3 else "CASH",
        )
        for n, (user, address) in enumerate(zip(users, addresses, strict=True))
    )
    return start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", type=int, nargs="?", default=10_000, help="active subscriptions (default 10,000)")
    parser.add_argument("--chunk-size", type=int, default=500)
    args = parser.parse_args()

    from subscriptions.generation import generate_subscription_orders

    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        started = time.perf_counter()
        day = populate(args.count)
        populate_seconds = time.perf_counter() - started

        started = time.perf_counter()
        report = generate_subscription_orders(day=day, chunk_size=args.chunk_size)
        seconds = time.perf_counter() - started

        # Memory is traced on the next day's run: tracing slows Python down too much to time the same run.
        tracemalloc.start()
        next_day = generate_subscription_orders(day=day + timedelta(days=1), chunk_size=args.chunk_size)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        started = time.perf_counter()
        again = generate_subscription_orders(day=day, chunk_size=args.chunk_size)
        rerun_seconds = time.perf_counter() - started

        print(f"database              {connection.vendor} ({connection.settings_dict['NAME']})")
        print(f"subscriptions         {args.count:,} (set-up {populate_seconds:.1f} s)")
        print(
            f"orders created        {report.created:,}  (missed: {sum(report.missed.values())}, failed: {report.failed})"
        )
        print(f"generation time       {seconds:.2f} s")
        print(f"orders per second     {report.created / seconds:,.0f}")
        print(f"peak Python memory    {peak / 2**20:.1f} MiB (traced over the next day's {next_day.created:,} orders)")
        print(f"second run            {again.created} created, {again.already:,} already there, {rerun_seconds:.2f} s")
    finally:
        teardown_databases(old_config, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
