"""Stripe's HTTP API on 127.0.0.1: records what the stripe library sends and answers the way Stripe does."""

import itertools
import re
import socket
import time

from milkshop.tests.fake_http import FakeJsonApi, FormPost

# What the stripe library sent: form keys are flattened as Stripe sends them, "metadata[payment_id]".
RecordedRequest = FormPost


EXPIRE = re.compile(r"^/v1/checkout/sessions/(?P<id>[^/]+)/expire$")


class FakeStripe(FakeJsonApi):
    """Answers POST /v1/checkout/sessions, POST /v1/checkout/sessions/<id>/expire and POST /v1/refunds;
    `fail_with(status)` makes every answer an error. A session is open until its expires_at (by the clock, which
    tests may move) or until it is expired; only an open session can be expired."""

    def __init__(self):
        super().__init__()
        self.requests: list[RecordedRequest] = []
        self.error_status: int | None = None
        self.sessions: dict[str, int] = {}  # open sessions: id → expires_at
        self._ids = itertools.count(1)

    def fail_with(self, status: int | None) -> None:
        self.error_status = status

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path == path]

    def sessions_asked_to_expire(self) -> list[str]:
        """The ids of the sessions we were asked to expire, in order (whether or not they were still open)."""
        return [match["id"] for request in self.requests if (match := EXPIRE.match(request.path))]

    def answer(self, post: FormPost) -> tuple[int, dict, dict[str, str]]:
        with self.lock:
            self.requests.append(post)
            status, body = self._answer(post)
            return status, body, {"Request-Id": f"req_test_{len(self.requests)}"}

    def _answer(self, request: RecordedRequest) -> tuple[int, dict]:
        if self.error_status is not None:
            return self.error_status, {
                "error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}
            }
        number = next(self._ids)
        if request.path == "/v1/checkout/sessions":
            session_id = f"cs_test_{number:04d}"
            self.sessions[session_id] = int(request.form["expires_at"])
            return 200, {
                "id": session_id,
                "object": "checkout.session",
                "url": f"https://checkout.stripe.test/c/pay/{session_id}",
                "status": "open",
                "payment_status": "unpaid",
                "mode": "payment",
                "amount_total": int(request.form.get("line_items[0][price_data][unit_amount]", 0)),
                "currency": request.form.get("line_items[0][price_data][currency]", ""),
                "expires_at": int(request.form["expires_at"]),
            }
        if match := EXPIRE.match(request.path):
            if self.sessions.get(match["id"], 0) <= time.time():
                return 400, {
                    "error": {
                        "type": "invalid_request_error",
                        "message": 'Only Checkout Sessions with a status in ["open"] can be expired.',
                    }
                }
            del self.sessions[match["id"]]
            return 200, {"id": match["id"], "object": "checkout.session", "status": "expired", "url": None}
        if request.path == "/v1/refunds":
            return 200, {
                "id": f"re_test_{number:04d}",
                "object": "refund",
                "amount": int(request.form.get("amount", 0)),
                "payment_intent": request.form.get("payment_intent"),
                "status": "succeeded",
            }
        return 404, {
            "error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({request.path})."}
        }


def refused_url() -> str:
    """A local address where nothing listens, so connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
