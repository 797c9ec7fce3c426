"""A worker killed (SIGKILL) in the middle of a send: after a restart the message goes out, and is recorded, once.

Runs real `manage.py qcluster` processes on the test database, with Twilio's API stood in for on 127.0.0.1.
The stand-in holds the order confirmation's SMS request unanswered while the cluster is killed, as if the worker
died mid-request; Twilio never accepted that message.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_q.conf import Conf
from django_q.models import OrmQ, Schedule

from notifications.models import Channel, Notification, NotificationStatus
from notifications.tests.twilio_fake import FakeTwilio
from orders.tests.factories import customer_with_address, place_order

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT, RETRY = 5, 8  # seconds: a task is killed after TIMEOUT, redelivered RETRY after it was taken


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    return f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


class Cluster:
    """`manage.py qcluster` in its own process group, so that it can be killed whole, as a crash would."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log_path = env, log
        self.process = None

    def start(self) -> "Cluster":
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


REDIS_FOR_TESTS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/3"


@pytest.fixture
def twilio():
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


@pytest.fixture
def cluster_env(tmp_path, twilio, monkeypatch, request):
    broker = request.param
    monkeypatch.setattr(Conf, "SYNC", False)
    if broker == "orm":
        monkeypatch.setattr(Conf, "ORM", "default")  # this process enqueues where the cluster looks
    else:
        # The Redis broker on the machine's Redis (CI starts it), whatever this run's own settings are.
        monkeypatch.setattr(Conf, "ORM", None)
        monkeypatch.setattr(Conf, "DJANGO_REDIS", None)
        monkeypatch.setattr(Conf, "REDIS", REDIS_FOR_TESTS)
    # No schedules: what recovers the message must be the one under test, not a nightly job or a sweep.
    Schedule.objects.all().delete()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"} or broker == "redis"
    }
    if broker == "redis":
        env["REDIS_URL"] = REDIS_FOR_TESTS
    env.update(
        DATABASE_URL=database_url(),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
        Q_WORKERS="1",
        Q_TIMEOUT=str(TIMEOUT),
        Q_RETRY=str(RETRY),
        TWILIO_ACCOUNT_SID="AC0123456789abcdef0123456789abcdef",
        TWILIO_AUTH_TOKEN="test-auth-token",
        TWILIO_FROM_NUMBER="+15005550006",
        TWILIO_API_BASE=twilio.url,
    )
    return env


def crash_mid_sms(env: dict, tmp_path: Path, twilio: FakeTwilio):
    """Place an order, let the cluster pick up its confirmation, and kill the cluster inside the SMS request."""
    customer = customer_with_address(phone="+919845000333")
    twilio.hold_next(answer=False)
    first = Cluster(env, tmp_path / "worker.log").start()
    try:
        order = place_order(user=customer)  # committed: its tasks are on the queue now
        assert twilio.holding.wait(60), (tmp_path / "worker.log").read_text()
    finally:
        first.kill()
    twilio.release()
    return customer, order


def assert_sent_once(customer, order, mail_dir: Path, twilio: FakeTwilio):
    rows = Notification.objects.filter(user=customer)
    assert sorted(rows.values_list("channel", "status")) == [
        (Channel.EMAIL, NotificationStatus.SENT),
        (Channel.IN_APP, NotificationStatus.SENT),
        (Channel.SMS, NotificationStatus.SENT),
    ]
    sms = rows.get(channel=Channel.SMS)
    assert sms.attempts == 2  # the one that died with its worker, and the one after the restart
    assert len(twilio.received) == 2
    assert [text.body for text in twilio.accepted] == [sms.message]  # Twilio accepted it once
    emails = [path.read_text() for path in mail_dir.iterdir()]
    assert len([email for email in emails if f"Subject: Order {order.number} is confirmed" in email]) == 1


@pytest.mark.parametrize("cluster_env", ["orm"], indirect=True)
def test_the_queue_redelivers_the_task_of_a_killed_worker_and_the_sms_goes_once(cluster_env, tmp_path, twilio):
    customer, order = crash_mid_sms(cluster_env, tmp_path, twilio)

    sms = Notification.objects.get(user=customer, channel=Channel.SMS)
    assert (sms.status, sms.attempts) == (NotificationStatus.QUEUED, 1)  # claimed, never finished
    assert Notification.objects.get(user=customer, channel=Channel.EMAIL).status == NotificationStatus.SENT
    assert OrmQ.objects.exists()  # the task was never acknowledged

    restarted = Cluster(cluster_env, tmp_path / "worker.log").start()
    try:
        assert wait_for(
            lambda: Notification.objects.filter(pk=sms.pk, status=NotificationStatus.SENT).exists(), timeout=60
        ), (tmp_path / "worker.log").read_text()
        assert wait_for(lambda: not OrmQ.objects.exists(), timeout=20)
    finally:
        restarted.stop()

    assert_sent_once(customer, order, tmp_path / "mail", twilio)


@pytest.mark.parametrize("cluster_env", ["redis"], indirect=True)
def test_with_redis_the_retry_sweep_sends_what_a_killed_worker_lost(cluster_env, tmp_path, twilio):
    """Redis keeps no receipt, so the killed task is gone; the minute-by-minute sweep finds the claimed row."""
    customer, order = crash_mid_sms(cluster_env, tmp_path, twilio)
    Schedule.objects.create(
        name="Retry notifications",
        func="notifications.tasks.retry_notifications",
        schedule_type="I",
        minutes=1,
        repeats=-1,
    )

    restarted = Cluster(cluster_env, tmp_path / "worker.log").start()
    try:
        assert wait_for(
            lambda: Notification.objects.filter(
                user=customer, channel=Channel.SMS, status=NotificationStatus.SENT
            ).exists(),
            timeout=90,
        ), (tmp_path / "worker.log").read_text()
    finally:
        restarted.stop()

    assert_sent_once(customer, order, tmp_path / "mail", twilio)
