"""Demo people for a fresh shop: one customer, one staff member, one rider."""

from dataclasses import dataclass

from django.contrib.auth.models import Group

from accounts.models import RIDERS_GROUP, STAFF_GROUP, Address, User
from accounts.services import address_save, user_create

DEMO_PASSWORD = "milkshop-demo-2026"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    name: str
    phone: str
    group: str | None = None
    is_staff: bool = False


DEMO_LOGINS = [
    DemoLogin("customer", "customer@milkshop.localhost", "Asha Rao", "+919876543210"),
    DemoLogin("staff", "staff@milkshop.localhost", "Vikram Nair", "+919812345678", STAFF_GROUP, is_staff=True),
    DemoLogin("rider", "rider@milkshop.localhost", "Ravi Kumar", "+919900112233", RIDERS_GROUP),
]


def demo_users_ensure() -> list[DemoLogin]:
    """Create the demo logins that are missing; running it again changes nothing."""
    for login in DEMO_LOGINS:
        user = User.objects.filter(email=login.email).first()
        if user is None:
            user = user_create(email=login.email, password=DEMO_PASSWORD, name=login.name, phone=login.phone)
        if login.is_staff and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff", "updated_at"])
        if login.group:
            user.groups.add(Group.objects.get(name=login.group))
        if login.role == "customer" and not user.addresses.exists():
            address_save(
                address=Address(
                    user=user,
                    label="Home",
                    line1="Flat 12B, Lotus Apartments",
                    line2="14th Cross Road",
                    area="Indiranagar",
                    city="Bengaluru",
                    pincode="560038",
                    landmark="Opposite the park",
                    instructions="Ring the bell once; leave at the door if no answer.",
                )
            )
    return DEMO_LOGINS
