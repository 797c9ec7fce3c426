from decimal import Decimal

from catalog.tests.factories import ProductFactory
from orders.tests.factories import customer_with_address, delivery_zone
from payments.models import PaymentMethod
from subscriptions.models import Frequency, Subscription
from subscriptions.services import first_changeable_date, subscription_create


def milk(**fields):
    """Cow milk sold by subscription: 100 packets in stock, or with perishable=True each date's daily_supply."""
    defaults = {"name": "Cow Milk", "price": Decimal("32.00"), "subscribable": True}
    if not fields.get("perishable"):
        defaults["stock"] = 100
    return ProductFactory(**{**defaults, **fields})


def subscribe(*, user=None, product=None, **terms) -> Subscription:
    """A customer subscribes through the service, starting on the first date still open for changes."""
    delivery_zone()
    user = user or customer_with_address()
    terms = {
        "qty": 1,
        "frequency": Frequency.DAILY,
        "slot": "MORNING",
        "payment_method": PaymentMethod.WALLET,
        **terms,
    }
    terms.setdefault("start_date", first_changeable_date(terms["slot"]))
    return subscription_create(
        user=user, product=product or milk(), address=user.addresses.get(is_default=True), **terms
    )
