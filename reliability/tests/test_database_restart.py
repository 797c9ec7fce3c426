"""The database restarts while customers are checking out.

A throwaway PostgreSQL cluster of the test's own (never the machine's shared one), migrated and seeded, behind
gunicorn. Four signed-in customers add milk and check out in a loop while /healthz is polled; mid-run the cluster
stops for a few seconds and starts again. Requests during the outage must fail cleanly and quickly (a 5xx page,
healthz 503), never hang; afterwards the same gunicorn workers must serve again by themselves (CONN_HEALTH_CHECKS
drops the dead connections); and the database must hold no partial checkout.
"""

import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import psycopg
import requests

from reliability.tests.processes import BASE_DIR, WebServer, manage, shop_env, throwaway_postgres
from reliability.tests.web import Browser, browser_logged_in

OUTAGE = 3.0  # seconds the database is down
REQUEST_TIMEOUT = 15  # a request still running after this is a hang
SEED = "import django, sys; django.setup(); from reliability.tests.seeding import seed_shop; seed_shop(sys.argv[1])"


@dataclass
class Hit:
    path: str
    started: float
    finished: float
    status: int | None = None
    error: str = ""
    location: str = ""


class Traffic:
    """Customers shopping in threads, and a health probe, until stopped; every request is recorded."""

    def __init__(self, web: WebServer, browsers: list[Browser], facts: dict):
        self.web = web
        self.hits: list[Hit] = []
        self.health: list[Hit] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._shop, args=(browser, customer, facts), daemon=True)
            for browser, customer in zip(browsers, facts["customers"], strict=True)
        ]
        self.threads.append(threading.Thread(target=self._probe, daemon=True))

    def _call(self, send, path: str) -> Hit:
        hit = Hit(path=path, started=time.monotonic(), finished=0.0)
        try:
            response = send()
            hit.status = response.status_code
            hit.location = response.headers.get("Location", "")
        except requests.RequestException as error:
            hit.error = f"{type(error).__name__}: {error}"
        hit.finished = time.monotonic()
        return hit

    def _shop(self, browser: Browser, customer: dict, facts: dict) -> None:
        form = {"address": customer["address_id"], "slot": facts["slot"], "method": "CASH"}
        add = f"/cart/add/{facts['product_id']}/"
        while not self._stop.is_set():
            for path, data in ((add, {"qty": 1}), ("/checkout/", form)):
                hit = self._call(lambda p=path, d=data: browser.post(p, d, timeout=REQUEST_TIMEOUT), path)
                with self._lock:
                    self.hits.append(hit)
            time.sleep(0.02)

    def _probe(self) -> None:
        url = f"{self.web.url}/healthz"
        while not self._stop.is_set():
            self.health.append(self._call(lambda: requests.get(url, timeout=REQUEST_TIMEOUT), "/healthz"))
            time.sleep(0.1)

    def __enter__(self) -> "Traffic":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self.threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)

    def healthy_since(self, moment: float) -> float | None:
        return next((h.started for h in self.health if h.started > moment and h.status == 200), None)


def wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def scalar(connection, sql: str):
    return connection.execute(sql).fetchone()[0]


def test_the_shop_fails_cleanly_while_the_database_restarts_and_recovers_by_itself(tmp_path):
    with throwaway_postgres() as cluster:
        database_url = cluster.create_database("milkshop")
        env = shop_env(DATABASE_URL=database_url, DELIVERY_SLOT_CAPACITY="1000000", LOG_FORMAT="text")
        manage("migrate", "--noinput", env=env)
        subprocess.run([sys.executable, "-c", SEED, str(tmp_path / "facts.json")], cwd=BASE_DIR, env=env, check=True)
        facts = json.loads((tmp_path / "facts.json").read_text())

        with WebServer(env, tmp_path / "web.log", workers=3) as web:
            browsers = [browser_logged_in(web.url, customer["email"]) for customer in facts["customers"]]
            with Traffic(web, browsers, facts) as traffic:
                time.sleep(2)
                cluster.stop(mode="fast")
                down = time.monotonic()
                time.sleep(OUTAGE)
                restarting = time.monotonic()
                cluster.start()
                up = time.monotonic()
                assert wait_until(lambda: traffic.healthy_since(up), timeout=20), "healthz never recovered"
                healthy = traffic.healthy_since(up)
                time.sleep(3)
            server_log = web.log_text()

        with psycopg.connect(database_url) as db:
            invariants = {
                "orders": scalar(db, "SELECT count(*) FROM orders_order"),
                "orders without lines": scalar(
                    db,
                    "SELECT count(*) FROM orders_order o WHERE NOT EXISTS "
                    "(SELECT 1 FROM orders_orderline l WHERE l.order_id = o.id)",
                ),
                "orders without a payment": scalar(
                    db,
                    "SELECT count(*) FROM orders_order o WHERE NOT EXISTS "
                    "(SELECT 1 FROM payments_payment p WHERE p.order_id = o.id)",
                ),
                "orders without a delivery": scalar(
                    db,
                    "SELECT count(*) FROM orders_order o WHERE NOT EXISTS "
                    "(SELECT 1 FROM delivery_delivery d WHERE d.order_id = o.id)",
                ),
                "orders not confirmed": scalar(db, "SELECT count(*) FROM orders_order WHERE status <> 'CONFIRMED'"),
                "units sold": scalar(db, "SELECT coalesce(sum(qty), 0) FROM orders_orderline"),
                "stock": scalar(db, f"SELECT stock FROM catalog_product WHERE id = {facts['product_id']}"),
                "slot bookings": scalar(db, "SELECT coalesce(sum(booked), 0) FROM delivery_slotbooking"),
                "numbers": {row[0] for row in db.execute("SELECT number FROM orders_order")},
            }

    hits = traffic.hits + traffic.health
    context = f"\n--- server log (tail) ---\n{server_log[-5000:]}"
    # Nothing hangs and nothing breaks on the client's side of the wire.
    assert [h for h in hits if h.error] == [], context
    assert max(h.finished - h.started for h in hits) < REQUEST_TIMEOUT
    assert {h.status for h in hits} <= {200, 302, 500, 503}, context
    # During the outage every request fails, quickly, with a server error; healthz says 503.
    outage = [h for h in hits if h.started > down + 0.2 and h.finished < restarting]
    assert outage, "no request was made while the database was down"
    assert all(h.status in (500, 503) for h in outage), [(h.path, h.status) for h in outage]
    assert any(h.path == "/healthz" and h.status == 503 for h in outage)
    assert max(h.finished - h.started for h in outage) < 5
    # The same gunicorn workers recover by themselves, soon after the database is back.
    assert healthy - up < 10
    after = [h for h in traffic.hits if h.started > healthy + 1]
    assert after and all(h.status == 302 for h in after), [(h.path, h.status) for h in after if h.status != 302]
    placed = {
        h.location.split("/")[2] for h in traffic.hits if h.path == "/checkout/" and h.location.startswith("/orders/")
    }
    before = [h for h in traffic.hits if h.finished < down and h.path == "/checkout/" and h.status == 302]
    assert before and len(placed) > len(before)
    # No partial checkout: every order is whole, and stock and slot bookings add up.
    assert placed <= invariants["numbers"]
    assert invariants["orders without lines"] == 0
    assert invariants["orders without a payment"] == 0
    assert invariants["orders without a delivery"] == 0
    assert invariants["orders not confirmed"] == 0
    assert invariants["stock"] + invariants["units sold"] == facts["stock"]
    assert invariants["slot bookings"] == invariants["orders"]
