"""Reads of the GST documents: an order's documents, a customer's own document, and the monthly GST summary."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Case, DecimalField, F, QuerySet, Sum, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from billing.models import DocumentKind, TaxDocument, TaxDocumentLine

ZERO = Decimal("0.00")


def order_documents(*, order) -> list[TaxDocument]:
    """The order's invoice or bill of supply, then its credit notes, in the order they were issued."""
    return list(TaxDocument.objects.filter(order=order).select_related("original").order_by("issued_at", "pk"))


def document_for_owner(*, user, number: str) -> TaxDocument:
    """A customer's own document; anyone else's is a 404."""
    documents = TaxDocument.objects.select_related("original", "order")
    return get_object_or_404(documents, number=number, user=user)


@dataclass(frozen=True)
class GstRow:
    gst_rate: Decimal
    hsn_code: str
    taxable_value: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    total: Decimal

    @property
    def nil_rated(self) -> bool:
        return self.gst_rate == 0


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    zone = timezone.get_current_timezone()
    return datetime.combine(first, time.min, zone), datetime.combine(following, time.min, zone)


def gst_summary(*, month: date) -> list[GstRow]:
    """The month's documents summed by GST rate and HSN code, credit notes taken off: taxable value (for nil-rated
    goods, their value), CGST, SGST, IGST and total. One query."""
    start, end = _month_bounds(month)
    sign = Case(When(document__kind=DocumentKind.CREDIT_NOTE, then=-1), default=1)

    def signed(field: str):
        return Sum(F(field) * sign, output_field=DecimalField(max_digits=14, decimal_places=2))

    rows = (
        TaxDocumentLine.objects.filter(document__issued_at__gte=start, document__issued_at__lt=end)
        .values("gst_rate", "hsn_code")
        .annotate(
            taxable=signed("taxable_value"),
            cgst_sum=signed("cgst"),
            sgst_sum=signed("sgst"),
            igst_sum=signed("igst"),
            total_sum=signed("total"),
        )
        .order_by("gst_rate", "hsn_code")
    )
    return [
        GstRow(
            gst_rate=row["gst_rate"],
            hsn_code=row["hsn_code"],
            taxable_value=_cents(row["taxable"]),
            cgst=_cents(row["cgst_sum"]),
            sgst=_cents(row["sgst_sum"]),
            igst=_cents(row["igst_sum"]),
            total=_cents(row["total_sum"]),
        )
        for row in rows
    ]


def _cents(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def gst_summary_totals(rows: list[GstRow]) -> GstRow:
    return GstRow(
        gst_rate=Decimal("-1"),
        hsn_code="",
        taxable_value=sum((r.taxable_value for r in rows), ZERO),
        cgst=sum((r.cgst for r in rows), ZERO),
        sgst=sum((r.sgst for r in rows), ZERO),
        igst=sum((r.igst for r in rows), ZERO),
        total=sum((r.total for r in rows), ZERO),
    )


def documents_admin_queryset() -> QuerySet[TaxDocument]:
    return TaxDocument.objects.select_related("user", "original")
