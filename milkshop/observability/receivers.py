"""django-q2 signals: carry the request id from the enqueuing request into its tasks, count outcomes.

Where each signal runs:
- `pre_enqueue`: in the process calling `async_task` (a web worker, or a task enqueuing another).
- `pre_execute`, `post_execute_in_worker`: in the cluster's worker process, around the task.
- `post_execute`: in the cluster's monitor process, after the result is saved.
In sync mode (tests) all four run inline, inside the request that enqueued the task.
"""

import logging
import threading
import time

from django.dispatch import receiver
from django_q.signals import post_execute, post_execute_in_worker, pre_enqueue, pre_execute
from django_q.utils import get_func_repr

from milkshop.observability.context import request_id
from milkshop.observability.metrics import task_observe

logger = logging.getLogger("milkshop.tasks")

# The key this shop adds to django-q2's task package (a pickled dict; unknown keys travel untouched).
TASK_REQUEST_ID_KEY = "request_id"

# Per thread, the tasks running in it: a worker process runs one at a time, but in sync mode tasks run
# inline in whichever thread enqueued them, and one enqueued inside a task nests. The contextvar tokens
# restore exactly the id that was current before each task.
_local = threading.local()


def _running() -> list:
    if not hasattr(_local, "running"):
        _local.running = []
    return _local.running


@receiver(pre_enqueue, dispatch_uid="observability.pre_enqueue")
def stamp_request_id(sender, task: dict, **kwargs):
    if (current := request_id.get()) is not None:
        task.setdefault(TASK_REQUEST_ID_KEY, current)


@receiver(pre_execute, dispatch_uid="observability.pre_execute")
def restore_request_id(sender, func, task: dict, **kwargs):
    token = request_id.set(task.get(TASK_REQUEST_ID_KEY))
    _running().append((token, time.perf_counter()))


@receiver(post_execute_in_worker, dispatch_uid="observability.post_execute_in_worker")
def log_task_and_clear_request_id(sender, func, task: dict, **kwargs):
    running = _running()
    if not running:
        return
    token, started = running.pop()
    try:
        # `success` is missing when a sync-mode task raised: the exception propagates to the caller.
        success = task.get("success", False)
        logger.log(
            logging.INFO if success else logging.WARNING,
            "Task %s %s",
            task.get("name"),
            "succeeded" if success else "failed",
            extra={
                "task_id": task.get("id"),
                "task_name": task.get("name"),
                "func": get_func_repr(task.get("func")),
                "outcome": "success" if success else "failure",
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
    finally:
        request_id.reset(token)


@receiver(post_execute, dispatch_uid="observability.post_execute")
def count_task(sender, task: dict, **kwargs):
    task_observe(func=get_func_repr(task["func"]), success=bool(task.get("success")))
    if not task.get("sync"):
        # In the monitor process, which serves no requests: label its "Processed"/"Failed" lines that
        # follow this signal with the task's request id. The next result replaces it.
        request_id.set(task.get(TASK_REQUEST_ID_KEY))
