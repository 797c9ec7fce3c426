"""A provider's HTTP API on 127.0.0.1 for tests: it receives form-encoded POSTs and answers with JSON.

Only the provider's side of the wire is replaced; our code, the provider's SDK and its HTTP client run for real.
Subclasses say what each request gets back (answer).
"""

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class FormPost:
    path: str  # without the query string
    headers: dict[str, str]  # names in lower case
    form: dict[str, str]


class FakeJsonApi:
    def __init__(self):
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def answer(self, post: FormPost) -> tuple[int, dict, dict[str, str]] | None:
        """(status, JSON body, extra headers) for this request, or None to never answer it. Runs in the request's
        own thread, so it may wait."""
        raise NotImplementedError

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                post = FormPost(
                    path=self.path.split("?")[0],
                    headers={name.lower(): value for name, value in self.headers.items()},
                    form=dict(parse_qsl(self.rfile.read(length).decode("utf-8"), keep_blank_values=True)),
                )
                answer = fake.answer(post)
                if answer is None:
                    return
                status, body, headers = answer
                content = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(content)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, format, *args):
                pass  # keep test output quiet

        return Handler
