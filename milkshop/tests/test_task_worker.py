"""The event path through a real django-q2 cluster: a worker process, the configured broker, the test database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_q.conf import Conf

from accounts.services import user_create
from analytics.models import AnalyticsEvent, EventType
from notifications.models import Notification, NotificationStatus

pytestmark = pytest.mark.django_db(transaction=True)


def database_url_for_tests() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    return f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path, monkeypatch):
    """A `manage.py qcluster` process on the test database; emails land in tmp_path/mail."""
    monkeypatch.setattr(Conf, "SYNC", False)
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_tests(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "Q_WORKERS": "1",
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    yield mail_dir
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def test_signup_reaches_analytics_and_email_through_the_real_worker(worker):
    user_create(email="worker@example.in", password="x-long-password", name="Deepa Worker")

    assert wait_for(lambda: AnalyticsEvent.objects.filter(event_type=EventType.USER_REGISTERED).exists())
    assert wait_for(lambda: Notification.objects.filter(status=NotificationStatus.SENT).exists())
    event = AnalyticsEvent.objects.get()
    assert event.user.email == "worker@example.in"
    emails = [path.read_text() for path in worker.iterdir()]
    assert len(emails) == 1
    assert "Welcome to Milkshop, Deepa!" in emails[0]
    assert "To: worker@example.in" in emails[0]
