"""Pages under load: gunicorn (2 × cores + 1 sync workers) on PostgreSQL, measured with wrk beside a trivial view.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/milkshop_bench REDIS_URL=redis://127.0.0.1:6379/2 \
        .venv/bin/python -m bench.pages

Builds a throwaway database (test_<name>) holding the demo shop scaled to 1,000 products and 10,000 orders,
serves it with production settings (Redis for the cache, sessions and task queue; the Redis database given is
emptied afterwards), and loads each page for a while from a second process (wrk, 10 connections). /ping — a Django
view that does nothing — runs in the same session as the ceiling; each page's ratio to it is printed. Then 10
customers check out concurrently through the real forms for a while. Last, the same pages drawn on every request
(kept pages bypassed: a visitor with a session; customers with CACHE_PERSONAL_PAGES off) show what a render costs.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import string
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

# The server and this process must share the secret: sessions made here are signed and hashed with it.
BENCH_SECRET_KEY = "bench-only-" + "k" * 60
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "milkshop.settings")
os.environ["SECRET_KEY"] = BENCH_SECRET_KEY

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).with_name("report.lua")
CUSTOMERS = 1_000
PRODUCTS = 1_000
ORDERS = 10_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def populate():
    """The demo shop, then enough catalog and order history to make the queries earn their keep."""
    from django.core.management import call_command

    from accounts.models import Address, User
    from catalog.models import Category, Product
    from delivery.models import DeliveryZone
    from orders.models import Order, OrderLine, OrderStatus, OrderStatusHistory

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    DeliveryZone.objects.filter(name="Bengaluru South").update(pincodes="560034 560004 560011 560029 560041 560047")
    categories = list(Category.objects.all())
    Product.objects.bulk_create(
        Product(
            name=f"Dairy product {n}",
            slug=f"dairy-product-{n}",
            category=categories[n % len(categories)],
            unit="500 ml",
            price=Decimal("30.00") + n % 50,
            stock=1_000_000,
            subscribable=n % 3 == 0,
            description="Fresh from the farm.",
        )
        for n in range(PRODUCTS - Product.objects.count())
    )
    Product.objects.update(stock=1_000_000)
    products = list(Product.objects.order_by("pk")[:200])
    users = User.objects.bulk_create(
        User(email=f"bench{n}@example.in", name=f"Bench Customer {n}", phone="+919800000000") for n in range(CUSTOMERS)
    )
    Address.objects.bulk_create(
        Address(
            user=user, line1="1 Bench Road", area="Koramangala", city="Bengaluru", pincode="560034", is_default=True
        )
        for user in users
    )
    day = timezone.localdate() - timedelta(days=30)
    orders = Order.objects.bulk_create(
        Order(
            user=users[n % CUSTOMERS],
            status=OrderStatus.DELIVERED,
            payment_status="SUCCESS",
            payment_method="CASH",
            total_amount=Decimal("0"),
            delivery_date=day + timedelta(days=n % 30),
            delivery_slot="MORNING",
            recipient_name=users[n % CUSTOMERS].name,
            address_line1="1 Bench Road",
            area="Koramangala",
            city="Bengaluru",
            pincode="560034",
        )
        for n in range(ORDERS)
    )
    lines = []
    for n, order in enumerate(orders):
        for k in range(3):
            product = products[(n + k * 7) % len(products)]
            lines.append(
                OrderLine(
                    order=order,
                    product=product,
                    product_name=product.name,
                    unit=product.unit,
                    unit_price=product.price,
                    qty=1 + k,
                    line_total=product.price * (1 + k),
                )
            )
    OrderLine.objects.bulk_create(lines, batch_size=5000)
    OrderStatusHistory.objects.bulk_create(
        (
            OrderStatusHistory(order=order, to_status=status)
            for order in orders
            for status in ("CREATED", "CONFIRMED", "DELIVERED")
        ),
        batch_size=5000,
    )
    return users


def wait_until_serving(base: str, timeout: float = 60.0) -> None:
    """Until /ping answers 200 (gunicorn binds its port before its workers have loaded the shop)."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/ping", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start serving within a minute")


