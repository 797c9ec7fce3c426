"""Twilio's Messages API on 127.0.0.1: records what our Twilio backend sends and answers the way Twilio does."""

import base64
import itertools
import threading
from dataclasses import dataclass

from milkshop.tests.fake_http import FakeJsonApi, FormPost


@dataclass(frozen=True)
class ReceivedSms:
    path: str
    account: str  # from the Basic auth header
    token: str
    to: str
    sender: str
    body: str


class FakeTwilio(FakeJsonApi):
    """`fail_with(status)` makes every answer an error. `hold_next()` keeps the next request waiting until
    `release()`, then answers it (a slow provider), or with answer=False never does (the sender died meanwhile)."""

    def __init__(self):
        super().__init__()
        self.received: list[ReceivedSms] = []
        self.accepted: list[ReceivedSms] = []  # answered 201: what Twilio would really send
        self.error: tuple[int, int, str] | None = None
        self.holding = threading.Event()  # set while a held request waits
        self._hold_next = False
        self._answer_held = True
        self._release = threading.Event()
        self._ids = itertools.count(1)

    def stop(self) -> None:
        self._release.set()
        super().stop()

    def fail_with(self, status: int | None, code: int = 20500, message: str = "An internal server error has occurred"):
        self.error = (status, code, message) if status else None

    def hold_next(self, *, answer: bool = True) -> None:
        self._hold_next = True
        self._answer_held = answer
        self._release.clear()

    def release(self) -> None:
        self._release.set()

    def answer(self, post: FormPost) -> tuple[int, dict, dict[str, str]] | None:
        scheme, _, credentials = post.headers.get("authorization", "").partition(" ")
        account, _, token = base64.b64decode(credentials).decode().partition(":") if scheme == "Basic" else ("", "", "")
        sms = ReceivedSms(
            path=post.path,
            account=account,
            token=token,
            to=post.form.get("To", ""),
            sender=post.form.get("From", ""),
            body=post.form.get("Body", ""),
        )
        with self.lock:
            self.received.append(sms)
            hold, self._hold_next = self._hold_next, False
        if hold:
            self.holding.set()
            self._release.wait(timeout=60)
            if not self._answer_held:
                return None  # never answered: nothing was accepted
        with self.lock:
            status, body = self._answer(sms)
            if status == 201:
                self.accepted.append(sms)
        return status, body, {}

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
