from decimal import Decimal

from catalog.tests.factories import ProductFactory
from orders.tests.factories import customer_with_address, delivery_zone
from payments.models import PaymentMethod
from subscriptions.models import Frequency, Subscription
from subscriptions.services import first_changeable_date, subscription_create


def milk(**fields):
    return ProductFactory(
        **{"name": "Cow Milk", "price": Decimal("32.00"), "stock": 100, "subscribable": True, **fields}
    )


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
