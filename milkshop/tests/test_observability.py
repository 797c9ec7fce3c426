"""Request ids, JSON request logs, request ids in task logs (inline and through a real worker), /metrics."""

import io
import json
import logging
import os
import re
import subprocess
import sys
import time
from functools import partial
from multiprocessing import Value

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.module_loading import import_string
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.monitor import monitor
from django_q.queues import Queue
from django_q.signing import SignedPackage
from django_q.tasks import async_task
from django_q.worker import worker
from prometheus_client.parser import text_string_to_metric_families

from accounts.models import User
from accounts.services import user_create
from accounts.tests.factories import UserFactory
from analytics.models import AnalyticsEvent
from catalog.tests.factories import ProductFactory
from milkshop.observability.context import request_id, request_id_set
from milkshop.tests.test_settings import PRODUCTION, manage
from milkshop.tests.test_task_worker import database_url_for_tests, wait_for
from milkshop.tests.threads import run_at_once
from notifications.models import Notification, NotificationStatus

pytestmark = pytest.mark.django_db

SIGNUP = {
    "name": "Kavya Rao",
    "email": "kavya@example.in",
    "phone": "9845012345",
    "password1": "fresh-milk-every-day",
    "password2": "fresh-milk-every-day",
}
RECORD_EVENT = "analytics.tasks.record_event"
WELCOME_EMAIL = "notifications.tasks.send_welcome_email"


def json_lines(text: str) -> list[dict]:
    """Every JSON object line of a log; other lines (a stray print, a warning) are skipped."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.fixture
def json_log():
    """The configured console handler (with its request-id filter) writing settings' JSON format to a buffer."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    buffer = io.StringIO()
    formatter, stream = handler.formatter, handler.setStream(buffer)
    handler.setFormatter(import_string(settings.LOGGING["formatters"]["json"]["()"])())
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    handler.setStream(stream)
    handler.setFormatter(formatter)


def request_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "milkshop.request"]


def task_lines(lines: list[dict], func: str) -> list[dict]:
    return [line for line in lines if line["logger"] == "milkshop.tasks" and line["func"] == func]


# Request logs and the request id


def test_a_request_logs_one_json_line_with_its_fields(client, json_log):
    ProductFactory()
    customer = UserFactory()
    client.force_login(customer)

    response = client.get(reverse("catalog:catalog"), headers={"X-Request-ID": "lb-7f3a-0001"})

    assert response.status_code == 200
    [line] = request_lines(json_log())
    assert line["level"] == "INFO"
    assert line["message"].startswith("GET / 200 ")
    assert line["method"] == "GET"
    assert line["path"] == "/"
    assert line["view"] == "catalog:catalog"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["user_id"] == customer.pk
    assert line["request_id"] == "lb-7f3a-0001"
    assert line["remote_addr"] == "127.0.0.1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])


def test_anonymous_and_unresolved_requests_are_logged_without_user(client, json_log):
    client.get("/no-such-page/", REMOTE_ADDR="203.0.113.9")

    [line] = request_lines(json_log())
    assert line["status"] == 404
    assert line["view"] == "unresolved"
    assert line["user_id"] is None
    assert line["remote_addr"] == "203.0.113.9"


def test_every_record_during_a_request_carries_its_id(client, json_log):
    # A 404 makes Django's own "django.request" logger warn inside the request.
    client.get("/products/no-such-product/", headers={"X-Request-ID": "trace-42"})

    lines = json_log()
    assert {line["logger"] for line in lines} >= {"django.request", "milkshop.request"}
    assert {line["request_id"] for line in lines} == {"trace-42"}
    assert request_id.get() is None  # and nothing is left behind once the request is over


def test_a_sane_incoming_request_id_is_echoed(client):
    response = client.get(reverse("healthz"), headers={"X-Request-ID": "Root=1-67891233-abcdef012345678912345678"})

    assert response["X-Request-ID"] == "Root=1-67891233-abcdef012345678912345678"


