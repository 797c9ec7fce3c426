"""Demo delivery: zones over the demo addresses, two riders, and today's deliveries in several states."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.demo import DEMO_LOGINS, DEMO_PASSWORD
from accounts.models import RIDERS_GROUP, Address, User
from accounts.services import address_save, user_create
from cart.models import Cart
from cart.services import cart_add_item
from catalog.models import Product
from delivery.models import Delivery, DeliveryStatus, DeliveryZone, FailureReason
from delivery.services import delivery_assign
from delivery.slots import DeliverySlot
from orders.workflows import delivery_transition, order_place
from payments.models import PaymentMethod, WalletEntry, WalletEntryKind
from payments.services import wallet_credit

EAST, SOUTH = "Bengaluru East", "Bengaluru South"
DEMO_ZONES = {
    EAST: "560001 560008 560017 560025 560038 560043 560071 560075 560093",
    SOUTH: "560004 560011 560029 560034 560041 560047 560068 560076 560095 560102",
}

SECOND_RIDER = ("rider2@milkshop.localhost", "Suresh Gowda", "+919845012345")
DEMO_RIDERS = {EAST: next(login.email for login in DEMO_LOGINS if login.role == "rider"), SOUTH: SECOND_RIDER[0]}


@dataclass(frozen=True)
class Household:
    email: str
    name: str
    phone: str
    line1: str
    area: str
    pincode: str
    landmark: str = ""
    instructions: str = ""


HOUSEHOLDS = [
    Household(
        "meera@homes.milkshop.localhost",
        "Meera Iyer",
        "+919880011001",
        "No. 7, 2nd Cross, HAL 2nd Stage",
        "Indiranagar",
        "560038",
        "Behind the CMH hospital",
        "Gate code 4411",
    ),
    Household(
        "farhan@homes.milkshop.localhost",
        "Farhan Sheikh",
        "+919880011002",
        "B-204, Prestige Garden",
        "Domlur",
        "560071",
        "Next to the temple",
    ),
    Household(
        "lakshmi@homes.milkshop.localhost",
        "Lakshmi Menon",
        "+919880011003",
        "15, 1st Main, Vimanapura",
        "HAL",
        "560017",
        "",
        "Leave with the security guard",
    ),
    Household(
        "arjun@homes.milkshop.localhost",
        "Arjun Reddy",
        "+919880011004",
        "42, 80 Feet Road",
        "Koramangala",
        "560034",
        "Opposite the Sony signal",
    ),
    Household(
        "priya@homes.milkshop.localhost",
        "Priya Nair",
        "+919880011005",
        "Flat 3C, Sai Residency, 27th Main",
        "HSR Layout",
        "560102",
        "",
        "Call on arrival; the bell is broken",
    ),
    Household(
        "rahul@homes.milkshop.localhost",
        "Rahul Jain",
        "+919880011006",
        "118, 9th Block",
        "Jayanagar",
        "560041",
        "Near the shopping complex",
    ),
]

# household (by email prefix), slot, payment, where today's delivery has got to
TODAY = [
    ("meera", "MORNING", PaymentMethod.WALLET, DeliveryStatus.DELIVERED),
    ("farhan", "MORNING", PaymentMethod.CASH, DeliveryStatus.DELIVERED),
    ("lakshmi", "MORNING", PaymentMethod.CASH, DeliveryStatus.FAILED),
    ("customer", "MORNING", PaymentMethod.CASH, DeliveryStatus.IN_TRANSIT),
    ("farhan", "EVENING", PaymentMethod.WALLET, DeliveryStatus.ASSIGNED),
    ("lakshmi", "EVENING", PaymentMethod.CASH, DeliveryStatus.ASSIGNED),
    ("arjun", "MORNING", PaymentMethod.WALLET, DeliveryStatus.DELIVERED),
    ("priya", "MORNING", PaymentMethod.CASH, DeliveryStatus.PICKED_UP),
    ("rahul", "MORNING", PaymentMethod.CASH, DeliveryStatus.ASSIGNED),
    ("arjun", "EVENING", PaymentMethod.CASH, DeliveryStatus.ASSIGNED),
    ("rahul", "EVENING", PaymentMethod.WALLET, None),  # left without a rider, for staff to assign
]
BASKETS = [
    [("cow-milk-1-l", 1), ("fresh-curd-400-g", 1)],
    [("toned-milk-500-ml", 2)],
    [("buffalo-milk-500-ml", 2), ("malai-paneer-200-g", 1)],
    [("cow-milk-500-ml", 2), ("buttermilk-chaas-200-ml", 4)],
]
# The rider's taps that bring a delivery to where TODAY says it got (a failure comes after the last one).
PICKED_UP, IN_TRANSIT, DELIVERED = DeliveryStatus.PICKED_UP, DeliveryStatus.IN_TRANSIT, DeliveryStatus.DELIVERED
TAPS = {
    DeliveryStatus.ASSIGNED: [],
    PICKED_UP: [PICKED_UP],
    IN_TRANSIT: [PICKED_UP, IN_TRANSIT],
    DELIVERED: [PICKED_UP, IN_TRANSIT, DELIVERED],
    DeliveryStatus.FAILED: [PICKED_UP, IN_TRANSIT],
}


def demo_zones_ensure() -> None:
    for name, pincodes in DEMO_ZONES.items():
        DeliveryZone.objects.get_or_create(name=name, defaults={"pincodes": pincodes})


def demo_riders_ensure() -> list[tuple[str, str]]:
    """Ravi rides Bengaluru East, Suresh Bengaluru South; returns (role, email) of the logins added here."""
    email, name, phone = SECOND_RIDER
    if not User.objects.filter(email=email).exists():
        user_create(email=email, password=DEMO_PASSWORD, name=name, phone=phone)
    riders = Group.objects.get(name=RIDERS_GROUP)
    for zone_name, rider_email in DEMO_RIDERS.items():
        rider = User.objects.get(email=rider_email)
        rider.groups.add(riders)
        DeliveryZone.objects.get(name=zone_name).riders.add(rider)
    return [("rider 2", email)]


def _household(key: str) -> User:
    if key == "customer":
        return User.objects.get(email=next(login.email for login in DEMO_LOGINS if login.role == "customer"))
    home = next(home for home in HOUSEHOLDS if home.email.startswith(f"{key}@"))
    user = User.objects.filter(email=home.email).first()
    if user is None:
        user = user_create(email=home.email, password=DEMO_PASSWORD, name=home.name, phone=home.phone)
        address_save(
            address=Address(
                user=user,
                label="Home",
                line1=home.line1,
                area=home.area,
                city="Bengaluru",
                pincode=home.pincode,
                landmark=home.landmark,
                instructions=home.instructions,
            )
        )
    if not WalletEntry.objects.filter(wallet__user=user).exists():
        wallet_credit(user=user, amount=Decimal("1500.00"), kind=WalletEntryKind.ADJUSTMENT, note="Demo credit")
    return user


def _place(user: User, slot: DeliverySlot, method: str, basket: list[tuple[str, int]]):
    cart, _ = Cart.objects.get_or_create(user=user)
    if cart.items.exists():
        return None  # the demo customer is shopping; leave their cart alone
    for slug, qty in basket:
        cart_add_item(cart=cart, product=Product.objects.get(slug=slug), qty=qty)
    address = user.addresses.get(is_default=True)
    # Placed the evening before, just ahead of the slot's cutoff.
    return order_place(
        user=user, cart=cart, address=address, slot=slot, method=method, now=slot.cutoff - timedelta(minutes=30)
    ).order


def demo_deliveries_ensure() -> int:
    """Today's deliveries in several states, once a day; returns how many were added."""
    today = timezone.localdate()
    emails = [home.email for home in HOUSEHOLDS]
    if Delivery.objects.filter(delivery_date=today, user__email__in=emails).exists():
        return 0
    added = 0
    for number, (key, slot_name, method, reached) in enumerate(TODAY):
        order = _place(_household(key), DeliverySlot(date=today, name=slot_name), method, BASKETS[number % 4])
        if order is None:
            continue
        added += 1
        delivery = order.delivery
        if reached is None:
            delivery_assign(delivery=delivery, rider=None)
            continue
        rider = delivery.rider
        for step in TAPS[reached]:
            # At the door the customer pays what is due and tells the rider their delivery code.
            door = {"cash_collected": delivery.cash_due, "proof_code": delivery.proof_code} if step == DELIVERED else {}
            delivery = delivery_transition(delivery=delivery, to=step, by=rider, **door)
        if reached == DeliveryStatus.FAILED:
            delivery_transition(
                delivery=delivery,
                to=DeliveryStatus.FAILED,
                by=rider,
                failure_reason=FailureReason.CUSTOMER_UNAVAILABLE,
                note="Nobody answered the bell or the phone",
            )
    return added
