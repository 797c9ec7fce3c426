"""Redis unreachable: the shop, served by gunicorn with REDIS_URL pointing at a port nothing listens on.

With REDIS_URL set, Redis is both the cache and the task queue. The cache fails soft (milkshop/cache.py): pages,
log-in and sign-up keep working without it. A task enqueued while Redis is down must not vanish: it is held in the
database with an error in the log (milkshop/taskqueue), and sent once Redis is back.
"""

import re

import pytest

from accounts.models import User
from catalog.tests.factories import ProductFactory
from delivery.slots import upcoming_slots
from milkshop.taskqueue.models import HeldTask
from milkshop.taskqueue.services import release_held_tasks
from milkshop.tests.test_task_worker import database_url_for_tests
from orders.models import Order
from orders.tests.factories import cart_with, customer_with_address, delivery_zone
from payments.models import PaymentMethod
from reliability.tests.processes import WebServer, free_port, set_password_for_servers, shop_env
from reliability.tests.web import anonymous_browser, browser_logged_in, csrf_token_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def dead_redis_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"  # a free port: connections are refused at once


@pytest.fixture
def shop_without_redis(tmp_path, dead_redis_url):
    env = shop_env(DATABASE_URL=database_url_for_tests(), REDIS_URL=dead_redis_url, LOG_FORMAT="text")
    with WebServer(env, tmp_path / "web.log", workers=2) as web:
        yield web


def test_pages_log_in_and_cart_keep_working_without_redis(shop_without_redis):
    web = shop_without_redis
    delivery_zone()
    product = ProductFactory(name="Toned Milk", slug="toned-milk", stock=30)
    customer = customer_with_address(email="redisless@example.in")
    set_password_for_servers(customer)

    visitor = anonymous_browser(web.url)
    assert "Toned Milk" in visitor.get("/").text
    assert visitor.get("/products/toned-milk/").status_code == 200
    assert visitor.post(f"/cart/add/{product.pk}/", {"qty": 2}).status_code == 302
    cart = visitor.get("/cart/")
    assert cart.status_code == 200
    assert "Toned Milk" in cart.text

    shopper = browser_logged_in(web.url, customer.email)  # allauth's rate limits live in the cache
    for page in ("/cart/", "/orders/", "/account/profile/", "/subscriptions/", "/payments/wallet/"):
        assert shopper.get(page).status_code == 200, page

    health = visitor.get("/healthz")
    assert health.status_code == 503  # monitoring sees the outage
    assert health.json() == {"database": "ok", "queue": "error"}
    log = web.log_text()
    assert "Cache unreachable" in log
    assert " 500 " not in log


def enqueue_errors(log: str) -> list[str]:
    """The ERROR records whose traceback shows an enqueue (async_task) refused by Redis."""
    records = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ )", log)
    return [r for r in records if " ERROR " in r[:40] and "async_task" in r and "redis.exceptions.ConnectionError" in r]


def test_tasks_enqueued_while_redis_is_down_are_held_logged_and_sent_once_it_is_back(shop_without_redis, mailoutbox):
    """A sign-up and a checkout each enqueue tasks after their transaction commits: the customer gets the usual
    answer, each refused task is an ERROR in the log and a held task in the database, and releasing them (what the
    every-minute schedule does once Redis answers) runs them: the welcome email goes out."""
    web = shop_without_redis
    delivery_zone()
    product = ProductFactory(stock=10)
    customer = customer_with_address(email="checkout-without-redis@example.in")
    set_password_for_servers(customer)
    cart_with(customer, (product, 2))

    visitor = anonymous_browser(web.url)
    page = visitor.get("/accounts/signup/")
    signup = visitor.session.post(
        visitor.url("/accounts/signup/"),
        data={
            "csrfmiddlewaretoken": csrf_token_in(page.text),
            "email": "queued@example.in",
            "name": "Queue Less",
            "password1": "a-long-sign-up-password",
            "password2": "a-long-sign-up-password",
        },
        allow_redirects=False,
        timeout=30,
    )
    assert signup.status_code == 302
    assert User.objects.filter(email="queued@example.in").exists()
    held_after_signup = HeldTask.objects.count()
    assert held_after_signup >= 2  # the welcome email and the analytics event at least
    assert len(enqueue_errors(web.log_text())) == held_after_signup, web.log_text()[-4000:]

    shopper = browser_logged_in(web.url, customer.email)
    slot = upcoming_slots()[0]
    address = customer.addresses.get()
    checkout = shopper.post("/checkout/", {"address": address.pk, "slot": slot.key, "method": PaymentMethod.CASH})
    order = Order.objects.get(user=customer)
    assert checkout.status_code == 302
    assert checkout.headers["Location"] == order.get_absolute_url()
    assert order.lines.get().qty == 2
    held = HeldTask.objects.count()
    assert held > held_after_signup
    assert len(enqueue_errors(web.log_text())) == held
    assert " 500 " not in web.log_text()

    assert release_held_tasks() == held  # this process's broker is up (tests run tasks at once)
    assert not HeldTask.objects.exists()
    assert [message.to for message in mailoutbox if "queued@example.in" in message.to] == [["queued@example.in"]]
