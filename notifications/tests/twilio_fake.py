"""Twilio's Messages API on 127.0.0.1: records what our Twilio backend sends and answers the way Twilio does.

Only Twilio's side of the wire is replaced; our backend and its HTTP client (requests) run for real.
"""

import base64
import itertools
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class ReceivedSms:
    path: str
    account: str  # from the Basic auth header
    token: str
    to: str
    sender: str
    body: str


class FakeTwilio:
    """`fail_with(status)` makes every answer an error. `hold_next()` keeps the next request waiting until
    `release()`, then answers it (a slow provider), or with answer=False never does (the sender died meanwhile)."""

    def __init__(self):
        self.received: list[ReceivedSms] = []
        self.accepted: list[ReceivedSms] = []  # answered 201: what Twilio would really send
        self.error: tuple[int, int, str] | None = None
        self.holding = threading.Event()  # set while a held request waits
        self._hold_next = False
        self._answer_held = True
        self._release = threading.Event()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeTwilio":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def fail_with(self, status: int | None, code: int = 20500, message: str = "An internal server error has occurred"):
        self.error = (status, code, message) if status else None

    def hold_next(self, *, answer: bool = True) -> None:
        self._hold_next = True
        self._answer_held = answer
        self._release.clear()

    def release(self) -> None:
        self._release.set()

    def _answer(self, sms: ReceivedSms) -> tuple[int, dict]:
        if self.error:
            status, code, message = self.error
            return status, {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            }
        sid = f"SM{next(self._ids):032d}"
        return 201, {"sid": sid, "status": "queued", "to": sms.to, "from": sms.sender, "body": sms.body}

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode("utf-8"), keep_blank_values=True))
                scheme, _, credentials = (self.headers.get("Authorization") or "").partition(" ")
                account, _, token = (
                    base64.b64decode(credentials).decode().partition(":") if scheme == "Basic" else ("", "", "")
                )
                sms = ReceivedSms(
                    path=self.path,
                    account=account,
                    token=token,
                    to=form.get("To", ""),
                    sender=form.get("From", ""),
                    body=form.get("Body", ""),
                )
                with fake._lock:
                    fake.received.append(sms)
                    hold, fake._hold_next = fake._hold_next, False
                if hold:
                    fake.holding.set()
                    fake._release.wait(timeout=60)
                    if not fake._answer_held:
                        return  # never answered: nothing was accepted
                with fake._lock:
                    status, answer = fake._answer(sms)
                    if status == 201:
                        fake.accepted.append(sms)
                content = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, format, *args):
                pass  # keep test output quiet

        return Handler
