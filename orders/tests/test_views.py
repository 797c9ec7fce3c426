from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.tests.factories import AddressFactory, UserFactory
from billing.models import TaxDocument
from cart.models import CartItem
from catalog.tests.factories import ProductFactory
from delivery.slots import upcoming_slots
from orders.models import Order, OrderStatus
from orders.tests.factories import cart_with, customer_with_address, delivery_zone, fund_wallet, open_slot, place_order
from payments.models import PaymentMethod, PaymentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(client):
    delivery_zone()
    user = customer_with_address()
    client.force_login(user)
    return user


def checkout_data(customer, method="CASH", **overrides):
    data = {"address": customer.addresses.get(is_default=True).pk, "slot": open_slot().key, "method": method}
    data.update(overrides)
    return data


def test_checkout_offers_addresses_open_slots_and_ways_to_pay(client, customer):
    cart_with(customer, (ProductFactory(name="Cow Milk"), 2))

    page = client.get(reverse("orders:checkout")).content.decode()

    assert open_slot().key in page
    for method in ("UPI", "CARD", "CASH", "WALLET"):
        assert f'value="{method}"' in page
    assert "Cow Milk" in page


def test_checkout_with_an_empty_cart_goes_back_to_the_cart(client, customer):
    response = client.get(reverse("orders:checkout"))

    assert response["Location"] == reverse("cart:detail")


def test_checkout_with_a_flagged_line_goes_back_to_the_cart(client, customer):
    milk = ProductFactory()
    cart_with(customer, (milk, 1))
    milk.is_active = False
    milk.save()

    assert client.get(reverse("orders:checkout"))["Location"] == reverse("cart:detail")


def test_placing_a_cash_order_shows_it_confirmed(client, customer):
    cart_with(customer, (ProductFactory(price=Decimal("62.00")), 2))

    response = client.post(reverse("orders:checkout"), checkout_data(customer), follow=True)

    order = Order.objects.get()
    assert response.redirect_chain[-1][0] == order.get_absolute_url()
    page = response.content.decode()
    assert f"Order {order.number} is confirmed" in page
    assert "₹124.00" in page
    assert order.status == OrderStatus.CONFIRMED


def test_paying_by_card_goes_to_the_gateway_and_approval_confirms(client, customer):
    cart_with(customer, (ProductFactory(), 1))

    response = client.post(reverse("orders:checkout"), checkout_data(customer, method="CARD"))

    order = Order.objects.get()
    payment = order.payments.get()
    assert response["Location"] == reverse("payments:demo_checkout", args=[payment.idempotency_key])
    assert order.status == OrderStatus.CREATED

    client.post(response["Location"], {"decision": "approve"})

    order.refresh_from_db()
    assert (order.status, order.payment_status) == (OrderStatus.CONFIRMED, PaymentStatus.SUCCESS)


def test_a_declined_payment_can_be_retried_with_a_new_payment(client, customer):
    cart_with(customer, (ProductFactory(), 1))
    first = client.post(reverse("orders:checkout"), checkout_data(customer, method="UPI"))["Location"]
    client.post(first, {"decision": "decline"})
    order = Order.objects.get()
    assert order.payment_status == PaymentStatus.FAILED

    retry = client.post(reverse("orders:pay", args=[order.number]))["Location"]
    client.post(retry, {"decision": "approve"})

    order.refresh_from_db()
    assert retry != first
    assert order.status == OrderStatus.CONFIRMED
    assert list(order.payments.order_by("pk").values_list("status", flat=True)) == ["FAILED", "SUCCESS"]


def test_an_address_outside_the_service_area_is_explained(client, customer):
    far = AddressFactory(user=customer, pincode="110001")
    cart_with(customer, (ProductFactory(), 1))

    response = client.post(reverse("orders:checkout"), checkout_data(customer, address=far.pk))

    assert response.status_code == 200
    assert "We don&#x27;t deliver to 110001 yet." in response.content.decode()
    assert not Order.objects.exists()


