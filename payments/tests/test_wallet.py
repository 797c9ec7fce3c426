from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from orders.tests.factories import customer_with_address, fund_wallet, place_order
from orders.workflows import order_cancel, payment_succeeded
from payments.models import Payment, PaymentMethod, PaymentPurpose, PaymentStatus, WalletEntry, WalletEntryKind
from payments.selectors import wallet_balance
from payments.services import InsufficientWalletBalance, refund_complete, wallet_debit

pytestmark = pytest.mark.django_db


def test_a_debit_never_takes_the_balance_below_zero():
    user = UserFactory()
    fund_wallet(user, Decimal("50.00"))

    wallet_debit(user=user, amount=Decimal("30.00"), kind=WalletEntryKind.ORDER_DEBIT)
    with pytest.raises(InsufficientWalletBalance, match="₹20.00"):
        wallet_debit(user=user, amount=Decimal("20.01"), kind=WalletEntryKind.ORDER_DEBIT)

    assert wallet_balance(user=user) == Decimal("20.00")
    assert WalletEntry.objects.count() == 2


def test_a_refund_credits_the_wallet_once():
    customer = customer_with_address()
    fund_wallet(customer, Decimal("64.00"))
    order = place_order(user=customer, method=PaymentMethod.WALLET)
    assert wallet_balance(user=customer) == Decimal("0.00")

    order_cancel(order=order, by=customer, reason="Cancelled by the customer")
    refund_complete(refund=order.payments.get().refunds.get(), provider_reference="reported again")

    assert wallet_balance(user=customer) == Decimal("64.00")
    assert WalletEntry.objects.filter(kind=WalletEntryKind.REFUND).count() == 1


def test_top_up_through_the_gateway_credits_once(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("payments:wallet"), {"amount": "500", "method": "UPI"})
    payment = Payment.objects.get(purpose=PaymentPurpose.WALLET_TOPUP)
    assert response["Location"] == reverse("payments:demo_checkout", args=[payment.idempotency_key])

    client.post(response["Location"], {"decision": "approve"})
    payment_succeeded(payment_id=payment.pk, reference="reported twice")

    assert wallet_balance(user=user) == Decimal("500.00")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCESS


@pytest.mark.parametrize(
    ("amount", "message"), [("50", "at least ₹100"), ("50000", "at most ₹20,000"), ("abc", "Enter an amount")]
)
def test_a_bad_top_up_amount_is_explained(client, amount, message):
    client.force_login(UserFactory())

    response = client.post(reverse("payments:wallet"), {"amount": amount, "method": "UPI"})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Payment.objects.exists()


def test_wallet_page_shows_balance_and_history(client):
    user = UserFactory()
    fund_wallet(user, Decimal("1234.50"))
    client.force_login(user)

    page = client.get(reverse("payments:wallet")).content.decode()

    assert "₹1,234.50" in page
    assert "Adjustment" in page


def test_payment_history_lists_only_my_payments(client):
    mine = place_order()
    theirs = place_order()
    client.force_login(mine.user)

    page = client.get(reverse("payments:history")).content.decode()

    assert mine.number in page
    assert theirs.number not in page


def test_the_demo_gateway_is_off_when_disabled(client, settings):
    settings.PAYMENTS_DEMO_GATEWAY = False
    payment = place_order(method=PaymentMethod.CARD).payments.get()
    client.force_login(payment.user)

    assert client.get(reverse("payments:demo_checkout", args=[payment.idempotency_key])).status_code == 404
