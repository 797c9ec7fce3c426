"""A task worker killed (SIGKILL) in the middle of a task, on the ORM broker: the task runs again and its row is
recorded once.

The task is the analytics event a sign-up enqueues. The worker is a real `qcluster` (see stalling_worker.py) whose
copy of the task stalls once, before or after writing its row, so the kill lands mid-task. django-q2's ORM broker
hands a task out again once its lock (Conf.RETRY seconds) runs out without an acknowledgement; the task itself
must then be safe to run twice.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django_q.conf import Conf
from django_q.models import OrmQ, Success

from accounts.services import user_create
from analytics.models import AnalyticsEvent, EventType
from milkshop.tests.test_task_worker import database_url_for_tests, wait_for
from reliability.tests.processes import shop_env

pytestmark = pytest.mark.django_db(transaction=True)


class Cluster:
    def __init__(self, env: dict[str, str], log_path):
        self.log_path = log_path
        self.log = log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reliability.tests.stalling_worker"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the sentinel, pusher, monitor and workers
        )

    def kill_all(self) -> None:
        """Every process of the cluster at once, as the OOM killer or a lost machine would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # any worker the sentinel left behind
        self.log.close()


@pytest.fixture
def cluster_env(tmp_path, monkeypatch):
    """The test enqueues on the ORM broker (whatever REDIS_URL says) and the clusters consume it."""
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", "default")
    return shop_env(
        DATABASE_URL=database_url_for_tests(),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
        STALL_MARKER=str(tmp_path / "stalled"),
        Q_TIMEOUT="5",
        Q_RETRY="6",
    )


@pytest.fixture
def clusters(tmp_path):
    started: list[Cluster] = []

    def start(env):
        started.append(Cluster(env, tmp_path / "cluster.log"))
        return started[-1]

    yield start
    for cluster in started:
        cluster.stop()


def analytics_tasks_waiting() -> int:
    return sum(1 for item in OrmQ.objects.all() if item.func() == "analytics.tasks.record_event")


@pytest.mark.parametrize(
    ("stall_where", "kill"),
    [("before", "worker"), ("after", "worker"), ("after", "cluster")],
    ids=["worker-killed-before-the-write", "worker-killed-after-the-write", "whole-cluster-killed-and-restarted"],
)
def test_a_task_killed_mid_run_runs_again_and_records_once(cluster_env, clusters, tmp_path, stall_where, kill):
    env = {**cluster_env, "STALL_WHERE": stall_where}
    marker = tmp_path / "stalled"
    cluster = clusters(env)

    user = user_create(email="killed@example.in", password="x-long-password", name="Kiran Killed")

    log = tmp_path / "cluster.log"
    assert wait_for(marker.exists, timeout=40), f"the task never started:\n{log.read_text()[-3000:]}"
    time.sleep(0.3)
    stalled_pid = int(marker.read_text())
    assert AnalyticsEvent.objects.filter(user=user).count() == (1 if stall_where == "after" else 0)
    assert analytics_tasks_waiting() == 1  # handed out, not acknowledged
    if kill == "worker":
        os.kill(stalled_pid, signal.SIGKILL)  # the sentinel starts a new worker; the task waits for its lock to end
    else:
        cluster.kill_all()
        clusters(env)

    def recorded_and_acknowledged() -> bool:
        return analytics_tasks_waiting() == 0 and Success.objects.filter(func="analytics.tasks.record_event").exists()

    assert wait_for(recorded_and_acknowledged, timeout=45), f"the task did not run again:\n{log.read_text()[-4000:]}"
    events = AnalyticsEvent.objects.filter(event_type=EventType.USER_REGISTERED, user=user)
    assert events.count() == 1
    assert AnalyticsEvent.objects.count() == 1