def test_a_line_that_ran_out_since_the_page_was_drawn_is_named(client, customer):
    milk = ProductFactory(name="Cow Milk", stock=5)
    cart_with(customer, (milk, 3))
    place_order(lines=[(milk, 4)])  # bought by someone else while the customer looked at the checkout page

    response = client.post(reverse("orders:checkout"), checkout_data(customer), follow=True)

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("cart:detail")
    assert "need your attention" in page
    assert "Only 1 left: lower the quantity to check out." in page
    assert not Order.objects.filter(user=customer).exists()


def test_a_wallet_too_small_is_explained(client, customer):
    cart_with(customer, (ProductFactory(price=Decimal("100.00")), 1))
    fund_wallet(customer, Decimal("50.00"))

    page = client.post(reverse("orders:checkout"), checkout_data(customer, method="WALLET")).content.decode()

    assert "does not cover" in page
    assert not Order.objects.exists()


def test_order_list_detail_and_timeline(client, customer):
    order = place_order(user=customer)

    listing = client.get(reverse("orders:list")).content.decode()
    detail = client.get(order.get_absolute_url()).content.decode()

    assert order.number in listing
    assert "Order placed" in detail
    assert "Cash on delivery" in detail


def test_customer_cancels_from_the_order_page(client, customer):
    order = place_order(user=customer)

    client.post(reverse("orders:cancel", args=[order.number]))

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_order_again_refills_the_cart(client, customer):
    milk = ProductFactory(stock=20)
    order = place_order(user=customer, lines=[(milk, 3)])

    client.post(reverse("orders:again", args=[order.number]))

    assert list(CartItem.objects.filter(cart__user=customer).values_list("product_id", "qty")) == [(milk.pk, 3)]


