"""The documents' PDFs, read back as text: what CGST Rule 46 (and 49 for bills of supply, 53 for credit notes)
asks each to carry."""

import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader

from billing.documents import document_pdf_file, order_credit_note
from billing.models import DocumentKind, TaxDocument
from catalog.tests.factories import ProductFactory
from containers.tests.factories import glass_bottle
from orders.tests.factories import customer_with_address, delivery_zone, place_order

pytestmark = pytest.mark.django_db


def milk(**fields):
    return ProductFactory(name="Toned milk", unit="500 ml", price=Decimal("30.00"), hsn_code="0401", **fields)


def ghee():
    return ProductFactory(
        name="Cow ghee", unit="500 ml", price=Decimal("315.00"), hsn_code="0405", gst_rate=Decimal("5")
    )


def document_of(order) -> TaxDocument:
    return TaxDocument.objects.exclude(kind=DocumentKind.CREDIT_NOTE).get(order=order)


def pdf_of(document) -> PdfReader:
    with document_pdf_file(document=document).open("rb") as file:
        return PdfReader(io.BytesIO(file.read()))


def text_of(document) -> str:
    return "\n".join(page.extract_text() for page in pdf_of(document).pages)


def fonts_of(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def test_a_tax_invoice_carries_what_rule_46_asks():
    order = place_order(lines=[(ghee(), 2)])
    invoice = document_of(order)

    text = text_of(invoice)

    for required in [
        settings.SHOP_LEGAL_NAME,
        f"GSTIN {settings.SHOP_GSTIN}",
        "Tax invoice",
        invoice.number,
        f"{timezone.localtime(invoice.issued_at):%d %b %Y}",
        order.recipient_name,
        order.address_line1,
        "Place of supply: Karnataka (29)",
        "Cow ghee",
        "0405",
        "5%",
        "₹600.00",  # taxable value
        "₹15.00",  # CGST and SGST each
        "₹630.00",
        "Rupees Six Hundred Thirty Only",
        "Tax payable on reverse charge: No",
        "Authorised signatory",
    ]:
        assert required in text, required
    assert "CGST" in text and "SGST" in text and "IGST" not in text


def test_an_interstate_invoice_shows_igst_only():
    zone = delivery_zone()
    zone.state = "33"
    zone.save()
    invoice = document_of(place_order(lines=[(ghee(), 2)]))

    text = text_of(invoice)

    assert "Place of supply: Tamil Nadu (33)" in text
    assert "IGST" in text and "₹30.00" in text
    assert "CGST" not in text


def test_a_bill_of_supply_has_no_tax_columns_and_says_the_goods_are_exempt():
    bill = document_of(place_order(lines=[(milk(container=glass_bottle(deposit=Decimal("25.00"))), 2)]))

    text = text_of(bill)

    assert "Bill of supply" in text
    assert bill.number in text
    assert "0401" in text
    assert "exempt or nil-rated" in text
    assert "CGST" not in text and "IGST" not in text
    assert "Refundable container deposit (not a supply)" in text
    assert "₹110.00" in text  # paid for the order, with the deposit; the bill's total is the milk alone
    assert "Rupees Sixty Only" in text


def test_a_credit_note_names_the_invoice_it_reduces():
    order = place_order(lines=[(milk(), 1), (ghee(), 1)])
    invoice = document_of(order)
    with transaction.atomic():
        note = order_credit_note(order=order, reason="Cancelled by the customer")

    text = text_of(note)

    assert "Credit note" in text
    assert note.number in text
    assert invoice.number in text
    assert f"{timezone.localtime(invoice.issued_at):%d %b %Y}" in text
    assert "Cancelled by the customer" in text
    assert "₹345.00" in text


def test_names_in_devanagari_and_kannada_are_drawn_with_noto():
    delivery_zone()
    hindi = place_order(user=customer_with_address(name="सीता राम"), lines=[(ghee(), 1)])
    kannada = place_order(user=customer_with_address(name="ರಮೇಶ್"), lines=[(ghee(), 1)])

    hindi_pdf = pdf_of(document_of(hindi))
    kannada_pdf = pdf_of(document_of(kannada))

    hindi_text = hindi_pdf.pages[0].extract_text().replace(" ", "")
    assert "सीताराम" in hindi_text
    assert "ರಮೇಶ್" in kannada_pdf.pages[0].extract_text()
    # base.html names the vendored Devanagari and Kannada faces as one family.
    assert any(name.endswith("+Noto-Sans-Indic") for name in fonts_of(hindi_pdf))
    assert any(name.endswith("+Noto-Sans-Indic") for name in fonts_of(kannada_pdf))


def test_a_pdf_whose_file_is_gone_is_made_again():
    invoice = document_of(place_order(lines=[(ghee(), 1)]))
    first = document_pdf_file(document=invoice)
    assert invoice.number.replace("/", "-") in first.name
    first.storage.delete(first.name)

    again = document_pdf_file(document=TaxDocument.objects.get(pk=invoice.pk))

    assert again.storage.exists(again.name)
    assert again.name != first.name


def test_the_rate_summary_partial_draws_from_the_document_alone():
    from django.template.loader import render_to_string

    zone = delivery_zone()
    zone.state = "33"
    zone.save()
    document = document_of(place_order(lines=[(milk(), 1), (ghee(), 2)]))

    html = render_to_string("billing/pdf/tax_summary.html", {"document": document})

    assert "IGST" in html and "CGST" not in html
    assert "<td>0%</td>" in html and "<td>5%</td>" in html
    assert "₹600.00" in html and "₹30.00" in html
