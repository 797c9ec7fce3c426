"""What the household hears: the statement (email with its PDF, SMS, in-app), payments on the account, and
reminders once per stage when a statement is overdue."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from billing.statements import statements_make, statements_remind_overdue
from billing.tests.monthly import (
    at,
    cash_payment,
    delivered_on_account,
    month_end_moment,
    postpaid_customer,
    shop_credit,
)
from notifications import sms
from notifications.models import Channel, Notification, NotificationType
from notifications.tests.helpers import assert_fits_one_sms, emails_to, sms_to

pytestmark = pytest.mark.django_db

NOV = date(2026, 11, 1)
DUE = date(2026, 12, 11)
T = NotificationType


@pytest.fixture
def customer():
    return postpaid_customer(name="Asha Rao", phone="+919845012345")


@pytest.fixture
def billed(customer):
    """₹1,240.00 of milk in November, its statement made on 1 December (its messages are not looked at here)."""
    delivered_on_account(customer, date(2026, 11, 3), price=Decimal("620.00"), qty=2)
    statements_make(month_start=NOV, now=month_end_moment(NOV))
    mail.outbox.clear()
    return customer


def test_the_statement_goes_out_by_email_with_its_pdf_by_sms_and_in_the_shop(
    customer, django_capture_on_commit_callbacks
):
    delivered_on_account(customer, date(2026, 11, 3), price=Decimal("620.00"), qty=2)
    mail.outbox.clear()
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        statements_make(month_start=NOV, now=month_end_moment(NOV))
    billed = customer

    [email] = emails_to(billed)
    assert email.subject == "Your November bill: ₹1,240.00, due 11 Dec"
    assert "Closing balance: ₹1,240.00" in email.body
    assert "Please pay ₹1,240.00 by 11 December 2026" in email.body
    [(filename, content, mimetype)] = email.attachments
    assert (filename, mimetype) == ("statement-2026-11.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    [text] = sms_to(billed)
    assert text.startswith("Milkshop: your November bill is Rs.1,240.00, due 11 Dec. Pay: http")
    assert_fits_one_sms(text)
    in_app = Notification.objects.get(user=billed, type=T.STATEMENT_READY, channel=Channel.IN_APP)
    assert in_app.message == "Your November 2026 statement is ready: ₹1,240.00 due by 11 Dec."
    assert in_app.url == reverse("billing:account")


def test_a_payment_on_the_account_is_acknowledged_with_what_is_still_owed(billed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        cash_payment(billed, date(2026, 12, 5), "1000.00")

    [email] = [e for e in emails_to(billed) if "received" in e.subject]
    assert email.subject == "Payment of ₹1,000.00 received for your monthly account"
    assert "Your account still owes ₹240.00." in email.body
    in_app = Notification.objects.get(user=billed, type=T.ACCOUNT_PAYMENT_RECEIVED, channel=Channel.IN_APP)
    assert in_app.message == "₹1,000.00 received for your monthly account. Still owed: ₹240.00."


def test_a_payment_beyond_what_is_owed_is_acknowledged_as_credit(billed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        cash_payment(billed, date(2026, 12, 5), "1300.00")

    in_app = Notification.objects.get(user=billed, type=T.ACCOUNT_PAYMENT_RECEIVED, channel=Channel.IN_APP)
    assert in_app.message == "₹1,300.00 received for your monthly account. Credit: ₹60.00."


def reminders(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user, type=T.STATEMENT_OVERDUE, channel=Channel.IN_APP)
        .order_by("pk")
        .values_list("dedupe_key", flat=True)
    )


def remind(today: date, capture) -> int:
    with capture(execute=True):
        return statements_remind_overdue(today=today)


def test_reminders_go_once_per_stage(billed, django_capture_on_commit_callbacks):
    remind(DUE, django_capture_on_commit_callbacks)
    assert reminders(billed) == []  # due today: not overdue yet

    remind(DUE + timedelta(days=1), django_capture_on_commit_callbacks)
    remind(DUE + timedelta(days=2), django_capture_on_commit_callbacks)
    remind(DUE + timedelta(days=7), django_capture_on_commit_callbacks)
    remind(DUE + timedelta(days=8), django_capture_on_commit_callbacks)
    remind(DUE + timedelta(days=14), django_capture_on_commit_callbacks)
    remind(DUE + timedelta(days=30), django_capture_on_commit_callbacks)

    statement_id = billed.billing_account.statements.get().pk
    assert reminders(billed) == [
        f"STATEMENT_OVERDUE:statement-{statement_id}:stage-{stage}/IN_APP/user-{billed.pk}" for stage in (1, 2, 3)
    ]
    overdue_emails = [email for email in emails_to(billed) if email.subject.startswith("Overdue")]
    assert len(overdue_emails) == 3
    assert overdue_emails[0].subject == "Overdue: ₹1,240.00 of your November bill, due 11 Dec"
    assert "it was due on 11 December 2026 (1 day ago)" in overdue_emails[0].body


def test_a_statement_first_found_late_gets_only_the_stage_it_reached(billed, django_capture_on_commit_callbacks):
    remind(DUE + timedelta(days=9), django_capture_on_commit_callbacks)

    assert [key.split(":")[2].split("/")[0] for key in reminders(billed)] == ["stage-2"]


def test_a_partly_paid_statement_is_reminded_of_what_is_left_and_a_paid_one_not_at_all(
    billed, django_capture_on_commit_callbacks
):
    cash_payment(billed, date(2026, 12, 5), "1000.00")
    remind(DUE + timedelta(days=1), django_capture_on_commit_callbacks)
    [in_app] = Notification.objects.filter(user=billed, type=T.STATEMENT_OVERDUE, channel=Channel.IN_APP)
    assert in_app.message == "₹240.00 of your November 2026 statement is overdue (due 11 Dec)."

    cash_payment(billed, date(2026, 12, 15), "240.00")
    assert remind(DUE + timedelta(days=7), django_capture_on_commit_callbacks) == 0
    assert Notification.objects.filter(user=billed, type=T.STATEMENT_OVERDUE, channel=Channel.IN_APP).count() == 1


def test_a_new_version_goes_out_saying_it_is_corrected_and_what_changed(billed, django_capture_on_commit_callbacks):
    with at(date(2026, 12, 3)):
        shop_credit(billed, date(2026, 11, 20), "40.00", note="Short delivery")
        with django_capture_on_commit_callbacks(execute=True):
            statements_make(month_start=NOV)

    [email] = emails_to(billed)
    assert email.subject == "Your November bill (corrected): ₹1,200.00, due 11 Dec"
    assert "We made your statement for November 2026 again (version 2):" in email.body
    assert "Closing balance was ₹1,240.00, now ₹1,200.00." in email.body
    [(filename, _, _)] = email.attachments
    assert filename == "statement-2026-11.pdf"
