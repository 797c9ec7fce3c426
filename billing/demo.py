"""A demo household on a monthly account: daily milk, billed on the 1st, within a ₹3,000 limit."""

from decimal import Decimal

from accounts.demo import DEMO_LOGINS, DEMO_PASSWORD
from accounts.models import Address, User
from accounts.services import address_save, user_create
from billing.ledger import account_set_terms
from billing.models import AccountKind
from catalog.models import Product
from subscriptions.models import Frequency
from subscriptions.services import first_changeable_date, subscription_create

MONTHLY_LOGIN = ("monthly@milkshop.localhost", "सीता शर्मा", "+919845067890")
CREDIT_LIMIT = Decimal("3000.00")


def demo_monthly_account_ensure() -> list[tuple[str, str]]:
    """Create the monthly household if it is missing; running it again changes nothing. Returns its login."""
    email, name, phone = MONTHLY_LOGIN
    staff = User.objects.get(email=next(login.email for login in DEMO_LOGINS if login.role == "staff"))
    customer = User.objects.filter(email=email).first()
    if customer is None:
        customer = user_create(email=email, password=DEMO_PASSWORD, name=name, phone=phone)
        address = address_save(
            address=Address(
                user=customer,
                label="Home",
                line1="No. 21, 6th Main Road",
                area="Jayanagar 4th Block",
                city="Bengaluru",
                pincode="560011",
                instructions="Bottles at the gate; empties on the step.",
            )
        )
        account_set_terms(user=customer, kind=AccountKind.POSTPAID, credit_limit=CREDIT_LIMIT, by=staff)
        subscription_create(
            user=customer,
            product=Product.objects.get(slug="cow-milk-1-l"),
            qty=1,
            frequency=Frequency.DAILY,
            weekdays=0,
            start_date=first_changeable_date("MORNING"),
            slot="MORNING",
            address=address,
            payment_method="CASH",
        )
    return [("monthly", email)]
