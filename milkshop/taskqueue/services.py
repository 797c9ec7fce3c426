"""Enqueue tasks without losing any: a task the broker refuses is held in the database and sent later.

Tasks are enqueued after the transaction that caused them commits (a sign-up, a checkout, a refund). If Redis is
down at that moment the work is already saved, so failing the request would only show the customer an error page
for something that succeeded, and the task would be gone. Instead the task is held in the database, the refusal is
logged as an ERROR with its traceback, and release_held_tasks (scheduled every minute) sends it once Redis is back.
"""

import logging
import pickle

from django.db import transaction
from django_q.tasks import async_task

from milkshop.cache import UNREACHABLE
from milkshop.taskqueue.models import HeldTask

logger = logging.getLogger(__name__)


def enqueue(func: str, *args, **options) -> None:
    """async_task(func, *args, **options), holding the task in the database if the broker cannot be reached."""
    try:
        async_task(func, *args, **options)
    except UNREACHABLE as error:
        logger.exception("Could not queue %s; it is held in the database and sent once the broker is back.", func)
        options.pop("broker", None)  # a broker object is this process's connection, not part of the task
        HeldTask.objects.create(func=func, payload=pickle.dumps((args, options)), error=repr(error))


def release_held_tasks(broker=None) -> int:
    """Send held tasks in the order they were held (to broker, or the configured one); stop at the first refusal:
    the broker is still down. Returns how many were sent."""
    released = 0
    while True:
        with transaction.atomic():
            held = HeldTask.objects.select_for_update(skip_locked=True).order_by("pk").first()
            if held is None:
                return released
            args, options = pickle.loads(held.payload)
            if broker is not None:
                options["broker"] = broker
            try:
                async_task(held.func, *args, **options)
            except UNREACHABLE as error:
                logger.warning("%d held tasks wait for the broker: %s", HeldTask.objects.count(), error)
                return released
            held.delete()
        released += 1
