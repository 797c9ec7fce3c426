"""Monthly accounts reached as households reach them: the shop sets one up, orders go on it and are delivered by
the rider, payments come in cash or online (orders.workflows); time moved with time_machine."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import time_machine
from django.db import transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from billing.ledger import account_set_terms, ledger_credit
from billing.models import AccountKind, BillingAccount, EntryKind
from catalog.tests.factories import ProductFactory
from containers.tests.factories import deliver, with_rider
from delivery.slots import DeliverySlot
from orders.tests.factories import cart_with, customer_with_address, delivery_zone
from orders.workflows import account_payment_open, account_payment_record, order_place, payment_succeeded
from payments.models import PaymentMethod


def at(day: date, hour: int = 9, minute: int = 0):
    """time_machine at that local time of day (shop time)."""
    moment = datetime.combine(day, time(hour, minute), tzinfo=timezone.get_default_timezone())
    return time_machine.travel(moment, tick=False)


def staff_member():
    return UserFactory(is_staff=True)


def postpaid_customer(*, limit: Decimal = Decimal("5000.00"), payment_days: int = 10, **user_fields):
    delivery_zone()
    with_rider()
    customer = customer_with_address(**user_fields)
    with transaction.atomic():
        account_set_terms(
            user=customer,
            kind=AccountKind.POSTPAID,
            credit_limit=limit,
            by=staff_member(),
            payment_days=payment_days,
        )
    return customer


def account_of(customer) -> BillingAccount:
    return BillingAccount.objects.get(user=customer)


def order_on_account(customer, day: date, *lines, price: Decimal = Decimal("50.00"), qty: int = 2):
    """An order for that day's morning, placed the evening before on the monthly account."""
    slot = DeliverySlot(date=day, name="MORNING")
    lines = lines or [(ProductFactory(name="Cow Milk 1 L", price=price, stock=500), qty)]
    cart = cart_with(customer, *lines)
    address = customer.addresses.get(is_default=True)
    return order_place(
        user=customer,
        cart=cart,
        address=address,
        slot=slot,
        method=PaymentMethod.POSTPAID,
        now=slot.cutoff - timedelta(minutes=5),
    ).order


def delivered_on_account(customer, day: date, *lines, **order_fields):
    """An order on the account, delivered by the rider on its day (charged to the ledger then)."""
    order = order_on_account(customer, day, *lines, **order_fields)
    with at(day, 7):
        deliver(order)
    order.refresh_from_db()
    return order


def cash_payment(customer, day: date, amount: str, *, by=None):
    with at(day, 18):
        return account_payment_record(customer=customer, amount=amount, by=by or staff_member())


def online_payment(customer, day: date, amount: str, method: str = PaymentMethod.UPI):
    with at(day, 20):
        payment = account_payment_open(customer=customer, amount=amount, method=method)
        return payment_succeeded(payment_id=payment.pk, reference=f"pay_{payment.pk}")


def shop_credit(customer, day: date, amount: str, note: str = "Spilt milk"):
    """A credit from the shop, dated `day` (made whenever this runs)."""
    with transaction.atomic():
        return ledger_credit(
            account=account_of(customer),
            kind=EntryKind.CREDIT,
            amount=Decimal(amount),
            day=day,
            note=note,
            by=staff_member(),
        )


def month_end_moment(month_start: date, hour: int = 6) -> datetime:
    """06:00 on the 1st of the next month: when the schedule makes the month's statements."""
    next_month = (month_start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return datetime.combine(next_month, time(hour), tzinfo=timezone.get_default_timezone())
