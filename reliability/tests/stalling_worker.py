"""`manage.py qcluster` whose analytics task stalls once, so a test can kill the worker in the middle of it.

    python -m reliability.tests.stalling_worker

STALL_MARKER: a file the stalled task writes its process id to (it stalls only while the file does not exist, so
the task's second run goes through); STALL_WHERE: "before" or "after" the task writes its row. Q_TIMEOUT and
Q_RETRY shorten django-q2's timeout and redelivery delay so the test need not wait two minutes.
"""

import os
import time
from pathlib import Path


def main() -> None:
    import django

    django.setup()

    from django.core.management import call_command
    from django_q.conf import Conf

    import analytics.tasks

    Conf.TIMEOUT = int(os.environ.get("Q_TIMEOUT", "5"))
    Conf.RETRY = int(os.environ.get("Q_RETRY", "6"))
    marker = Path(os.environ["STALL_MARKER"])
    where = os.environ.get("STALL_WHERE", "before")
    record_event = analytics.tasks.record_event

    def stall_once() -> None:
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            time.sleep(600)

    def stalling_record_event(*args, **kwargs):
        if where == "before":
            stall_once()
        record_event(*args, **kwargs)
        if where == "after":
            stall_once()

    # The cluster forks its workers from this process, so they run the stalling version.
    analytics.tasks.record_event = stalling_record_event
    call_command("qcluster")


if __name__ == "__main__":
    main()
