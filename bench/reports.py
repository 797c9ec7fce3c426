"""How fast the staff reports page is with a big shop: N orders (100,000 by default) over 120 days, with their lines,
deliveries, subscriptions and events, then the page's queries and render timed for 30 and 365 days.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/milkshop_bench .venv/bin/python -m bench.reports 100000

Runs against a fresh throwaway database (test_<name>), created and dropped around the run.
"""

import argparse
import os
import random
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "milkshop.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_databases,
    setup_test_environment,
    teardown_databases,
)
from django.utils import timezone  # noqa: E402

DAYS = 120
BATCH = 5000


@contextmanager
def stamped_by_hand(*models):
    """Let bulk_create keep the created_at given (the shop's history), instead of stamping every row now."""
    fields = [model._meta.get_field("created_at") for model in models]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field in fields:
            field.auto_now_add = True


def populate(count: int, seed: int = 7) -> None:
    from django.contrib.auth.models import Group

    from accounts.models import RIDERS_GROUP, User
    from analytics.models import AnalyticsEvent, EventType
    from catalog.models import Category, Product
    from delivery.models import Delivery, DeliveryStatus, DeliveryZone, FailureReason
    from orders.models import Order, OrderLine, OrderStatus
    from subscriptions.models import Subscription, SubscriptionStatus, SubscriptionStatusHistory

    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    zone = DeliveryZone.objects.create(name="Bench zone", pincodes="560034")
    category = Category.objects.create(name="Dairy", slug="dairy")
    products = Product.objects.bulk_create(
        Product(
            name=f"Product {n}",
            slug=f"product-{n}",
            category=category,
            unit="500 ml",
            price=Decimal(20 + 5 * n),
            stock=10**6,
        )
        for n in range(20)
    )
    riders_group, _ = Group.objects.get_or_create(name=RIDERS_GROUP)
    riders = User.objects.bulk_create(User(email=f"rider{n}@example.in", name=f"Rider {n}") for n in range(20))
    riders_group.user_set.add(*riders)

    def moment(days_ago: int):
        return now - timedelta(days=days_ago, seconds=rng.randrange(86400))

    customers = max(count // 20, 100)
    with stamped_by_hand(User, Order, Subscription, SubscriptionStatusHistory):
        users = User.objects.bulk_create(
            (
                User(email=f"bench{n}@example.in", name=f"Customer {n}", created_at=moment(rng.randrange(DAYS + 200)))
                for n in range(customers)
            ),
            batch_size=BATCH,
        )
        statuses = [
            (OrderStatus.DELIVERED, 70),
            (OrderStatus.CANCELLED, 9),
            (OrderStatus.CONFIRMED, 8),
            (OrderStatus.CREATED, 3),
            (OrderStatus.PACKED, 3),
            (OrderStatus.OUT_FOR_DELIVERY, 5),
            (OrderStatus.RETURNED, 2),
        ]
        population, weights = zip(*statuses, strict=True)
        for start in range(0, count, BATCH):
            orders, lines, deliveries = [], [], []
            for n in range(start, min(start + BATCH, count)):
                created = moment(rng.randrange(DAYS))
                status = rng.choices(population, weights)[0]
                chosen = rng.sample(products, rng.randint(1, 3))
                qtys = [rng.randint(1, 4) for _ in chosen]
                order = Order(
                    number=f"MS-B{n:07d}",
                    user=users[rng.randrange(customers)],
                    status=status,
                    total_amount=sum(
                        (product.price * qty for product, qty in zip(chosen, qtys, strict=True)), Decimal("0.00")
                    ),
                    delivery_date=timezone.localdate(created) + timedelta(days=1),
                    delivery_slot="MORNING",
                    zone=zone,
                    recipient_name="Bench",
                    address_line1="1 Bench Road",
                    area="Koramangala",
                    city="Bengaluru",
                    pincode="560034",
                    created_at=created,
                )
                orders.append(order)
                lines.append([(product, qty) for product, qty in zip(chosen, qtys, strict=True)])
            orders = Order.objects.bulk_create(orders)
            OrderLine.objects.bulk_create(
                OrderLine(
                    order=order,
                    product=product,
                    product_name=product.name,
                    unit=product.unit,
                    unit_price=product.price,
                    qty=qty,
                    line_total=product.price * qty,
                )
                for order, order_lines in zip(orders, lines, strict=True)
                for product, qty in order_lines
            )
            for order in orders:
                if order.status == OrderStatus.CREATED:
                    continue
                delivery_status, reason = {
                    OrderStatus.DELIVERED: (DeliveryStatus.DELIVERED, ""),
                    OrderStatus.RETURNED: (DeliveryStatus.DELIVERED, ""),
                    OrderStatus.OUT_FOR_DELIVERY: (DeliveryStatus.IN_TRANSIT, ""),
                    OrderStatus.CANCELLED: rng.choice(
                        [(DeliveryStatus.CANCELLED, ""), (DeliveryStatus.FAILED, rng.choice(FailureReason.values))]
                    ),
                }.get(order.status, (DeliveryStatus.ASSIGNED, ""))
                deliveries.append(
                    Delivery(
                        order=order,
                        user_id=order.user_id,
                        delivery_date=order.delivery_date,
                        slot="MORNING",
                        zone=zone,
                        rider=rng.choice(riders),
                        status=delivery_status,
                        failure_reason=reason,
                        tracking_token=f"bench-{order.pk}",
                    )
                )
            Delivery.objects.bulk_create(deliveries)
            AnalyticsEvent.objects.bulk_create(
                AnalyticsEvent(
                    event_type=EventType.ORDER_PLACED, user_id=order.user_id, order=order, timestamp=order.created_at
                )
                for order in orders
            )
        subscriptions = Subscription.objects.bulk_create(
            (
                Subscription(
                    user=users[n],
                    product=products[n % 20],
                    start_date=today - timedelta(days=DAYS),
                    zone=zone,
                    status=rng.choices(list(SubscriptionStatus), [80, 8, 12])[0],
                    created_at=moment(rng.randrange(DAYS + 60)),
                )
                for n in range(customers)
            ),
            batch_size=BATCH,
        )
        history = []
        for subscription in subscriptions:
            history.append(
                SubscriptionStatusHistory(
                    subscription=subscription, to_status="ACTIVE", created_at=subscription.created_at
                )
            )
            if subscription.status != SubscriptionStatus.ACTIVE:
                changed = subscription.created_at + (now - subscription.created_at) * rng.random()
                history.append(
                    SubscriptionStatusHistory(
                        subscription=subscription,
                        from_status="ACTIVE",
                        to_status=subscription.status,
                        created_at=changed,
                    )
                )
        SubscriptionStatusHistory.objects.bulk_create(history, batch_size=BATCH)


def timed(function, repeat: int = 3):
    """The best of a few runs (the first warms the database's caches), and the queries of the last."""
    best = None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = function()
            seconds = time.perf_counter() - started
        best = seconds if best is None else min(best, seconds)
    return result, best, len(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", type=int, nargs="?", default=100_000, help="orders (default 100,000)")
    args = parser.parse_args()

    from django.test import Client

    from accounts.models import User
    from analytics.selectors import report_for
    from orders.models import Order, OrderLine

    setup_test_environment()  # the test client's host and a quiet email backend
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        started = time.perf_counter()
        populate(args.count)
        populate_seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")

        today = timezone.localdate()
        staff = User.objects.create(email="staff@example.in", name="Staff", is_staff=True)
        client = Client()
        client.force_login(staff)
        print(f"database              {connection.vendor} ({connection.settings_dict['NAME']})")
        print(
            f"orders                {Order.objects.count():,} over {DAYS} days, {OrderLine.objects.count():,} lines (set-up {populate_seconds:.1f} s)"
        )
        for days in (30, 365):
            start = today - timedelta(days=days - 1)
            report, query_seconds, queries = timed(lambda start=start: report_for(start=start, end=today))
            in_range = sum(row["orders"] for row in report.tables["orders-per-day"].rows)
            url = f"/staff/reports/?start={start.isoformat()}&end={today.isoformat()}"
            response, page_seconds, page_queries = timed(lambda url=url: client.get(url))
            assert response.status_code == 200, response.status_code
            print(
                f"report, {days:>3} days       {in_range:>7,} orders in range: queries {query_seconds * 1000:6.0f} ms "
                f"({queries} queries); whole page {page_seconds * 1000:6.0f} ms ({page_queries} queries, {len(response.content) / 1024:.0f} KiB)"
            )
    finally:
        teardown_databases(old_config, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