def session_cookie(user) -> str:
    from importlib import import_module

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def start_server(env: dict, port: int, workers: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "milkshop.wsgi", f"--workers={workers}", f"--bind=127.0.0.1:{port}"]
    return subprocess.Popen(
        [*command, "--log-level=warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def wrk(url: str, seconds: int, connections: int, cookie: str | None) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(LUA), url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(next(line for line in output.splitlines() if line.startswith("{")))


def checkout_rate(base: str, customers: list, seconds: int) -> tuple[int, int, float]:
    """10 customers at once: add a product to the cart, check out (cash), again and again. Orders per second."""
    import requests

    from catalog.models import Product
    from delivery.slots import upcoming_slots

    slot = upcoming_slots()[0].key
    product_ids = list(Product.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)[:50])
    placed, failed = [0], Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def shop(user, address_id, cookie):
        http = requests.Session()
        page = http.get(f"{base}/", headers={"Cookie": cookie}, allow_redirects=False)
        token = re.search(r"csrftoken=([^;]+)", page.headers.get("Set-Cookie", "")).group(1)
        headers = {"Cookie": f"{cookie}; csrftoken={token}", "X-CSRFToken": token}
        n = 0
        while time.monotonic() < deadline:
            n += 1
            http.post(
                f"{base}/cart/add/{product_ids[n % len(product_ids)]}/",
                data={"qty": 1},
                headers=headers,
                allow_redirects=False,
            )
            answer = http.post(
                f"{base}/checkout/",
                data={"address": address_id, "slot": slot, "method": "CASH"},
                headers=headers,
                allow_redirects=False,
            )
            with lock:
                if answer.status_code == 302 and "/orders/" in answer.headers.get("Location", ""):
                    placed[0] += 1
                else:
                    failed[f"{answer.status_code} {answer.headers.get('Location', '')}".strip()] += 1

    threads = [threading.Thread(target=shop, args=customer) for customer in customers]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return placed[0], failed, placed[0] / (time.monotonic() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="load per page (default 10)")
    parser.add_argument("--connections", type=int, default=10, help="concurrent connections (default 10)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench.pages measures the production setup: set DATABASE_URL to a PostgreSQL database.")
    if not settings.REDIS_URL:
        sys.exit("bench.pages measures the production setup: set REDIS_URL to a Redis database it may empty.")
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")

    old_config = setup_databases(verbosity=0, interactive=False)
    server = None
    try:
        started = time.perf_counter()
        users = populate()
        from catalog.models import Product
        from orders.models import Order

        bench_user = users[0]
        order = Order.objects.filter(user=bench_user).first()
        # A signed-in browser also carries the CSRF cookie it was given on the log-in page.
        csrf_secret = get_random_string(32, string.ascii_letters + string.digits)
        cart_cookie = f"{session_cookie(bench_user)}; {settings.CSRF_COOKIE_NAME}={csrf_secret}"
        from cart.models import Cart
        from cart.services import cart_add_item

        cart = Cart.objects.create(user=bench_user)
        for product in Product.objects.order_by("pk")[:5]:
            cart_add_item(cart=cart, product=product, qty=1)
        product = Product.objects.order_by("pk").first()
        set_up = time.perf_counter() - started

        db = connection.settings_dict
        workers = 2 * os.cpu_count() + 1
        port = free_port()
        env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": BENCH_SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "EMAIL_HOST": "localhost",
            "SECURE_SSL_REDIRECT": "false",
            "DELIVERY_SLOT_CAPACITY": "1000000",
            "DATABASE_URL": f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        }
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
        )
        server = start_server(env, port, workers)
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(base)

        pages = [
            ("trivial view (/ping)", "/ping", None),
            ("catalog", "/", None),
            ("catalog, filtered", "/?category=milk&in_stock=on&q=milk", None),
            ("product", product.get_absolute_url(), None),
            ("cart (signed in)", "/cart/", cart_cookie),
            ("order detail (signed in)", order.get_absolute_url(), cart_cookie),
        ]

        def measure(base: str, pages: list) -> list:
            results = []
            for label, path, cookie in pages:
                wrk(base + path, 3, args.connections, cookie)  # warm-up: every worker loads templates and connections
                results.append((label, wrk(base + path, args.seconds, args.connections, cookie)))
            return results

        results = measure(base, pages)
        ceiling = results[0][1]["rps"]

        customers = []
        for user in users[1:11]:
            customers.append((user, user.addresses.get().pk, session_cookie(user)))
        placed, failed, rate = checkout_rate(base, customers, args.seconds)

        # The same pages drawn on every request: a visitor with a session, and customers with kept pages off.
        stop_server(server)
        server = start_server({**env, "CACHE_PERSONAL_PAGES": "false"}, port, workers)
        wait_until_serving(base)
        results += measure(
            base,
            [
                ("catalog (drawn every time)", "/", f"{settings.SESSION_COOKIE_NAME}=none"),
                ("cart (drawn every time)", "/cart/", cart_cookie),
                ("order (drawn every time)", order.get_absolute_url(), cart_cookie),
            ],
        )

        print(
            f"machine: {os.cpu_count()} cores, gunicorn {workers} sync workers, PostgreSQL {connection.pg_version // 10000}, "
            f"{Product.objects.count():,} products, {Order.objects.count():,} orders (set-up {set_up:.0f} s)"
        )
        print(f"wrk -t2 -c{args.connections} -d{args.seconds}s per page\n")
        print(f"{'page':<28} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'vs ceiling':>11} {'errors':>7}")
        for label, result in results:
            ratio = result["rps"] / ceiling
            print(
                f"{label:<28} {result['rps']:>8.0f} {result['p50']:>8.1f} {result['p95']:>8.1f} {ratio:>10.0%} {result['errors'] + result['non2xx']:>7}"
            )
        refused = ", ".join(f"{count} × {what}" for what, count in failed.most_common(3)) or "none"
        print(f"\ncheckout, 10 customers at once: {rate:.1f} orders/s ({placed} placed; not placed: {refused})")
    finally:
        if server is not None:
            stop_server(server)
        connection.close()
        teardown_databases(old_config, verbosity=0)
        from django.core.cache import cache

        cache.clear()
    return 0


if __name__ == "__main__":
    sys.exit(main())
