"""Sending SMS: one small interface, a console backend for development and Twilio's HTTPS API for real.

settings.SMS_BACKEND names the backend class; empty means the shop sends no SMS at all.
"""

import re
import sys
import threading
import unicodedata
from dataclasses import dataclass

import requests
from django.conf import settings
from django.utils.module_loading import import_string

SMS_LIMIT = 160

# The GSM 03.38 alphabet: a message written only in it fits 160 characters in one SMS. A single character
# outside it (₹, an en dash, a curly quote) makes the whole message UCS-2, where one SMS holds only 70.
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")  # two characters each
PLAIN = {
    "₹": "Rs.",
    "–": "-",
    "—": "-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "…": "...",
    "×": "x",
    "•": "-",
    "\u00a0": " ",
}


def sms_length(text: str) -> int:
    """Characters as the network counts them in GSM-7 (the extended ones take two)."""
    return sum(2 if char in GSM7_EXTENDED else 1 for char in text)


def sms_text(text: str, *, limit: int = SMS_LIMIT) -> str:
    """One line of GSM-7 text that fits one SMS: typographic characters made plain, accents dropped, anything else
    that GSM-7 cannot carry replaced by '?', and as a last resort cut at a word with '...'."""
    text = "".join(PLAIN.get(char, char) for char in text)
    text = re.sub(r"\s+", " ", text).strip()
    plain = []
    for char in text:
        if char in GSM7_BASIC or char in GSM7_EXTENDED:
            plain.append(char)
        else:
            stripped = "".join(c for c in unicodedata.normalize("NFKD", char) if c in GSM7_BASIC)
            plain.append(stripped or "?")
    text = "".join(plain)
    if sms_length(text) <= limit:
        return text
    cut = text[: limit - 3]
    while sms_length(cut) > limit - 3:
        cut = cut[:-1]
    return cut.rsplit(" ", 1)[0].rstrip(",.;:- ") + "..."


class SmsError(Exception):
    """The SMS was not accepted. permanent: trying again will not help (say, a number the provider refuses)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class BaseSmsBackend:
    def send(self, *, to: str, body: str) -> str:
        """Send one SMS; returns the provider's reference for it, or raises SmsError."""
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Development: the SMS is printed where the worker runs, like Django's console email backend."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, *, to: str, body: str) -> str:
        self.stream.write(f"SMS to {to} ({sms_length(body)} characters):\n{body}\n{'-' * 60}\n")
        self.stream.flush()
        return ""


@dataclass(frozen=True)
class OutgoingSms:
    to: str
    body: str


outbox: list[OutgoingSms] = []
_outbox_lock = threading.Lock()


class LocmemSmsBackend(BaseSmsBackend):
    """Tests: SMS are kept in notifications.sms.outbox, as Django keeps test emails in mail.outbox."""

    def send(self, *, to: str, body: str) -> str:
        with _outbox_lock:
            outbox.append(OutgoingSms(to=to, body=body))
            return f"locmem-{len(outbox)}"


class TwilioSmsBackend(BaseSmsBackend):
    """Twilio's Messages API over HTTPS (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER)."""

    timeout = (5, 15)  # connect, read: well inside a task's time limit

    def __init__(self):
        self.account_sid = settings.TWILIO_ACCOUNT_SID
        self.auth_token = settings.TWILIO_AUTH_TOKEN
        self.from_number = settings.TWILIO_FROM_NUMBER
        self.url = f"{settings.TWILIO_API_BASE.rstrip('/')}/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    def send(self, *, to: str, body: str) -> str:
        try:
            response = requests.post(
                self.url,
                data={"To": to, "From": self.from_number, "Body": body},
                auth=(self.account_sid, self.auth_token),
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise SmsError(f"Twilio could not be reached: {error}") from error
        if response.status_code >= 400:
            try:
                problem = response.json()
                detail = f"{problem.get('code')}: {problem.get('message')}"
            except ValueError:
                detail = response.text[:200]
            # 4xx (a number Twilio refuses, a bad account) will fail the same way again; 429 and 5xx may not.
            permanent = 400 <= response.status_code < 500 and response.status_code != 429
            raise SmsError(f"Twilio answered {response.status_code} ({detail})", permanent=permanent)
        return response.json().get("sid", "")


def sms_enabled() -> bool:
    return bool(settings.SMS_BACKEND)


def get_sms_backend() -> BaseSmsBackend:
    if not settings.SMS_BACKEND:
        raise SmsError("SMS is turned off (no SMS_BACKEND).", permanent=True)
    return import_string(settings.SMS_BACKEND)()
