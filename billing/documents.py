"""GST documents: tax invoices, bills of supply, invoices-cum-bills of supply and credit notes, as issued.

A prepaid order gets its document when it is confirmed; a monthly account's deliveries are billed on the
statement's document instead. Which document it is follows from the goods' rates: only nil-rated goods (fresh milk)
make a bill of supply, only taxable goods a tax invoice, a mix an invoice-cum-bill of supply. Prices include GST
(billing.taxes); the tax is CGST and SGST when the place of supply is the shop's state, IGST when it is another.

Numbers run per series and financial year (April to March, in the shop's time zone) without gaps: a number is
taken under the series row's lock, inside the caller's transaction, so a rollback gives it back. Callers take it
last of every lock (orders.locks: documents).

Container deposits are not a supply: they are neither lines nor part of a document's total.
"""

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from billing.models import DocumentKind, DocumentSequence, Statement, TaxDocument, TaxDocumentLine
from billing.pdf import pdf_render
from billing.states import GST_STATES
from billing.taxes import tax_in
from billing.words import amount_in_words
from orders.models import Order, OrderLine
from payments.models import PaymentMethod

ZERO = Decimal("0.00")
SERIES = {
    DocumentKind.TAX_INVOICE: "INV",
    DocumentKind.INVOICE_CUM_BILL: "INV",
    DocumentKind.BILL_OF_SUPPLY: "BOS",
    DocumentKind.CREDIT_NOTE: "CN",
}


class DocumentError(ValueError):
    """A document that may not be issued (a credit note for more than is left to credit)."""


@dataclass(frozen=True)
class Goods:
    """One line of goods, tax-inclusive as sold."""

    description: str
    hsn_code: str
    qty: int
    unit: str
    unit_price: Decimal
    gst_rate: Decimal
    total: Decimal


@dataclass
class _Draft:
    """A document worked out but not yet numbered."""

    document: TaxDocument
    lines: list[TaxDocumentLine]


def financial_year(moment: datetime) -> str:
    """The Indian financial year a moment falls in, April to March in the shop's time zone: "2026-27"."""
    day = timezone.localtime(moment).date()
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def document_number(*, series: str, year: str, sequence: int) -> str:
    """ "INV/2627/00012": at most 16 characters, as GST asks."""
    return f"{series}/{year[2:4]}{year[5:7]}/{sequence:05d}"


def kind_for_rates(rates) -> str:
    rates = [Decimal(rate) for rate in rates]
    if all(rate == 0 for rate in rates):
        return DocumentKind.BILL_OF_SUPPLY
    if all(rate > 0 for rate in rates):
        return DocumentKind.TAX_INVOICE
    return DocumentKind.INVOICE_CUM_BILL


