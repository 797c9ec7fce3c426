"""GST documents of prepaid orders: their kind, numbers, tax and credit notes, reached through checkout."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from billing.documents import (
    DocumentError,
    Goods,
    credit_note_issue,
    financial_year,
    order_credit_note,
    order_document_issue,
)
from billing.models import DocumentKind, DocumentSequence, TaxDocument
from billing.words import amount_in_words
from catalog.tests.factories import ProductFactory
from containers.tests.factories import glass_bottle, with_rider
from delivery.models import DeliveryStatus
from orders.tests.factories import delivery_zone, place_order
from orders.workflows import delivery_transition, order_cancel
from payments.models import PaymentMethod

pytestmark = pytest.mark.django_db

IST = ZoneInfo("Asia/Kolkata")


def milk(**fields):
    return ProductFactory(name="Toned milk", unit="500 ml", price=Decimal("30.00"), hsn_code="0401", **fields)


def ghee(**fields):
    return ProductFactory(
        name="Cow ghee", unit="500 ml", price=Decimal("315.00"), hsn_code="0405", gst_rate=Decimal("5"), **fields
    )


def document_of(order) -> TaxDocument:
    return TaxDocument.objects.exclude(kind=DocumentKind.CREDIT_NOTE).get(order=order)


def test_milk_only_is_a_bill_of_supply_with_nothing_taxed():
    order = place_order(lines=[(milk(), 2)])

    document = document_of(order)

    assert document.kind == DocumentKind.BILL_OF_SUPPLY
    assert document.number.startswith("BOS/")
    assert (document.exempt_value, document.taxable_value, document.cgst, document.sgst) == (
        Decimal("60.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert document.total == Decimal("60.00")
    line = document.lines.get()
    assert (line.description, line.hsn_code, line.qty, line.gst_rate) == ("Toned milk", "0401", 2, Decimal("0.00"))


def test_ghee_only_is_a_tax_invoice_with_cgst_and_sgst_in_the_shops_state():
    order = place_order(lines=[(ghee(), 1)])

    document = document_of(order)

    assert document.kind == DocumentKind.TAX_INVOICE
    assert document.number.startswith("INV/")
    assert document.place_of_supply == "29"
    # 315 with 5 % inside: 300 taxable, 15 tax in halves.
    assert (document.taxable_value, document.cgst, document.sgst, document.igst, document.total) == (
        Decimal("300.00"),
        Decimal("7.50"),
        Decimal("7.50"),
        Decimal("0.00"),
        Decimal("315.00"),
    )


def test_milk_and_ghee_together_make_an_invoice_cum_bill_of_supply():
    order = place_order(lines=[(milk(), 2), (ghee(), 1)])

    document = document_of(order)

    assert document.kind == DocumentKind.INVOICE_CUM_BILL
    assert document.number.startswith("INV/")
    assert (document.taxable_value, document.exempt_value, document.total) == (
        Decimal("300.00"),
        Decimal("60.00"),
        Decimal("375.00"),
    )
    assert document.buyer_name == order.recipient_name
    assert document.buyer_address == "\n".join(order.address_lines)


def test_a_zone_in_another_state_pays_igst():
    zone = delivery_zone()
    zone.state = "33"
    zone.save()

    document = document_of(place_order(lines=[(ghee(), 2)]))

    assert document.place_of_supply == "33"
    assert (document.igst, document.cgst, document.sgst) == (Decimal("30.00"), Decimal("0.00"), Decimal("0.00"))
    assert document.lines.get().igst == Decimal("30.00")


def test_deposits_are_not_a_supply_and_stay_out_of_the_document():
    bottle = glass_bottle(deposit=Decimal("25.00"))
    order = place_order(lines=[(milk(container=bottle), 2)])

    document = document_of(order)

    assert order.total_amount == Decimal("110.00")
    assert document.total == Decimal("60.00")
    assert [line.description for line in document.lines.all()] == ["Toned milk"]


def test_numbers_follow_each_other_in_their_series():
    product = ghee(stock=20)
    numbers = [document_of(place_order(lines=[(product, 1)])).number for _ in range(3)]

    year = financial_year(TaxDocument.objects.first().issued_at)
    short = year[2:4] + year[5:7]
    assert numbers == [f"INV/{short}/00001", f"INV/{short}/00002", f"INV/{short}/00003"]
    assert len(numbers[0]) <= 16


def test_issuing_again_gives_the_same_document():
    order = place_order(lines=[(ghee(), 1)])
    first = document_of(order)

    assert order_document_issue(order=order) == first
    assert TaxDocument.objects.filter(order=order).count() == 1


def test_a_rolled_back_step_gives_its_number_back():
    product = ghee(stock=20)
    place_order(lines=[(product, 1)])

    with pytest.raises(RuntimeError), transaction.atomic():
        place_order(lines=[(product, 1)])
        raise RuntimeError("the step failed after its number was taken")
    after = document_of(place_order(lines=[(product, 1)]))

    assert after.sequence == 2
    assert DocumentSequence.objects.get(series="INV").last_number == 2


@time_machine.travel(datetime(2027, 3, 31, 23, 0, tzinfo=IST), tick=False)
def test_the_financial_year_turns_on_the_first_of_april_in_the_shops_time_zone():
    product = ghee(stock=20)
    delivery_zone()
    march = [document_of(place_order(lines=[(product, 1)])) for _ in range(2)]
    with time_machine.travel(datetime(2027, 4, 1, 0, 5, tzinfo=IST), tick=False):
        april = document_of(place_order(lines=[(product, 1)]))

    assert [d.number for d in march] == ["INV/2627/00001", "INV/2627/00002"]
    assert [d.financial_year for d in march] == ["2026-27", "2026-27"]
    assert (april.number, april.financial_year) == ("INV/2728/00001", "2027-28")


# Credit notes


def test_cancelling_an_order_issues_a_credit_note_naming_its_invoice():
    order = place_order(lines=[(milk(), 2), (ghee(), 1)])
    invoice = document_of(order)

    order_cancel(order=order, by=order.user, reason="")

    note = TaxDocument.objects.get(order=order, kind=DocumentKind.CREDIT_NOTE)
    assert note.original == invoice
    assert note.number.startswith("CN/")
    assert note.total == invoice.total
    assert (note.taxable_value, note.exempt_value, note.cgst, note.sgst) == (
        invoice.taxable_value,
        invoice.exempt_value,
        invoice.cgst,
        invoice.sgst,
    )
    assert note.reason


def test_a_failed_delivery_after_pickup_credits_the_invoice():
    rider = with_rider()
    order = place_order(lines=[(ghee(), 1)])
    delivery = order.delivery
    delivery_transition(delivery=delivery, to=DeliveryStatus.PICKED_UP, by=rider)
    delivery_transition(delivery=delivery, to=DeliveryStatus.FAILED, by=rider, failure_reason="CUSTOMER_UNAVAILABLE")

    note = TaxDocument.objects.get(order=order, kind=DocumentKind.CREDIT_NOTE)
    assert note.original == document_of(order)


def test_an_order_is_credited_once():
    order = place_order(lines=[(ghee(), 1)])
    with transaction.atomic():
        first = order_credit_note(order=order, reason="Cancelled")
        again = order_credit_note(order=order, reason="Cancelled")

    assert first is not None
    assert again is None


def test_a_partial_credit_then_the_rest():
    order = place_order(lines=[(milk(), 2), (ghee(), 1)])
    invoice = document_of(order)
    one_milk = Goods("Toned milk", "0401", 1, "500 ml", Decimal("30.00"), Decimal("0"), Decimal("30.00"))

    with transaction.atomic():
        partial = credit_note_issue(original=invoice, reason="One bottle spilt", goods=[one_milk])
        rest = order_credit_note(order=order, reason="Cancelled")

    assert partial.total == Decimal("30.00")
    assert partial.kind == DocumentKind.CREDIT_NOTE
    assert rest.total == Decimal("345.00")
    assert sorted((line.description, line.qty) for line in rest.lines.all()) == [("Cow ghee", 1), ("Toned milk", 1)]


def test_no_credit_for_more_than_is_left():
    order = place_order(lines=[(ghee(), 1)])
    invoice = document_of(order)
    too_much = Goods("Cow ghee", "0405", 2, "500 ml", Decimal("315.00"), Decimal("5"), Decimal("630.00"))

    with pytest.raises(DocumentError, match="left to credit"), transaction.atomic():
        credit_note_issue(original=invoice, reason="Wrong", goods=[too_much])
    assert not TaxDocument.objects.filter(kind=DocumentKind.CREDIT_NOTE).exists()


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1234.50", "Rupees One Thousand Two Hundred Thirty-Four and Fifty Paise Only"),
        ("0.05", "Rupees Zero and Five Paise Only"),
        ("100", "Rupees One Hundred Only"),
        ("1234567.89", "Rupees Twelve Lakh Thirty-Four Thousand Five Hundred Sixty-Seven and Eighty-Nine Paise Only"),
        ("20000000", "Rupees Two Crore Only"),
        ("315", "Rupees Three Hundred Fifteen Only"),
    ],
)
def test_amounts_in_words_the_indian_way(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def paid_by_card_and_delivered(lines):
    from containers.tests.factories import deliver
    from orders.workflows import order_pending_payment, payment_succeeded
    from payments.services import payment_start_checkout

    with_rider()
    order = place_order(lines=lines, method=PaymentMethod.CARD)
    payment = order_pending_payment(order=order, by=order.user)
    payment_start_checkout(payment=payment, success_url="/", cancel_url="/")
    payment_succeeded(payment_id=payment.pk, reference="demo_ref")
    deliver(order)
    return order, payment


def test_money_refunded_on_a_delivered_order_is_credited_for_its_goods_part():
    from orders.workflows import refund_record_external

    order, payment = paid_by_card_and_delivered([(milk(), 2), (ghee(), 1)])
    invoice = document_of(order)

    refund_record_external(payment=payment, amount=Decimal("75.00"), reference="re_part")

    note = TaxDocument.objects.get(order=order, kind=DocumentKind.CREDIT_NOTE)
    assert note.original == invoice
    assert note.total == Decimal("75.00")
    # Spread over the goods by value: 60 of 375 is milk, the rest ghee (5 % inside).
    assert sorted((line.description, line.qty, line.total) for line in note.lines.all()) == [
        ("Cow ghee", 0, Decimal("63.00")),
        ("Toned milk", 0, Decimal("12.00")),
    ]
    assert note.taxable_value == Decimal("60.00")
    assert note.cgst + note.sgst == Decimal("3.00")


def test_a_refund_larger_than_the_goods_credits_the_goods_only():
    from orders.workflows import refund_record_external

    bottle = glass_bottle(deposit=Decimal("25.00"))
    order, payment = paid_by_card_and_delivered([(milk(container=bottle), 2)])

    refund_record_external(payment=payment, amount=Decimal("110.00"), reference="re_all")

    note = TaxDocument.objects.get(order=order, kind=DocumentKind.CREDIT_NOTE)
    assert note.total == Decimal("60.00")  # the deposit was never a supply


def test_a_delivery_failing_before_pickup_credits_the_invoice():
    from accounts.tests.factories import UserFactory

    with_rider()
    order = place_order(lines=[(ghee(), 1)])

    delivery_transition(
        delivery=order.delivery, to=DeliveryStatus.CANCELLED, by=UserFactory(is_staff=True), note="Road closed"
    )

    note = TaxDocument.objects.get(order=order, kind=DocumentKind.CREDIT_NOTE)
    assert note.original == document_of(order)
    assert "Road closed" in note.reason


def test_an_order_on_a_monthly_account_gets_no_document_of_its_own():
    from accounts.tests.factories import UserFactory
    from billing.ledger import account_set_terms
    from orders.tests.factories import customer_with_address

    delivery_zone()
    customer = customer_with_address()
    account_set_terms(user=customer, kind="POSTPAID", credit_limit=Decimal("5000.00"), by=UserFactory(is_staff=True))

    order = place_order(user=customer, lines=[(ghee(), 1)], method=PaymentMethod.POSTPAID)

    assert order_document_issue(order=order) is None
    assert not TaxDocument.objects.filter(order=order).exists()
    order_cancel(order=order, by=customer, reason="")
    assert not TaxDocument.objects.filter(order=order).exists()