@pytest.mark.parametrize("incoming", [None, "", "has spaces", 'quote"s', "x" * 129, "-starts-with-dash", "new\nline"])
def test_a_missing_or_odd_request_id_is_replaced_by_a_fresh_one(client, json_log, incoming):
    headers = {} if incoming is None else {"X-Request-ID": incoming}

    first = client.get(reverse("healthz"), headers=headers)["X-Request-ID"]
    second = client.get(reverse("healthz"), headers=headers)["X-Request-ID"]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second
    assert [line["request_id"] for line in request_lines(json_log())] == [first, second]


def queries_for(path: str, *, middleware: list[str], user: User | None = None) -> list[str]:
    with override_settings(MIDDLEWARE=middleware):
        client = Client()
        if user:
            client.force_login(user)
        for cache in caches.all():
            cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("path", ["/", "/healthz"])  # /healthz never loads the user: logging must not either
def test_the_middleware_adds_no_queries_to_a_page(path, signed_in):
    ProductFactory.create_batch(3)
    user = UserFactory() if signed_in else None
    ours = "milkshop.observability.middleware.RequestObservabilityMiddleware"
    without = [name for name in settings.MIDDLEWARE if name != ours]
    assert len(without) == len(settings.MIDDLEWARE) - 1

    with_it = queries_for(path, middleware=settings.MIDDLEWARE, user=user)
    without_it = queries_for(path, middleware=without, user=user)

    assert len(with_it) == len(without_it)


# The request id in task logs


@pytest.mark.django_db(transaction=True)  # real commits: the sign-up's on_commit hooks run inside the request
def test_tasks_run_inline_log_the_request_id_and_leave_it_in_place(client, json_log):
    """Sync mode (tests): the tasks a sign-up enqueues run inside the request, and must not clear its id."""
    response = client.post(reverse("account_signup"), SIGNUP, headers={"X-Request-ID": "signup-0001"})

    assert response.status_code == 302
    lines = json_log()
    for func in (RECORD_EVENT, WELCOME_EMAIL):
        [line] = task_lines(lines, func)
        assert line["request_id"] == "signup-0001"
        assert line["outcome"] == "success"
    [request_line] = request_lines(lines)
    assert request_line["request_id"] == "signup-0001"
    assert request_line["user_id"] == User.objects.get(email="kavya@example.in").pk


def log_inside_task(word: str, pause: float = 0.0) -> None:
    """A task: the module path below is how django-q2 finds it."""
    time.sleep(pause)
    logging.getLogger("milkshop.tests.task").info("inside the task: %s", word)


LOG_INSIDE_TASK = "milkshop.tests.test_observability.log_inside_task"


def run_queued_tasks_in_this_process() -> None:
    """What a cluster does, with django-q2's own worker and monitor functions, minus the processes."""
    task_queue, result_queue = Queue(), Queue()
    broker = get_broker()
    while broker.queue_size():
        for _ack_id, package in broker.dequeue():
            task_queue.put(SignedPackage.loads(package))
    task_queue.put("STOP")
    worker(task_queue, result_queue, Value("f", -1))
    result_queue.put("STOP")
    with request_id_set(None):  # the monitor labels its own lines with the last task's id
        monitor(result_queue)


def test_the_request_id_travels_in_the_task_package_to_the_worker(json_log):
    with request_id_set("enqueued-in-request"):
        async_task(LOG_INSIDE_TASK, "first", sync=False)
    async_task(LOG_INSIDE_TASK, "second", sync=False)  # enqueued by no request
    assert request_id.get() is None

    run_queued_tasks_in_this_process()

    lines = json_log()
    inside = {line["message"]: line["request_id"] for line in lines if line["logger"] == "milkshop.tests.task"}
    assert inside == {"inside the task: first": "enqueued-in-request", "inside the task: second": None}
    assert [line["request_id"] for line in task_lines(lines, LOG_INSIDE_TASK)] == ["enqueued-in-request", None]
    assert request_id.get() is None


