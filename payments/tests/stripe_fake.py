"""Stripe's HTTP API on 127.0.0.1: records what the stripe library sends and answers the way Stripe does.

Only Stripe's side of the wire is replaced; our gateway, the stripe SDK and its HTTP client run for real.
"""

import itertools
import json
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]  # form-encoded body, nested keys flattened as Stripe sends them: "metadata[payment_id]"


class FakeStripe:
    """Answers POST /v1/checkout/sessions and POST /v1/refunds; `fail_with(status)` makes every answer an error."""

    def __init__(self):
        self.requests: list[RecordedRequest] = []
        self.error_status: int | None = None
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeStripe":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def fail_with(self, status: int | None) -> None:
        self.error_status = status

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path == path]

    def _answer(self, request: RecordedRequest) -> tuple[int, dict]:
        if self.error_status is not None:
            return self.error_status, {
                "error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}
            }
        number = next(self._ids)
        if request.method == "POST" and request.path == "/v1/checkout/sessions":
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
        if request.method == "POST" and request.path == "/v1/refunds":
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

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                request = RecordedRequest(
                    method="POST",
                    path=self.path.split("?")[0],
                    headers={name.lower(): value for name, value in self.headers.items()},
                    form=dict(parse_qsl(body, keep_blank_values=True)),
                )
                with fake._lock:
                    fake.requests.append(request)
                    status, answer = fake._answer(request)
                content = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.send_header("Request-Id", f"req_test_{len(fake.requests)}")
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, format, *args):
                pass  # keep test output quiet

        return Handler


def refused_url() -> str:
    """A local address where nothing listens, so connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
