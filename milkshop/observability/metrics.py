"""Prometheus metrics of the web and task processes, and the registry `/metrics` renders.

Labels are bounded: requests are labelled by the resolved view (url name or view path), never the raw
path; tasks by their function path. With PROMETHEUS_MULTIPROC_DIR set, prometheus_client keeps every
process's values in files there (gunicorn workers, the qcluster monitor) and `/metrics` adds them up.
"""

import logging
import os

from django.conf import settings
from django.http import HttpRequest
from django_q.brokers import get_broker
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter(
    "milkshop_http_requests",
    "HTTP requests served, by resolved view, method and status.",
    ["view", "method", "status"],
)
REQUEST_DURATION = Histogram(
    "milkshop_http_request_duration_seconds",
    "Time from the first middleware to the response, by resolved view, method and status.",
    ["view", "method", "status"],
)
TASKS = Counter(
    "milkshop_tasks",
    "django-q2 tasks finished, by function and outcome (success or failure).",
    ["func", "outcome"],
)


def view_label(request: HttpRequest) -> str:
    """The url's namespaced name (`catalog:product`), else the view's dotted path; never the raw path."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name
    if request.path.startswith(f"/{settings.STATIC_URL.lstrip('/')}"):
        return "static"  # whitenoise answers these before URL resolution
    return "unresolved"


def method_label(method: str | None) -> str:
    return method if method in KNOWN_METHODS else "other"


def request_observe(*, request: HttpRequest, status: int, seconds: float) -> None:
    labels = {"view": view_label(request), "method": method_label(request.method), "status": str(status)}
    REQUESTS.labels(**labels).inc()
    REQUEST_DURATION.labels(**labels).observe(seconds)


def task_observe(*, func: str, success: bool) -> None:
    TASKS.labels(func=func, outcome="success" if success else "failure").inc()


class QueueLengthCollector:
    """The broker's queue length, read when Prometheus scrapes (the ORM broker answers with one query)."""

    name = "milkshop_task_queue_length"
    documentation = "Tasks waiting in the django-q2 broker's queue."

    def describe(self):
        # Lets registries register this collector without calling the broker.
        return [GaugeMetricFamily(self.name, self.documentation)]

    def collect(self):
        try:
            size = get_broker().queue_size()
        except Exception:
            logger.exception("Metrics: the task queue's length could not be read")
            return
        if size is not None:
            yield GaugeMetricFamily(self.name, self.documentation, value=size)


QUEUE_LENGTH = QueueLengthCollector()


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_DIR_VARIABLE) or None


def metrics_registry() -> CollectorRegistry:
    """A registry of everything this shop exports: this process's, or all processes' in multiprocess mode."""
    registry = CollectorRegistry()
    if path := multiprocess_dir():
        MultiProcessCollector(registry, path=path)
    else:
        registry.register(REGISTRY)  # the process's metrics, plus the default process and platform collectors
    registry.register(QUEUE_LENGTH)
    return registry


def metrics_render() -> bytes:
    return generate_latest(metrics_registry())