def test_tasks_run_inline_in_several_threads_at_once_keep_each_threads_request_id(json_log):
    def request_enqueuing_a_task(number: int):
        with request_id_set(f"thread-{number}"):
            async_task(LOG_INSIDE_TASK, f"from thread {number}", 0.05, save=False)  # sync mode: runs here, now
            return request_id.get()

    outcomes = run_at_once([partial(request_enqueuing_a_task, number) for number in range(6)])

    assert [outcome.error for outcome in outcomes] == [None] * 6
    assert [outcome.value for outcome in outcomes] == [f"thread-{number}" for number in range(6)]
    inside = {line["message"]: line["request_id"] for line in json_log() if line["logger"] == "milkshop.tests.task"}
    assert inside == {f"inside the task: from thread {number}": f"thread-{number}" for number in range(6)}


# /metrics


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    return client


def scrape(client) -> dict[tuple[str, frozenset], float]:
    response = client.get(reverse("metrics"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[sample.name, frozenset(sample.labels.items())] = sample.value
    return samples


def sample(samples, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_count_requests_by_resolved_view_method_and_status(client, staff_client):
    ProductFactory(slug="toned-milk")
    catalog_ok = {"view": "catalog:catalog", "method": "GET", "status": "200"}
    product_missing = {"view": "catalog:product", "method": "GET", "status": "404"}
    before = scrape(staff_client)

    client.get("/")
    client.get("/")
    client.get("/products/no-such-product/")
    client.get("/products/toned-milk/")
    after = scrape(staff_client)

    def grew(name, labels):
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert grew("milkshop_http_requests_total", catalog_ok) == 2
    assert grew("milkshop_http_requests_total", product_missing) == 1
    assert grew("milkshop_http_requests_total", {**product_missing, "status": "200"}) == 1
    assert grew("milkshop_http_request_duration_seconds_count", catalog_ok) == 2
    assert grew("milkshop_http_request_duration_seconds_bucket", {**catalog_ok, "le": "+Inf"}) == 2
    assert sample(after, "milkshop_http_request_duration_seconds_sum", **catalog_ok) > 0
    # Paths never become labels: the two product pages share one view label.
    assert not [labels for _name, labels in after if any(value.startswith("/") for _key, value in labels)]


def test_metrics_report_the_queue_length_when_scraped(staff_client):
    assert sample(scrape(staff_client), "milkshop_task_queue_length") == 0

    async_task(LOG_INSIDE_TASK, "one", sync=False)
    async_task(LOG_INSIDE_TASK, "two", sync=False)

    assert sample(scrape(staff_client), "milkshop_task_queue_length") == 2


def fail_inside_task() -> None:
    raise RuntimeError("the dairy is closed")


def test_metrics_count_tasks_by_function_and_outcome(staff_client, client, django_capture_on_commit_callbacks):
    before = scrape(staff_client)

    with django_capture_on_commit_callbacks(execute=True):  # sync mode: the sign-up's two tasks run inline
        client.post(reverse("account_signup"), SIGNUP)
    async_task("milkshop.tests.test_observability.fail_inside_task", sync=False)
    run_queued_tasks_in_this_process()
    after = scrape(staff_client)

    def grew(func, outcome):
        labels = {"func": func, "outcome": outcome}
        return sample(after, "milkshop_tasks_total", **labels) - sample(before, "milkshop_tasks_total", **labels)

    assert grew(RECORD_EVENT, "success") == 1
    assert grew(WELCOME_EMAIL, "success") == 1
    assert grew(RECORD_EVENT, "failure") == 0
    assert grew("milkshop.tests.test_observability.fail_inside_task", "failure") == 1


def test_metrics_are_hidden_from_anonymous_visitors_and_customers(client, settings):
    settings.METRICS_ALLOWED_IPS = []
    assert client.get(reverse("metrics")).status_code == 404
    assert client.get(reverse("metrics"), HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 404

    client.force_login(UserFactory())
    response = client.get(reverse("metrics"))

    assert response.status_code == 404
    assert b"milkshop_" not in response.content


def test_metrics_answer_staff(staff_client, settings):
    settings.METRICS_ALLOWED_IPS = []

    assert staff_client.get(reverse("metrics")).status_code == 200


def test_metrics_answer_allowed_addresses_and_networks_only(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.1.2.0/24", "2001:db8::7"]

    assert client.get(reverse("metrics"), REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get(reverse("metrics"), REMOTE_ADDR="2001:db8::7").status_code == 200
    assert client.get(reverse("metrics"), REMOTE_ADDR="10.1.3.3").status_code == 404
    assert client.get(reverse("metrics"), REMOTE_ADDR="127.0.0.1").status_code == 404


def test_metrics_access_and_log_format_defaults_follow_debug():
    show = "from django.conf import settings; print(settings.METRICS_ALLOWED_IPS, settings.LOG_FORMAT)"

    assert manage("shell", "-c", show).stdout.strip().splitlines()[-1] == "['127.0.0.1', '::1'] text"
    assert manage("shell", "-c", show, **PRODUCTION).stdout.strip().splitlines()[-1] == "[] json"


def test_production_logs_are_json_lines_on_stdout():
    result = manage(
        "shell", "-c", "import logging; logging.getLogger('milkshop.probe').warning('hello %s', 'world')", **PRODUCTION
    )

    [line] = [line for line in json_lines(result.stdout) if line["logger"] == "milkshop.probe"]
    assert line["message"] == "hello world"
    assert line["level"] == "WARNING"
    assert line["request_id"] is None
    assert "hello world" not in result.stderr


def test_a_malformed_allowed_address_stops_start_up():
    result = manage("check", METRICS_ALLOWED_IPS="10.0.0.1,not-an-address")

    assert result.returncode != 0
    assert "observability.E001" in result.stderr
    assert "not-an-address" in result.stderr


# Through a real worker process


@pytest.fixture
def json_worker(tmp_path, monkeypatch):
    """A `manage.py qcluster` on the test database, logging JSON, keeping metrics in a multiprocess dir."""
    monkeypatch.setattr(Conf, "SYNC", False)
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_tests(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "Q_WORKERS": "1",
        "LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        yield log_path, metrics_dir
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_logs_the_request_id_of_the_request_that_enqueued_its_tasks(json_worker, monkeypatch):
    log_path, metrics_dir = json_worker
    client = Client()
    response = client.post(reverse("account_signup"), SIGNUP, headers={"X-Request-ID": "edge-5150-signup"})
    assert response.status_code == 302
    user_create(email="offline@example.in", password="x-long-password", name="Not From A Request")

    def worker_lines() -> list[dict]:
        return json_lines(log_path.read_text())

    def finished(func: str, count: int) -> bool:
        return len(task_lines(worker_lines(), func)) == count

    assert wait_for(lambda: finished(RECORD_EVENT, 2) and finished(WELCOME_EMAIL, 2)), log_path.read_text()
    assert AnalyticsEvent.objects.count() == 2
    assert Notification.objects.filter(status=NotificationStatus.SENT).count() == 2

    lines = worker_lines()
    for func in (RECORD_EVENT, WELCOME_EMAIL):
        ids = sorted(line["request_id"] or "" for line in task_lines(lines, func))
        assert ids == ["", "edge-5150-signup"], f"{func}: {ids}"
    # django-q2's own "Processed" lines, written by the monitor process, carry it too.
    processed = [line for line in lines if line["logger"] == "django-q" and line["message"].startswith("Processed")]
    assert "edge-5150-signup" in {line["request_id"] for line in processed}

    # The worker's monitor counted the tasks in the multiprocess dir; /metrics in multiprocess mode adds them up.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
    staff = Client()
    staff.force_login(UserFactory(is_staff=True))

    def counted() -> dict:
        return scrape(staff)

    assert wait_for(lambda: sample(counted(), "milkshop_tasks_total", func=WELCOME_EMAIL, outcome="success") == 2)
    samples = counted()
    assert sample(samples, "milkshop_tasks_total", func=RECORD_EVENT, outcome="success") == 2
    assert sample(samples, "milkshop_task_queue_length") == 0
