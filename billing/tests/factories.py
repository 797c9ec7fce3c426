"""Monthly accounts reached as the shop reaches them: staff set a household's terms through billing.ledger."""

from decimal import Decimal

from accounts.tests.factories import UserFactory
from billing.ledger import account_set_terms
from billing.models import AccountKind, BillingAccount
from orders.tests.factories import customer_with_address


def shop_staff():
    return UserFactory(is_staff=True, name="Shop Staff")


def postpaid_customer(*, limit: str = "1000.00", user=None, **user_fields):
    """A household in the test zone that staff moved to a monthly account with the credit limit given."""
    user = user or customer_with_address(**user_fields)
    account_set_terms(user=user, kind=AccountKind.POSTPAID, credit_limit=Decimal(limit), by=shop_staff())
    return user


def account_of(user) -> BillingAccount:
    return BillingAccount.objects.get(user=user)
