"""Stripe's HTTP API on 127.0.0.1: records what the stripe library sends and answers the way Stripe does."""

import itertools
import socket

from milkshop.tests.fake_http import FakeJsonApi, FormPost

# What the stripe library sent: form keys are flattened as Stripe sends them, "metadata[payment_id]".
RecordedRequest = FormPost


class FakeStripe(FakeJsonApi):
    """Answers POST /v1/checkout/sessions and POST /v1/refunds; `fail_with(status)` makes every answer an error."""

    def __init__(self):
        super().__init__()
        self.requests: list[RecordedRequest] = []
        self.error_status: int | None = None
        self._ids = itertools.count(1)

    def fail_with(self, status: int | None) -> None:
        self.error_status = status

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path == path]

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
            return 200, {
                "id": session_id,
                "object": "checkout.session",
                "url": f"https://checkout.stripe.test/c/pay/{session_id}",
                "status": "open",
                "payment_status": "unpaid",
                "mode": "payment",
                "amount_total": int(request.form.get("line_items[0][price_data][unit_amount]", 0)),
                "currency": request.form.get("line_items[0][price_data][currency]", ""),
            }
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
