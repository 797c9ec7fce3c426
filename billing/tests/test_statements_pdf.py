"""The statement's PDF, read back with pypdf: what the household needs to check and pay it."""

import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from billing.selectors import statement_document
from billing.statements import statement_pdf_file, statements_make
from billing.tests.monthly import (
    at,
    cash_payment,
    delivered_on_account,
    month_end_moment,
    postpaid_customer,
    shop_credit,
)

pytestmark = pytest.mark.django_db

NOV = date(2026, 11, 1)


def read(statement) -> PdfReader:
    with statement_pdf_file(statement=statement).open("rb") as pdf:
        return PdfReader(io.BytesIO(pdf.read()))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def fonts_of(reader: PdfReader) -> set[str]:
    return {
        str(font.get_object()["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()
    }


def november_for(customer):
    """The Novembers of a household: ₹200 delivered, ₹150 paid, and ₹300 owed from October."""
    delivered_on_account(customer, date(2026, 10, 20), price=Decimal("150.00"), qty=2)
    delivered_on_account(customer, date(2026, 11, 3))
    delivered_on_account(customer, date(2026, 11, 4))
    cash_payment(customer, date(2026, 11, 6), "150.00")
    statements_make(month_start=NOV, now=month_end_moment(NOV))
    return customer.billing_account.statements.get()


def test_the_statement_pdf_shows_the_month_balances_lines_amount_due_and_tax_document():
    customer = postpaid_customer(name="सीता राम")
    statement = november_for(customer)

    reader = read(statement)
    text = text_of(reader)

    assert "Statement of account" in text
    assert "November 2026" in text
    assert "Version 1" in text
    assert "सीताराम" in text.replace(" ", "")
    assert any("+Noto-Sans-Indic" in name for name in fonts_of(reader))
    assert "Opening balance ₹300.00" in text
    assert "Closing balance ₹350.00" in text
    assert "Amount due by 11 Dec 2026 ₹350.00" in text
    assert "Charges (deliveries and deposits) ₹200.00" in text
    assert "Payments ₹150.00" in text
    for line in statement.lines:
        assert line["description"][:30] in text.replace("\n", " ")
    document = statement_document(statement=statement)
    assert f"{document.get_kind_display()} {document.number}" in text
    # The running balance after the two deliveries and the payment.
    assert "₹400.00\n" in text or "₹400.00 " in text
    assert "₹500.00" in text


def test_a_second_version_in_kannada_says_what_it_replaces():
    customer = postpaid_customer(name="ರಮೇಶ್")
    first = november_for(customer)
    with at(date(2026, 12, 4)):
        shop_credit(customer, date(2026, 11, 25), "50.00", note="Torn packet")
        statements_make(month_start=NOV)
    second = customer.billing_account.statements.get(version=2)

    reader = read(second)
    text = text_of(reader).replace("\n", " ")

    assert "ರಮೇಶ್" in text
    assert any("+Noto-Sans-Indic" in name for name in fonts_of(reader))
    assert "Version 2" in text
    assert f"Replaces version 1 of {first.issued_at:%-d %b %Y}" in text
    assert "Closing balance was ₹350.00, now ₹300.00." in text


def test_a_pdf_whose_file_went_missing_is_made_again():
    statement = november_for(postpaid_customer())
    kept = statement_pdf_file(statement=statement)
    name = kept.name
    kept.storage.delete(name)

    again = statement_pdf_file(statement=statement)

    assert again.name != name and again.storage.exists(again.name)
    assert again.name.startswith("statements/statement-2026-11-v1-")
