import pytest

from notifications import sms
from notifications.tests.twilio_fake import FakeTwilio

# A longer address than the shop's own, so that SMS that fit here fit in production too.
SITE_URL = "https://shop.milkshop-example.in"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE_URL


@pytest.fixture(autouse=True)
def sms_outbox():
    """SMS sent through the test backend (settings: LocmemSmsBackend), like Django's mail.outbox."""
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def twilio(settings):
    """Our Twilio backend, talking to a local stand-in for Twilio's API."""
    fake = FakeTwilio().start()
    settings.SMS_BACKEND = "notifications.sms.TwilioSmsBackend"
    settings.TWILIO_ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.TWILIO_API_BASE = fake.url
    yield fake
    fake.stop()