def test_invoice_is_a_pdf_for_paid_orders(client, customer):
    fund_wallet(customer, Decimal("500.00"))
    order = place_order(user=customer, method=PaymentMethod.WALLET)

    response = client.get(reverse("orders:invoice", args=[order.number]))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="BOS-')
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_invoices_are_kept_in_the_private_folder_never_in_public_media(client, customer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fund_wallet(customer, Decimal("500.00"))
    order = place_order(user=customer, method=PaymentMethod.WALLET)

    client.get(reverse("orders:invoice", args=[order.number]))

    document = TaxDocument.objects.get(order=order)
    assert Path(document.pdf.path).is_relative_to(settings.STORAGES["invoices"]["OPTIONS"]["location"])
    assert Path(document.pdf.path).is_file()
    assert not list(tmp_path.rglob("*.pdf"))


def test_an_invoice_whose_file_is_gone_is_made_again(client, customer):
    fund_wallet(customer, Decimal("500.00"))
    order = place_order(user=customer, method=PaymentMethod.WALLET)
    client.get(reverse("orders:invoice", args=[order.number]))
    document = TaxDocument.objects.get(order=order)
    document.pdf.storage.delete(document.pdf.name)

    response = client.get(reverse("orders:invoice", args=[order.number]))

    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_invoice_waits_until_the_order_is_paid(client, customer):
    order = place_order(user=customer, method=PaymentMethod.UPI)

    response = client.get(reverse("orders:invoice", args=[order.number]))

    assert response["Location"] == order.get_absolute_url()
    assert not TaxDocument.objects.filter(order=order).exists()


def test_an_order_paid_before_gst_documents_gets_its_document_on_first_request(client, customer):
    fund_wallet(customer, Decimal("500.00"))
    order = place_order(user=customer, method=PaymentMethod.WALLET)
    # Orders paid before this release have no document: the state they were left in.
    TaxDocument.objects.filter(order=order).delete()

    response = client.get(reverse("orders:invoice", args=[order.number]))

    assert response["Content-Type"] == "application/pdf"
    document = TaxDocument.objects.get(order=order)
    assert document.kind == "BILL_OF_SUPPLY"
    assert client.get(reverse("orders:invoice", args=[order.number]))["Content-Type"] == "application/pdf"
    assert TaxDocument.objects.filter(order=order).count() == 1


def test_staff_can_download_any_invoice(client):
    owner = customer_with_address()
    fund_wallet(owner, Decimal("500.00"))
    order = place_order(user=owner, method=PaymentMethod.WALLET)
    client.force_login(UserFactory(is_staff=True))

    assert client.get(reverse("orders:invoice", args=[order.number]))["Content-Type"] == "application/pdf"


def test_the_order_page_lists_its_documents_and_the_credit_note_after_a_cancel(client, customer):
    order = place_order(user=customer)
    invoice = TaxDocument.objects.get(order=order)

    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert f"Bill of supply {invoice.number}" in page
    assert reverse("orders:document", args=[invoice.number]) in page

    client.post(reverse("orders:cancel", args=[order.number]))

    note = TaxDocument.objects.get(order=order, kind="CREDIT_NOTE")
    assert note.original == invoice
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert f"Credit note {note.number}" in page
    assert f"(against {invoice.number})" in page
    response = client.get(reverse("orders:document", args=[note.number]))
    assert response["Content-Type"] == "application/pdf"


def test_another_customers_document_is_404(client, customer):
    theirs = TaxDocument.objects.get(order=place_order())

    assert client.get(reverse("orders:document", args=[theirs.number])).status_code == 404


def test_a_monthly_account_order_is_billed_on_the_statement(client, customer):
    from billing.ledger import account_set_terms

    account_set_terms(user=customer, kind="POSTPAID", credit_limit=Decimal("2000.00"), by=UserFactory(is_staff=True))
    order = place_order(user=customer, method=PaymentMethod.POSTPAID)

    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    response = client.get(reverse("orders:invoice", args=[order.number]))

    assert "billed on your monthly statement" in page
    assert response["Location"] == order.get_absolute_url()
    assert not TaxDocument.objects.filter(order=order).exists()


@pytest.mark.parametrize("url_name", ["orders:detail", "orders:cancel", "orders:invoice"])
def test_another_customers_order_pages_are_404(client, customer, url_name):
    theirs = place_order()

    assert client.get(reverse(url_name, args=[theirs.number])).status_code == 404


@pytest.mark.parametrize("url_name", ["orders:cancel", "orders:pay", "orders:again"])
def test_another_customers_order_actions_are_404(client, customer, url_name):
    theirs = place_order(method=PaymentMethod.UPI)

    assert client.post(reverse(url_name, args=[theirs.number])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == OrderStatus.CREATED


def test_another_customers_payment_page_is_404(client, customer):
    theirs = place_order(method=PaymentMethod.CARD).payments.get()

    assert client.get(reverse("payments:demo_checkout", args=[theirs.idempotency_key])).status_code == 404
    assert (
        client.post(
            reverse("payments:demo_checkout", args=[theirs.idempotency_key]), {"decision": "approve"}
        ).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.status == PaymentStatus.PENDING


def test_order_pages_need_a_login(client):
    order = place_order()

    response = client.get(order.get_absolute_url())

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("orders", [2, 25])
def test_order_list_and_detail_queries_do_not_grow(client, customer, django_assert_max_num_queries, orders):
    lines = [(ProductFactory(), 1) for _ in range(3)]
    for _ in range(orders):
        place_order(user=customer, lines=lines)
    order = Order.objects.filter(user=customer).first()

    with django_assert_max_num_queries(8):
        client.get(reverse("orders:list"))
    with django_assert_max_num_queries(11):  # its tax documents are one of them
        client.get(order.get_absolute_url())


def test_checkout_names_what_a_slots_date_is_short_of_beside_that_slot(client, customer):
    fresh = ProductFactory(name="Fresh Milk", perishable=True, daily_supply=3)
    first = open_slot()
    place_order(lines=[(fresh, 2)], slot=first)  # 1 left for the first date, 3 for every later one
    cart_with(customer, (fresh, 2))

    page = client.get(reverse("orders:checkout")).content.decode()

    first_label = f"{first.label} (Fresh Milk: only 1 left)"
    assert first_label in page
    later = next(slot for slot in upcoming_slots() if slot.date > first.date)
    assert f"{later.label} (" not in page
    assert later.label in page
