"""What the browser journeys share: viewports, signing in, and a shop with something on every page.

The shop is reached the way it is in real life, through services and the same factories the app tests use:
orders through the cart and order_place, a subscription through subscription_create, money through the wallet.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from accounts.groups import staff_group_grant_permissions
from accounts.models import STAFF_GROUP, User
from accounts.tests.factories import PASSWORD, UserFactory
from catalog.models import Product
from catalog.tests.factories import CategoryFactory, ProductFactory
from delivery.models import Delivery
from delivery.tests.factories import place_order_today, rider
from orders.models import Order
from orders.tests.factories import cart_with, customer_with_address, delivery_zone, fund_wallet
from payments.models import PaymentMethod
from subscriptions.tests.factories import subscribe

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def sign_in(page: Page, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text(re.compile("Welcome back"))).to_be_visible()


def console_errors(page: Page) -> list[str]:
    """Collects the page's console errors (a Content Security Policy violation is one) as they happen."""
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    return errors


def staff_member(**fields) -> User:
    """Staff as the shop makes them: is_staff and in the Staff group, which holds the shop's admin permissions."""
    staff_group_grant_permissions()  # a transactional test before this one may have flushed the grants
    user = UserFactory(is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=STAFF_GROUP))
    return user


@dataclass(frozen=True)
class DemoShop:
    customer: User
    rider: User
    staff: User
    milk: Product
    order: Order  # the customer's cash-on-delivery order for today, assigned to the rider
    delivery: Delivery

    def pages(self, role: str) -> dict[str, str]:
        """The main pages each kind of visitor sees, by a short name (used for screenshot file names)."""
        return {
            "anonymous": {
                "catalog": "/",
                "product": self.milk.get_absolute_url(),
                "signup": "/accounts/signup/",
                "login": "/accounts/login/",
                "tracking": f"/track/{self.delivery.tracking_token}/",
            },
            "customer": {
                "catalog-signed-in": "/",
                "cart": "/cart/",
                "checkout": "/checkout/",
                "orders": "/orders/",
                "order-detail": self.order.get_absolute_url(),
                "subscribe": f"/subscriptions/new/{self.milk.slug}/",
                "subscriptions": "/subscriptions/",
                "wallet": "/payments/wallet/",
                "payments": "/payments/",
                "profile": "/account/profile/",
                "new-address": "/account/addresses/new/?next=/checkout/",
            },
            "rider": {"rider": f"/rider/?date={self.delivery.delivery_date.isoformat()}"},
            "staff": {
                "manifest": f"/staff/manifest/?date={self.delivery.delivery_date.isoformat()}&slot={self.delivery.slot}"
            },
        }[role]

    def email(self, role: str) -> str | None:
        return {"customer": self.customer.email, "rider": self.rider.email, "staff": self.staff.email}.get(role)


def demo_shop() -> DemoShop:
    """A small shop in mid-morning: a catalog, a customer with an order, a subscription, a cart and wallet money,
    a rider with today's deliveries (one cash on delivery, one prepaid), and a staff member."""
    delivery_zone()
    ravi = rider(email="ravi@example.in", name="Ravi Kumar")
    staff = staff_member(email="meera@example.in", name="Meera Iyer")
    milk_category, curd_category = CategoryFactory(name="Milk"), CategoryFactory(name="Curd")
    milk = ProductFactory(
        name="Cow Milk",
        slug="cow-milk-1-l",
        unit="1 L",
        category=milk_category,
        price=Decimal("62.00"),
        stock=40,
        subscribable=True,
        description="Fresh toned cow milk from farms around Hosur, chilled within an hour of milking.",
    )
    buffalo = ProductFactory(name="Buffalo Milk", unit="500 ml", category=milk_category, price=Decimal("38.00"))
    curd = ProductFactory(name="Fresh Curd", unit="400 g", category=curd_category, price=Decimal("45.00"))
    ProductFactory(name="Paneer", unit="200 g", category=curd_category, price=Decimal("90.00"), stock=0)

    asha = customer_with_address(email="asha@example.in", name="Asha Rao", phone="+919876543210")
    fund_wallet(asha, Decimal("500.00"))
    order = place_order_today(user=asha, lines=[(milk, 2), (curd, 1)], method=PaymentMethod.CASH)
    place_order_today(lines=[(buffalo, 3)], method=PaymentMethod.CASH)
    subscribe(user=asha, product=milk, qty=2)
    cart_with(asha, (buffalo, 2), (curd, 1))
    return DemoShop(customer=asha, rider=ravi, staff=staff, milk=milk, order=order, delivery=order.delivery)
