"""Checks behind /healthz: can we reach the database and the task queue?"""

import logging

from django.db import connection
from django_q.brokers import get_broker

logger = logging.getLogger(__name__)


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: database unreachable")
        return "error"
    return "ok"


def queue_state() -> str:
    try:
        broker = get_broker()
        broker.ping()
        broker.queue_size()
    except Exception:
        logger.exception("Health check: task queue unreachable")
        return "error"
    return "ok"


def health_report() -> dict[str, str]:
    return {"database": database_state(), "queue": queue_state()}