def _numbers_take(*, series: str, year: str, count: int) -> int:
    """Take count consecutive numbers of a series, under its row's lock; the first of them."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Document numbers are taken inside the caller's transaction (a rollback gives them back).")
    DocumentSequence.objects.bulk_create([DocumentSequence(series=series, financial_year=year)], ignore_conflicts=True)
    sequence = DocumentSequence.objects.select_for_update().get(series=series, financial_year=year)
    first = sequence.last_number + 1
    sequence.last_number += count
    sequence.save(update_fields=["last_number"])
    return first


def _draft(*, kind: str | None, goods: list[Goods], place_of_supply: str, **fields) -> _Draft:
    """A document with its lines and totals worked out from goods sold tax-inclusive."""
    same_state = place_of_supply == settings.SHOP_STATE_CODE
    document = TaxDocument(
        kind=kind or kind_for_rates(g.gst_rate for g in goods),
        place_of_supply=place_of_supply,
        taxable_value=ZERO,
        exempt_value=ZERO,
        cgst=ZERO,
        sgst=ZERO,
        igst=ZERO,
        total=ZERO,
        **fields,
    )
    lines = []
    for item in goods:
        rate = Decimal(item.gst_rate)
        tax = tax_in(item.total, rate=rate, same_state=same_state)
        lines.append(
            TaxDocumentLine(
                description=item.description[:200],
                hsn_code=item.hsn_code,
                qty=item.qty,
                unit=item.unit,
                unit_price=item.unit_price,
                gst_rate=rate,
                taxable_value=tax.taxable_value,
                cgst=tax.cgst,
                sgst=tax.sgst,
                igst=tax.igst,
                total=item.total,
            )
        )
        if rate:
            document.taxable_value += tax.taxable_value
        else:
            document.exempt_value += tax.taxable_value
        document.cgst += tax.cgst
        document.sgst += tax.sgst
        document.igst += tax.igst
        document.total += item.total
    return _Draft(document=document, lines=lines)


def _issue(drafts: list[_Draft]) -> list[TaxDocument]:
    """Number the drafts (a block of numbers per series, in one go) and save them with their lines."""
    if not drafts:
        return []
    issued_at = timezone.now()
    year = financial_year(issued_at)
    by_series: dict[str, list[_Draft]] = defaultdict(list)
    for draft in drafts:
        by_series[SERIES[draft.document.kind]].append(draft)
    for series in sorted(by_series):
        batch = by_series[series]
        first = _numbers_take(series=series, year=year, count=len(batch))
        for offset, draft in enumerate(batch):
            document = draft.document
            document.series = series
            document.financial_year = year
            document.sequence = first + offset
            document.number = document_number(series=series, year=year, sequence=document.sequence)
            document.issued_at = issued_at
    documents = TaxDocument.objects.bulk_create([draft.document for draft in drafts])
    lines = []
    for draft, document in zip(drafts, documents, strict=True):
        for line in draft.lines:
            line.document = document
            lines.append(line)
    TaxDocumentLine.objects.bulk_create(lines)
    return documents


def _order_goods(lines: list[OrderLine]) -> list[Goods]:
    return [
        Goods(
            description=line.product_name,
            hsn_code=line.hsn_code,
            qty=line.qty,
            unit=line.unit,
            unit_price=line.unit_price,
            gst_rate=line.gst_rate,
            total=line.line_total,
        )
        for line in lines
    ]


def _place_of_supply(order: Order, zone_states: dict[int, str]) -> str:
    return zone_states.get(order.zone_id) or settings.SHOP_STATE_CODE


def orders_documents_issue(*, orders: list[Order]) -> list[TaxDocument]:
    """The tax documents of prepaid orders (monthly-account orders are billed on the statement), in one go: the
    queries do not grow with the orders. An order that has its document already is left as it is. Call in the
    caller's transaction, after every other lock."""
    from delivery.models import DeliveryZone

    wanted = [order for order in orders if order.payment_method != PaymentMethod.POSTPAID]
    if not wanted:
        return []
    already = set(
        TaxDocument.objects.filter(order__in=[o.pk for o in wanted])
        .exclude(kind=DocumentKind.CREDIT_NOTE)
        .values_list("order_id", flat=True)
    )
    wanted = sorted((o for o in wanted if o.pk not in already), key=lambda o: o.pk)
    if not wanted:
        return []
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    for line in OrderLine.objects.filter(order__in=[o.pk for o in wanted]).order_by("order_id", "pk"):
        lines[line.order_id].append(line)
    zone_ids = {o.zone_id for o in wanted if o.zone_id}
    zone_states = dict(DeliveryZone.objects.filter(pk__in=zone_ids).values_list("pk", "state")) if zone_ids else {}
    drafts = [
        _draft(
            kind=None,
            goods=_order_goods(lines[order.pk]),
            place_of_supply=_place_of_supply(order, zone_states),
            user_id=order.user_id,
            order=order,
            buyer_name=order.recipient_name,
            buyer_address="\n".join(order.address_lines),
        )
        for order in wanted
        if lines[order.pk]
    ]
    return _issue(drafts)


def order_document(*, order: Order) -> TaxDocument | None:
    """The order's tax invoice or bill of supply, if it has one."""
    return TaxDocument.objects.filter(order=order).exclude(kind=DocumentKind.CREDIT_NOTE).first()


