"""A task the broker refuses is held in the database, logged, and sent once the broker is back."""

import logging

import pytest
import redis
from django_q.brokers import get_broker
from django_q.brokers.redis_broker import Redis as RedisBroker
from django_q.signing import SignedPackage

from milkshop.taskqueue.models import HeldTask
from milkshop.taskqueue.services import enqueue, release_held_tasks
from reliability.tests.processes import free_port

pytestmark = pytest.mark.django_db

TASK = "notifications.tasks.send_welcome_email"


class UnreachableRedisBroker(RedisBroker):
    """django-q's Redis broker, pointed at a port nothing listens on: every enqueue is refused."""

    def get_connection(self, list_key=None):
        return redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)


@pytest.fixture
def configured_broker():
    broker = get_broker()
    broker.purge_queue()
    yield broker
    broker.purge_queue()


def queued_tasks(broker) -> list[dict]:
    tasks = []
    while batch := broker.dequeue():
        for ack_id, package in batch:
            tasks.append(SignedPackage.loads(package))
            broker.acknowledge(ack_id)
    return tasks


def test_a_refused_task_is_held_with_its_arguments_and_logged_as_an_error(caplog):
    with caplog.at_level(logging.ERROR):
        enqueue(TASK, 41, task_name="notify:USER_REGISTERED", sync=False, broker=UnreachableRedisBroker())

    held = HeldTask.objects.get()
    assert held.func == TASK
    assert "ConnectionError" in held.error
    (record,) = [r for r in caplog.records if r.name == "milkshop.taskqueue.services"]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert TASK in record.getMessage()


def test_held_tasks_go_to_the_broker_in_order_once_it_is_back(configured_broker):
    for user_id in (1, 2, 3):
        enqueue(TASK, user_id, task_name=f"welcome {user_id}", sync=False, broker=UnreachableRedisBroker())

    assert release_held_tasks() == 3

    assert not HeldTask.objects.exists()
    queued = queued_tasks(configured_broker)
    assert [(task["func"], task["args"], task["name"]) for task in queued] == [
        (TASK, (1,), "welcome 1"),
        (TASK, (2,), "welcome 2"),
        (TASK, (3,), "welcome 3"),
    ]


def test_release_keeps_every_task_while_the_broker_is_still_down(configured_broker):
    for user_id in (1, 2):
        enqueue(TASK, user_id, sync=False, broker=UnreachableRedisBroker())

    assert release_held_tasks(broker=UnreachableRedisBroker()) == 0

    assert HeldTask.objects.count() == 2
    assert queued_tasks(configured_broker) == []
