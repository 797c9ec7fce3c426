"""Run calls in real threads, each on its own database connection, released together at a barrier."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection

BARRIER_TIMEOUT = 10  # seconds for every thread to connect and reach the start line
JOIN_TIMEOUT = 30  # seconds for a whole batch of threads to finish


@dataclass
class Outcome:
    value: object = None
    error: BaseException | None = None


def run_at_once(calls: list[Callable[[], object]]) -> list[Outcome]:
    """Run each call in its own thread and connection, all released together; their outcomes in call order."""
    barrier = threading.Barrier(len(calls), timeout=BARRIER_TIMEOUT)
    outcomes = [Outcome() for _ in calls]

    def work(index: int, call: Callable[[], object]) -> None:
        try:
            connection.ensure_connection()
            barrier.wait()
            outcomes[index].value = call()
        except BaseException as error:  # gathered and judged in the main thread
            outcomes[index].error = error
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + JOIN_TIMEOUT
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    stuck = sum(thread.is_alive() for thread in threads)
    assert not stuck, f"{stuck} of {len(threads)} threads still running after {JOIN_TIMEOUT}s (a lock never released?)"
    return outcomes
