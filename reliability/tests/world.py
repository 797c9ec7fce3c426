"""A small shop with a victim who owns one of everything, and the people who try to reach it.

Everything is reached through services, as the victim would have reached it: a prepaid order out for delivery
with its rider, a card order waiting on the demo payment page, two addresses, a subscription with a vacation.
"""

from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.apps import apps

from accounts.models import Address, User
from accounts.tests.factories import UserFactory
from catalog.models import Product
from containers.models import MovementKind
from containers.tests.factories import bottled_milk, glass_bottle
from delivery.models import Delivery, DeliveryStatus
from delivery.tests.factories import delivery_in, rider
from notifications.models import Channel, Notification
from orders.models import Order
from orders.tests.factories import customer_with_address, place_order
from orders.workflows import containers_record
from payments.models import Payment, PaymentMethod, PaymentStatus
from subscriptions.models import Subscription, Vacation
from subscriptions.services import subscription_set_vacation
from subscriptions.tests.factories import milk, subscribe

# Tables whose rows any of these requests could wrongly change (sessions and the task queue change legitimately).
WATCHED_APPS = [
    "accounts",
    "account",
    "catalog",
    "cart",
    "delivery",
    "containers",
    "payments",
    "orders",
    "subscriptions",
    "notifications",
    "analytics",
    "billing",
]


@dataclass
class World:
    victim: User
    attacker: User
    victim_rider: User
    other_rider: User
    staff: User
    address: Address
    other_address: Address
    order: Order  # prepaid from the wallet, out for delivery with victim_rider
    card_order: Order  # waiting for its card payment
    payment: Payment  # the card order's pending payment (the demo page's key)
    delivery: Delivery
    subscription: Subscription
    vacation: Vacation
    product: Product
    notification: Notification | None = None  # one of the victim's in-app messages, once the signals have run
    today_delivery: Delivery | None = None  # one on today's rider page, for the rider's forms

    @property
    def secrets(self) -> list[str]:
        """What no one else may read: the victim's contact details and address."""
        return [self.victim.email, self.victim.name, self.victim.phone, self.address.line1, self.other_address.line1]


def build_world() -> World:
    victim = customer_with_address(name="Vimala Victim-Secret", email="vimala.victim@example.in")
    victim_rider = rider(name="Ravi Rider")
    delivery = delivery_in(DeliveryStatus.PICKED_UP, user=victim)
    # Bottles the victim holds, a deposit paid and one given back: a row in each containers table.
    delivery_in(DeliveryStatus.DELIVERED, user=victim, lines=[(bottled_milk(), 2)])
    containers_record(customer=victim, container_type=glass_bottle(), kind=MovementKind.RETURNED, qty=1, by=None)
    other_rider = rider(name="Other Rider")
    attacker = customer_with_address(name="Arjun Attacker", email="arjun.attacker@example.in")
    place_order(user=attacker)
    staff = UserFactory(is_staff=True, is_superuser=True, email="staff@example.in")
    address = victim.addresses.get(is_default=True)
    other_address = Address.objects.create(
        user=victim, label="Office", line1="Victim's Office 42, Secret Lane", area="Koramangala", pincode="560034"
    )
    card_order = place_order(user=victim, method=PaymentMethod.CARD)
    product = milk()
    subscription = subscribe(user=victim, product=product)
    start = subscription.start_date + timedelta(days=3)
    vacation = subscription_set_vacation(subscription=subscription, start=start, end=start + timedelta(days=2))
    for user in User.objects.all():  # as allauth's sign-up leaves them: the email address on record
        EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"primary": True, "verified": True})
    return World(
        victim=victim,
        attacker=attacker,
        victim_rider=victim_rider,
        other_rider=other_rider,
        staff=staff,
        address=address,
        other_address=other_address,
        order=delivery.order,
        card_order=card_order,
        payment=card_order.payments.get(status=PaymentStatus.PENDING),
        delivery=delivery,
        subscription=subscription,
        vacation=vacation,
        product=product,
    )


def inbox_message(user: User) -> Notification:
    notification = Notification.objects.filter(user=user, channel=Channel.IN_APP).order_by("pk").first()
    assert notification, f"{user} has no in-app notification (were the on-commit signals run?)"
    return notification


def fingerprint() -> dict[str, list[dict]]:
    """Every row of the watched tables, to compare before and after: any change is a write someone made."""
    state = {}
    for app_label in WATCHED_APPS:
        for model in apps.get_app_config(app_label).get_models():
            state[model._meta.label] = list(model.objects.order_by("pk").values())
    return state


def changes(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]
