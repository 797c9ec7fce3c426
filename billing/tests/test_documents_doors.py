"""The GST documents through every door: the customer's cancel page and the API, the admin (orders, products,
documents) and the staff reports' GST summary."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import DocumentKind, TaxDocument
from catalog.models import Product
from catalog.tests.admin_forms import change_page_as_posted
from catalog.tests.factories import ProductFactory
from orders.tests.factories import customer_with_address, delivery_zone, place_order
from orders.workflows import order_cancel

pytestmark = pytest.mark.django_db


def milk():
    return ProductFactory(name="Toned milk", price=Decimal("30.00"), hsn_code="0401")


def ghee():
    return ProductFactory(name="Cow ghee", price=Decimal("315.00"), hsn_code="0405", gst_rate=Decimal("5"))


def credit_note_of(order) -> TaxDocument:
    return TaxDocument.objects.get(order=order, kind=DocumentKind.CREDIT_NOTE)


def test_the_api_cancel_issues_a_credit_note(me):
    order = place_order(user=me.user, lines=[(ghee(), 1)])

    response = me.post("/order/cancel", {"orderId": order.number})

    assert response.status_code == 200
    note = credit_note_of(order)
    assert note.original.order == order
    assert note.reason == "Cancelled by the customer"


def test_the_admin_cancel_action_issues_a_credit_note_with_the_reason(client, staff):
    order = place_order(lines=[(ghee(), 1)])

    client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "cancel_with_refund", "_selected_action": [order.pk], "reason": "No ghee from the dairy"},
    )

    note = credit_note_of(order)
    assert note.reason == "No ghee from the dairy"
    assert note.total == Decimal("315.00")


def test_the_customers_cancel_page_issues_a_credit_note(client):
    delivery_zone()
    customer = customer_with_address()
    client.force_login(customer)
    order = place_order(user=customer, lines=[(ghee(), 1)])

    client.post(reverse("orders:cancel", args=[order.number]))

    assert credit_note_of(order).original == TaxDocument.objects.get(order=order, kind=DocumentKind.TAX_INVOICE)


# The product admin


def test_a_gst_rate_outside_the_slabs_is_refused_on_the_product_form(client, staff):
    product = ghee()
    url = reverse("admin:catalog_product_change", args=[product.pk])
    data = change_page_as_posted(client.get(url))

    response = client.post(url, {**data, "gst_rate": "12"})

    assert response.status_code == 200
    assert "12 % is not a GST slab. Use one of: 0 %, 5 %, 18 %, 40 %." in response.content.decode()
    assert Product.objects.get(pk=product.pk).gst_rate == Decimal("5.00")


def test_the_product_form_sets_the_hsn_code_and_rate_and_the_list_shows_them(client, staff):
    product = milk()
    url = reverse("admin:catalog_product_change", args=[product.pk])
    data = change_page_as_posted(client.get(url))

    client.post(url, {**data, "hsn_code": "0403", "gst_rate": "5"})

    product.refresh_from_db()
    assert (product.hsn_code, product.gst_rate) == ("0403", Decimal("5.00"))
    page = client.get(reverse("admin:catalog_product_changelist")).content.decode()
    assert "0403" in page


def test_a_bad_hsn_code_is_refused_on_the_product_form(client, staff):
    product = milk()
    url = reverse("admin:catalog_product_change", args=[product.pk])
    data = change_page_as_posted(client.get(url))

    response = client.post(url, {**data, "hsn_code": "04A1"})

    assert "An HSN code is 4, 6 or 8 digits" in response.content.decode()


# The documents' admin


def test_staff_find_documents_and_download_any_pdf(client, staff):
    order = place_order(lines=[(ghee(), 1)])
    document = TaxDocument.objects.get(order=order)

    page = client.get(reverse("admin:billing_taxdocument_changelist"), {"q": document.number}).content.decode()
    detail = client.get(reverse("admin:billing_taxdocument_change", args=[document.pk])).content.decode()
    response = client.get(reverse("admin:billing_taxdocument_pdf", args=[document.pk]))

    assert document.number in page
    assert order.recipient_name in page
    assert "Cow ghee" in detail and "0405" in detail
    assert response["Content-Type"] == "application/pdf"


def test_documents_cannot_be_changed_or_deleted_in_the_admin(client, staff):
    document = TaxDocument.objects.get(order=place_order(lines=[(ghee(), 1)]))

    page = client.get(reverse("admin:billing_taxdocument_change", args=[document.pk])).content.decode()

    assert 'name="total"' not in page
    assert (
        client.post(reverse("admin:billing_taxdocument_delete", args=[document.pk]), {"post": "yes"}).status_code == 403
    )
    assert TaxDocument.objects.filter(pk=document.pk).exists()


def test_the_admin_pdf_is_for_staff_only(client):
    document = TaxDocument.objects.get(order=place_order(lines=[(ghee(), 1)]))
    client.force_login(document.user)

    response = client.get(reverse("admin:billing_taxdocument_pdf", args=[document.pk]))

    assert response.status_code == 302
    assert "login" in response["Location"]


# The GST summary


def gst_rows(table) -> list[tuple]:
    return [
        (r["gst_rate"], r["hsn_code"], r["supply"], r["taxable_value"], r["cgst"], r["sgst"], r["total"])
        for r in table.rows
    ]


def test_the_gst_summary_sums_by_rate_and_hsn_and_takes_credit_notes_off(client, staff):
    from analytics.selectors import gst_summary

    the_milk, the_ghee = milk(), ghee()
    place_order(lines=[(the_milk, 2), (the_ghee, 2)])
    cancelled = place_order(lines=[(the_ghee, 1)])
    order_cancel(order=cancelled, by=staff, reason="Out of ghee")
    today = timezone.localdate()

    table = gst_summary(today, today)

    assert gst_rows(table) == [
        ("0 %", "0401", "Nil-rated", Decimal("60.00"), Decimal("0.00"), Decimal("0.00"), Decimal("60.00")),
        ("5 %", "0405", "Taxable", Decimal("600.00"), Decimal("15.00"), Decimal("15.00"), Decimal("630.00")),
        ("All", "", "", Decimal("660.00"), Decimal("15.00"), Decimal("15.00"), Decimal("690.00")),
    ]
    page = client.get(reverse("analytics:reports")).content.decode()
    assert f"GST summary, {today:%B %Y}" in page


def test_the_gst_summary_csv_for_a_chosen_month(client, staff):
    place_order(lines=[(ghee(), 1)])
    today = timezone.localdate()

    response = client.get(reverse("analytics:gst_summary_month"), {"month": f"{today:%Y-%m}"})
    earlier = client.get(reverse("analytics:gst_summary_month"), {"month": "2020-01"})
    bad = [client.get(reverse("analytics:gst_summary_month"), {"month": m}) for m in ("soon", "9999-12", "0001-01")]

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["GST rate", "HSN", "Supply", "Taxable value", "CGST", "SGST", "IGST", "Total"]
    assert rows[1] == ["5 %", "0405", "Taxable", "300.00", "7.50", "7.50", "0.00", "315.00"]
    assert response["Content-Disposition"] == f'attachment; filename="milkshop-gst-summary-{today:%Y-%m}.csv"'
    assert len(list(csv.reader(io.StringIO(earlier.content.decode())))) == 1
    assert [answer.status_code for answer in bad] == [400, 400, 400]


def test_the_gst_summary_is_for_staff_only(client):
    client.force_login(customer_with_address())

    assert client.get(reverse("analytics:gst_summary_month"), {"month": "2026-11"}).status_code == 403


def test_the_gst_summary_takes_the_same_queries_however_many_documents(django_assert_max_num_queries):
    from billing.selectors_documents import gst_summary

    product = ghee()
    for _ in range(5):
        place_order(lines=[(product, 1)])

    with django_assert_max_num_queries(1):
        gst_summary(month=date.today())