def order_document_issue(*, order: Order) -> TaxDocument | None:
    """The prepaid order's tax document, issued when it is confirmed (or the one it has already); None for an order
    on a monthly account."""
    if order.payment_method == PaymentMethod.POSTPAID:
        return None
    existing = order_document(order=order)
    if existing is not None:
        return existing
    issued = orders_documents_issue(orders=[order])
    return issued[0] if issued else None


def _buyer_of(user) -> dict:
    address = user.addresses.order_by("-is_default", "created_at").first()
    lines = []
    if address is not None:
        lines = [address.line1, address.line2, f"{address.area}, {address.city} {address.pincode}"]
    return {"buyer_name": user.name, "buyer_address": "\n".join(line for line in lines if line)}


def statement_document_issue(*, statement: Statement, goods: list[Goods], place_of_supply: str) -> TaxDocument | None:
    """The tax document of a monthly statement's goods (None when there are none); kind from their rates. A
    statement has one: asking again gives the same."""
    if not goods:
        return None
    existing = TaxDocument.objects.filter(statement=statement).exclude(kind=DocumentKind.CREDIT_NOTE).first()
    if existing is not None:
        return existing
    user = statement.account.user
    draft = _draft(
        kind=None,
        goods=goods,
        place_of_supply=place_of_supply,
        user_id=user.pk,
        statement=statement,
        **_buyer_of(user),
    )
    return _issue([draft])[0]


def _credited_total(original: TaxDocument) -> Decimal:
    return original.credit_notes.aggregate(total=Sum("total"))["total"] or ZERO


def _goods_left(original: TaxDocument) -> list[Goods]:
    """What of a document is not yet credited, line by line."""
    credited: dict[tuple, list[Decimal | int]] = defaultdict(lambda: [0, ZERO])
    for line in TaxDocumentLine.objects.filter(document__original=original):
        key = (line.description, line.hsn_code, line.gst_rate, line.unit_price)
        credited[key][0] += line.qty
        credited[key][1] += line.total
    left = []
    for line in original.lines.all():
        key = (line.description, line.hsn_code, line.gst_rate, line.unit_price)
        qty_done, total_done = credited[key]
        qty = max(0, line.qty - qty_done)
        total = max(ZERO, line.total - total_done)
        credited[key] = [max(0, qty_done - line.qty), max(ZERO, total_done - line.total)]
        if total > 0:
            left.append(
                Goods(
                    description=line.description,
                    hsn_code=line.hsn_code,
                    qty=qty,
                    unit=line.unit,
                    unit_price=line.unit_price,
                    gst_rate=line.gst_rate,
                    total=total,
                )
            )
    return left


def credit_note_issue(*, original: TaxDocument, reason: str, goods: list[Goods] | None = None) -> TaxDocument:
    """A credit note reducing original: by the goods given (a partial refund), or by all of it not yet credited.

    Refused when it would credit more than the original less its earlier credit notes."""
    reason = reason.strip()
    if not reason:
        raise DocumentError("Say why the credit note is issued.")
    original = TaxDocument.objects.select_for_update().get(pk=original.pk)
    if original.kind == DocumentKind.CREDIT_NOTE:
        raise DocumentError(f"{original.number} is a credit note; credit the document it reduces.")
    left = original.total - _credited_total(original)
    goods = _goods_left(original) if goods is None else goods
    amount = sum((item.total for item in goods), ZERO)
    if amount <= 0:
        raise DocumentError(f"{original.get_kind_display()} {original.number} has nothing left to credit.")
    if amount > left:
        raise DocumentError(f"{original.get_kind_display()} {original.number} has {left} left to credit, not {amount}.")
    draft = _draft(
        kind=DocumentKind.CREDIT_NOTE,
        goods=goods,
        place_of_supply=original.place_of_supply,
        user_id=original.user_id,
        order_id=original.order_id,
        statement_id=original.statement_id,
        original=original,
        reason=reason[:255],
        buyer_name=original.buyer_name,
        buyer_address=original.buyer_address,
        buyer_gstin=original.buyer_gstin,
    )
    return _issue([draft])[0]


