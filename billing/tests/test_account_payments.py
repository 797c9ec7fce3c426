"""Paying a monthly account: online (the demo gateway and Stripe, through the account page and the webhook), and in
cash to the shop (the admin) or to a rider (the rider's page); what a rider hands over counts that cash."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.models import STAFF_GROUP
from billing.ledger import account_balance
from billing.models import EntryKind, LedgerEntry
from billing.tests.factories import account_of, postpaid_customer, shop_staff
from delivery.models import DeliveryStatus
from delivery.rounds import round_for, round_record_handover, rounds_of_day
from delivery.tests.factories import delivery_in, rider
from orders.tests.factories import customer_with_address, delivery_zone
from orders.workflows import NotAllowed, OrderError, account_payment_open, account_payment_record, payment_declined
from payments.models import Payment, PaymentMethod, PaymentPurpose, PaymentStatus
from payments.services import payment_start_checkout
from payments.tests.conftest import deliver, fake_stripe, stripe_on  # noqa: F401  (fixtures)
from payments.tests.stripe_events import BACK, charge_refunded, completed, expired

pytestmark = pytest.mark.django_db


def payments_in_ledger(user) -> list[Decimal]:
    return list(LedgerEntry.objects.filter(account__user=user, kind=EntryKind.PAYMENT).values_list("amount", flat=True))


def owing(amount: str = "400.00", limit: str = "1000.00"):
    """A postpaid household with a delivered order of ₹amount on its account."""
    customer = postpaid_customer(limit=limit)
    from catalog.tests.factories import ProductFactory

    delivery_in(
        DeliveryStatus.DELIVERED,
        method=PaymentMethod.POSTPAID,
        user=customer,
        lines=[(ProductFactory(price=Decimal(amount), stock=5), 1)],
    )
    assert account_balance(account=account_of(customer)) == Decimal(amount)
    return customer


# Online


def test_the_account_page_shows_what_is_owed_and_pays_it_on_the_demo_gateway(
    client, django_capture_on_commit_callbacks
):
    customer = owing("400.00")
    client.force_login(customer)

    page = client.get(reverse("billing:account"))
    assert page.status_code == 200
    assert "You owe <strong>₹400.00</strong>" in page.text
    assert "₹1,000.00" in page.text  # the limit
    assert 'value="400.00"' in page.text  # the amount to pay starts at what is owed

    opened = client.post(reverse("billing:account"), {"amount": "150.00", "method": PaymentMethod.UPI})
    payment = Payment.objects.get(purpose=PaymentPurpose.ACCOUNT)
    assert opened.url == reverse("payments:demo_checkout", args=[payment.idempotency_key])
    assert (payment.order, payment.amount, payment.status) == (None, Decimal("150.00"), PaymentStatus.PENDING)
    assert "Monthly account payment by UPI" in client.get(opened.url).text

    with django_capture_on_commit_callbacks(execute=True):
        approved = client.post(opened.url, {"decision": "approve"})
    assert approved.url == reverse("billing:account")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(opened.url, {"decision": "approve"})  # a second approval changes nothing

    assert payments_in_ledger(customer) == [Decimal("-150.00")]
    assert account_balance(account=account_of(customer)) == Decimal("250.00")
    told = customer.notifications.filter(type__in=["ACCOUNT_PAYMENT_RECEIVED", "PAYMENT_COMPLETED"])
    assert sorted(told.values_list("type", "channel")) == [
        ("ACCOUNT_PAYMENT_RECEIVED", "EMAIL"),
        ("ACCOUNT_PAYMENT_RECEIVED", "IN_APP"),
    ]
    assert "You owe <strong>₹250.00</strong>" in client.get(reverse("billing:account")).text


def test_a_declined_account_payment_changes_nothing():
    customer = owing("400.00")
    payment = account_payment_open(customer=customer, amount=Decimal("100.00"), method=PaymentMethod.CARD)

    payment_declined(payment_id=payment.pk, reason="Declined")

    assert payments_in_ledger(customer) == []


def test_a_prepaid_household_has_no_account_page_to_pay(client):
    customer = customer_with_address()
    client.force_login(customer)

    page = client.get(reverse("billing:account"))

    assert "You pay as you order" in page.text
    with pytest.raises(OrderError, match="not on a monthly account"):
        account_payment_open(customer=customer, amount=Decimal("100.00"), method=PaymentMethod.UPI)


@pytest.mark.parametrize(
    ("amount", "message"), [("0", "more than ₹0"), ("-5", "more than ₹0"), ("1.005", "two decimal")]
)
def test_bad_amounts_are_refused(amount, message):
    customer = postpaid_customer()
    with pytest.raises(OrderError, match=message):
        account_payment_open(customer=customer, amount=amount, method=PaymentMethod.UPI)
    with pytest.raises(OrderError, match=message):
        account_payment_record(customer=customer, amount=amount, by=shop_staff())
    assert not Payment.objects.filter(purpose=PaymentPurpose.ACCOUNT).exists()


@pytest.mark.usefixtures("stripe_on")
def test_a_stripe_payment_credits_the_ledger_exactly_once_however_often_stripe_reports_it(deliver):  # noqa: F811
    customer = owing("400.00")
    payment = account_payment_open(customer=customer, amount=Decimal("400.00"), method=PaymentMethod.CARD)
    payment_start_checkout(payment=payment, success_url=BACK, cancel_url=BACK)
    payment.refresh_from_db()
    assert payment.provider == "stripe"

    event = completed(payment)
    assert deliver(event).status_code == 200
    assert deliver(event).status_code == 200  # the same event again
    assert deliver(completed(payment)).status_code == 200  # another report of the same payment

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCESS
    assert payments_in_ledger(customer) == [Decimal("-400.00")]
    assert account_balance(account=account_of(customer)) == 0


@pytest.mark.usefixtures("stripe_on")
def test_an_account_payment_refunded_from_stripes_dashboard_is_owed_again(deliver):  # noqa: F811
    customer = owing("400.00")
    payment = account_payment_open(customer=customer, amount=Decimal("400.00"), method=PaymentMethod.CARD)
    payment_start_checkout(payment=payment, success_url=BACK, cancel_url=BACK)
    payment.refresh_from_db()
    assert deliver(completed(payment)).status_code == 200

    assert deliver(charge_refunded(payment, amount_refunded=15000)).status_code == 200

    assert account_balance(account=account_of(customer)) == Decimal("150.00")
    entry = LedgerEntry.objects.get(account__user=customer, kind=EntryKind.PAYMENT_REFUNDED)
    assert (entry.amount, entry.payment) == (Decimal("150.00"), payment)


@pytest.mark.usefixtures("stripe_on")
def test_money_stripe_takes_after_the_page_expired_is_still_credited_to_the_account(deliver):  # noqa: F811
    customer = owing("400.00")
    payment = account_payment_open(customer=customer, amount=Decimal("100.00"), method=PaymentMethod.UPI)
    payment_start_checkout(payment=payment, success_url=BACK, cancel_url=BACK)
    payment.refresh_from_db()

    deliver(expired(payment))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    deliver(completed(payment))

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCESS
    assert payments_in_ledger(customer) == [Decimal("-100.00")]
    assert not payment.refunds.exists()


# Cash to the shop


def test_staff_record_cash_from_the_admin_and_more_than_is_owed_is_kept_as_credit(client, staff):
    customer = owing("400.00")
    account = account_of(customer)

    listing = client.post(
        reverse("admin:billing_billingaccount_changelist"),
        {"action": "record_cash_payment", "_selected_action": [account.pk]},
    )
    form_url = reverse("admin:billing_billingaccount_cash", args=[account.pk])
    assert listing.url == form_url
    assert "owes <strong>₹400.00</strong>" in client.get(form_url).text

    done = client.post(form_url, {"amount": "500.00", "note": "Paid at the counter"})

    assert done.status_code == 302
    payment = Payment.objects.get(purpose=PaymentPurpose.ACCOUNT)
    assert (payment.method, payment.provider, payment.status, payment.received_by) == (
        PaymentMethod.CASH,
        "cash",
        PaymentStatus.SUCCESS,
        staff,
    )
    assert payments_in_ledger(customer) == [Decimal("-500.00")]
    assert LedgerEntry.objects.get(kind=EntryKind.PAYMENT).note == "Paid in cash: Paid at the counter"
    assert account_balance(account=account) == Decimal("-100.00")

    client.force_login(customer)
    assert "₹100.00 in credit" in client.get(reverse("billing:account")).text


def test_the_admin_cash_form_shows_a_bad_amount(client, staff):
    account = account_of(owing("400.00"))

    page = client.post(reverse("admin:billing_billingaccount_cash", args=[account.pk]), {"amount": "-3"})

    assert page.status_code == 200
    assert "A payment must be more than ₹0." in page.text
    assert payments_in_ledger(account.user) == []


def test_staff_set_terms_through_the_admin_form(client, staff):
    customer = customer_with_address()
    add = reverse("admin:billing_billingaccount_add")

    refused = client.post(add, {"user": customer.pk, "kind": "POSTPAID", "credit_limit": "0", "payment_days": 10})
    assert refused.status_code == 200
    assert "needs a credit limit above ₹0" in refused.text

    client.post(add, {"user": customer.pk, "kind": "POSTPAID", "credit_limit": "2500", "payment_days": 10})
    account = account_of(customer)
    assert (account.kind, account.credit_limit) == ("POSTPAID", Decimal("2500.00"))
    listing = client.get(reverse("admin:billing_billingaccount_changelist"))
    assert "₹2,500.00" in listing.text or "2500" in listing.text
    user_page = client.get(reverse("admin:accounts_user_change", args=[customer.pk]))
    assert reverse("admin:billing_billingaccount_change", args=[account.pk]) in user_page.text


# Cash to a rider


@pytest.fixture
def round_today():
    """A postpaid household's delivery on today's round, and its rider."""
    delivery_zone()
    ravi = rider(name="Ravi")
    customer = postpaid_customer(limit="1000.00", name="Asha")
    delivery = delivery_in(DeliveryStatus.DELIVERED, method=PaymentMethod.POSTPAID, user=customer, today=True)
    assert delivery.rider == ravi
    return customer, ravi, delivery


def test_a_rider_takes_a_bill_payment_from_the_round_page(client, round_today):
    customer, ravi, delivery = round_today
    client.force_login(ravi)

    page = client.get(reverse("delivery:rider"))
    take = reverse("billing:rider_take_payment", args=[customer.pk])
    assert take in page.text  # the form on Asha's stop

    answer = client.post(take, {"amount": "200.00", "back": f"#delivery-{delivery.pk}"}, follow=True)

    assert "₹200.00 cash taken from Asha" in answer.text
    payment = Payment.objects.get(purpose=PaymentPurpose.ACCOUNT)
    assert (payment.received_by, payment.method) == (ravi, PaymentMethod.CASH)
    assert payments_in_ledger(customer) == [Decimal("-200.00")]

    sheet = round_for(rider=ravi, day=timezone.localdate())
    assert sheet.account_cash == Decimal("200.00")
    assert sheet.collected == Decimal("200.00")  # nothing cash on delivery; the bill payment is in hand
    [summary] = rounds_of_day(day=timezone.localdate())
    assert summary.collected == Decimal("200.00")
    cash_page = client.get(reverse("delivery:rider_cash"))
    assert "Monthly account payments" in cash_page.text
    assert "Asha ₹200.00" in cash_page.text

    counted = round_record_handover(rider=ravi, day=timezone.localdate(), amount="200.00", by=shop_staff())
    assert (counted.cash_collected, counted.variance) == (Decimal("200.00"), 0)


def test_a_rider_cannot_take_payment_for_a_household_not_on_their_round(client, round_today):
    _customer, ravi, _delivery = round_today
    stranger = postpaid_customer(name="Bala")
    client.force_login(ravi)

    answer = client.post(reverse("billing:rider_take_payment", args=[stranger.pk]), {"amount": "50.00"}, follow=True)

    assert "Bala is not on your round today" in answer.text or "not on your round today" in answer.text
    assert payments_in_ledger(stranger) == []
    with pytest.raises(NotAllowed, match="not on your round today"):
        account_payment_record(customer=stranger, amount="50.00", by=ravi)


def test_a_rider_cannot_take_payment_once_their_round_is_closed(round_today):
    from delivery.rounds import round_close

    customer, ravi, _delivery = round_today
    counted = round_record_handover(rider=ravi, day=timezone.localdate(), amount="0.00", by=shop_staff())
    round_close(round=counted, by=shop_staff())

    with pytest.raises(NotAllowed, match="round is closed"):
        account_payment_record(customer=customer, amount="50.00", by=ravi)
    assert payments_in_ledger(customer) == []
    account_payment_record(customer=customer, amount="50.00", by=shop_staff())  # the shop still can
    assert payments_in_ledger(customer) == [Decimal("-50.00")]


def test_a_customer_cannot_record_their_own_cash(round_today):
    customer, _ravi, _delivery = round_today

    with pytest.raises(NotAllowed):
        account_payment_record(customer=customer, amount="50.00", by=customer)
    assert payments_in_ledger(customer) == []


def test_staff_group_member_may_record_for_anyone():
    customer = owing("100.00")
    clerk = customer_with_address(is_staff=True)
    clerk.groups.add(Group.objects.get_or_create(name=STAFF_GROUP)[0])

    account_payment_record(customer=customer, amount="100.00", by=clerk)

    assert account_balance(account=account_of(customer)) == 0


def test_the_admin_list_shows_each_balance_and_what_is_on_its_way(client, staff, django_assert_max_num_queries):
    from orders.tests.factories import place_order

    customer = owing("400.00")
    place_order(user=customer, method=PaymentMethod.POSTPAID)  # ₹64 on its way
    for _ in range(3):
        owing("100.00")

    with django_assert_max_num_queries(12):
        listing = client.get(reverse("admin:billing_billingaccount_changelist"))

    assert "₹400.00" in listing.text and "₹464.00" in listing.text
    account_payment_record(customer=customer, amount="500.00", by=staff)
    assert "₹100.00 in credit" in client.get(reverse("admin:billing_billingaccount_changelist")).text
