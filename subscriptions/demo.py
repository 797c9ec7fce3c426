"""The demo customer's milk routine: daily milk, curd on chosen weekdays, one paused, and a funded wallet."""

from decimal import Decimal

from accounts.demo import DEMO_LOGINS
from accounts.models import User
from catalog.models import Product
from payments.models import WalletEntry, WalletEntryKind
from payments.services import wallet_credit
from subscriptions.models import Frequency, SubscriptionStatus
from subscriptions.services import first_changeable_date, subscription_create, subscription_transition

DEMO_SUBSCRIPTIONS = [
    # slug, qty, frequency, weekdays (Mon=0), paused
    ("cow-milk-1-l", 1, Frequency.DAILY, [], False),
    ("fresh-curd-400-g", 1, Frequency.WEEKLY, [0, 2, 4], False),
    ("buffalo-milk-500-ml", 2, Frequency.ALTERNATE_DAYS, [], True),
]


def demo_subscriptions_ensure() -> None:
    customer = User.objects.get(email=next(login.email for login in DEMO_LOGINS if login.role == "customer"))
    if not WalletEntry.objects.filter(wallet__user=customer).exists():
        wallet_credit(user=customer, amount=Decimal("2000.00"), kind=WalletEntryKind.ADJUSTMENT, note="Welcome credit")
    if customer.subscriptions.exists():
        return
    address = customer.addresses.get(is_default=True)
    start = first_changeable_date("MORNING")
    for slug, qty, frequency, weekdays, paused in DEMO_SUBSCRIPTIONS:
        subscription = subscription_create(
            user=customer,
            product=Product.objects.get(slug=slug),
            qty=qty,
            frequency=frequency,
            weekdays=sum(1 << day for day in weekdays),
            start_date=start,
            slot="MORNING",
            address=address,
            payment_method="WALLET",
        )
        if paused:
            subscription_transition(
                subscription=subscription, to=SubscriptionStatus.PAUSED, by=customer, note="On a break"
            )
