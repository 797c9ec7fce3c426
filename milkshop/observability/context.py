"""The id of the request being served (or of the request that enqueued the running task)."""

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"

# Letters, digits and a few separators, up to 128 characters: enough for uuids, hex ids and the ids
# that load balancers send, and nothing that could break a log line (spaces, quotes, control characters).
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+=-]{0,127}")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def request_id_from_header(value: str | None) -> str:
    """The incoming X-Request-ID when it looks sane, otherwise a fresh uuid4 hex."""
    if value and SANE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


@contextmanager
def request_id_set(value: str | None) -> Iterator[None]:
    """Run a block with `value` as the current request id, then restore the previous one."""
    token = request_id.set(value)
    try:
        yield
    finally:
        request_id.reset(token)