def _share_of(left: list[Goods], amount: Decimal) -> list[Goods]:
    """amount spread over what is left of each line, in proportion (the last line takes the rounding)."""
    whole = sum((item.total for item in left), ZERO)
    shares, given = [], ZERO
    for index, item in enumerate(left):
        share = amount - given if index == len(left) - 1 else (amount * item.total / whole).quantize(Decimal("0.01"))
        share = min(share, item.total)
        given += share
        if share > 0:
            shares.append(Goods(item.description, item.hsn_code, 0, item.unit, item.unit_price, item.gst_rate, share))
    return shares


def order_refund_credit_note(*, order: Order, amount: Decimal, reason: str) -> TaxDocument | None:
    """Money given back on a delivered order: a credit note for its goods' part (a value, spread over the goods
    still uncredited; no quantity comes back). None without a document or with nothing left to credit."""
    original = order_document(order=order)
    if original is None:
        return None
    left = original.total - _credited_total(original)
    amount = min(Decimal(amount), left)
    if amount <= 0:
        return None
    return credit_note_issue(original=original, reason=reason, goods=_share_of(_goods_left(original), amount))


def order_credit_note(*, order: Order, reason: str) -> TaxDocument | None:
    """The order's document credited in full (what of it is not yet credited); None when the order has no document
    or it is credited already."""
    original = order_document(order=order)
    if original is None or _credited_total(original) >= original.total:
        return None
    return credit_note_issue(original=original, reason=reason)


def document_pdf_file(*, document: TaxDocument) -> FieldFile:
    """The document's PDF, made on first request and again when its file is not there; its name carries a random
    part, in case the private folder is ever exposed by mistake."""
    if not document.pdf or not document.pdf.storage.exists(document.pdf.name):
        slug = document.number.replace("/", "-")
        name = f"{slug}-{secrets.token_urlsafe(24)}.pdf"
        document.pdf.save(name, ContentFile(document_pdf(document=document)), save=False)
        TaxDocument.objects.filter(pk=document.pk).update(pdf=document.pdf.name)
    return document.pdf


def rate_summary(*, lines: list[TaxDocumentLine]) -> list[dict]:
    """The lines summed by GST rate (the rate summary a tax invoice prints)."""
    rows: dict[Decimal, dict] = {}
    for line in lines:
        row = rows.setdefault(
            line.gst_rate,
            {"rate": line.gst_rate, "taxable_value": ZERO, "cgst": ZERO, "sgst": ZERO, "igst": ZERO, "total": ZERO},
        )
        for part in ("taxable_value", "cgst", "sgst", "igst", "total"):
            row[part] += getattr(line, part)
    return [rows[rate] for rate in sorted(rows)]


def document_interstate(*, document: TaxDocument) -> bool:
    return document.place_of_supply != settings.SHOP_STATE_CODE


def document_context(*, document: TaxDocument) -> dict:
    """What a document's PDF prints (and the rate summary a statement's PDF includes)."""
    lines = list(document.lines.all())
    deposits = list(document.order.deposits.all()) if document.order_id and not document.original_id else []
    return {
        "document": document,
        "lines": lines,
        "summary": rate_summary(lines=lines),
        "is_credit_note": document.kind == DocumentKind.CREDIT_NOTE,
        "has_tax": any(line.gst_rate > 0 for line in lines),
        "interstate": document_interstate(document=document),
        "place_of_supply": GST_STATES.get(document.place_of_supply, document.place_of_supply),
        "total_in_words": amount_in_words(document.total),
        "deposits": deposits,
        "deposits_total": sum((deposit.amount for deposit in deposits), ZERO),
        "paid_for_order": document.order.total_amount if deposits else None,
    }


def document_pdf(*, document: TaxDocument) -> bytes:
    return pdf_render("billing/pdf/document.html", document_context(document=document))
