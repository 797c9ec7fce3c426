"""Bottled milk, and the books a test reads back: every figure through the services, as customers and riders reach it."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from catalog.tests.factories import ProductFactory
from containers.models import ContainerBalance, ContainerMovement, ContainerType, OrderDeposit
from delivery.models import DeliveryStatus
from delivery.tests.factories import rider
from orders.models import Order
from orders.tests.factories import delivery_zone
from orders.workflows import delivery_transition
from payments.models import PaymentStatus, WalletEntry, WalletEntryKind
from payments.selectors import wallet_balance

DEPOSIT = Decimal("30.00")


def glass_bottle(deposit: Decimal = DEPOSIT, name: str = "Glass bottle 1 L") -> ContainerType:
    container, _ = ContainerType.objects.get_or_create(name=name, defaults={"deposit": deposit})
    return container


def bottled_milk(*, container: ContainerType | None = None, price: str = "110.00", **fields):
    """A2 milk in a returnable glass bottle (₹30 deposit unless another container is given), 100 in stock."""
    defaults = {"name": "A2 Gir Cow Milk", "unit": "1 L", "stock": 100, "subscribable": True}
    return ProductFactory(price=Decimal(price), container=container or glass_bottle(), **{**defaults, **fields})


def with_rider():
    """The test zone's rider (one is made if the zone has none): new orders are assigned to them."""
    zone = delivery_zone()
    return zone.riders.first() or rider(zone=zone)


def take_to_the_door(order: Order):
    """The rider picks the order up and rides to the customer."""
    delivery = order.delivery
    for step in (DeliveryStatus.PICKED_UP, DeliveryStatus.IN_TRANSIT):
        delivery = delivery_transition(delivery=delivery, to=step, by=delivery.rider)
    return delivery


def deliver(order: Order, *, empties: int | None = None, by=None):
    """The order handed over at the door, its cash collected, with the empties the rider records (None: the
    expected number). By its rider unless by is given."""
    delivery = take_to_the_door(order)
    delivery.order.refresh_from_db()
    return delivery_transition(
        delivery=delivery,
        to=DeliveryStatus.DELIVERED,
        by=by or delivery.rider,
        cash_collected=delivery.cash_due or None,
        empties_collected=empties,
        proof_code=delivery.proof_code,
    )


def held(user, container: ContainerType) -> int:
    balance = ContainerBalance.objects.filter(user=user, container_type=container).first()
    return balance.held if balance else 0


@dataclass(frozen=True)
class Books:
    """A customer's containers and deposits, read from the ledgers they are kept in."""

    held: int  # the balance row
    moved: int  # the sum of the container movements
    deposits_paid: Decimal  # deposit lines of orders that are paid (not refunded)
    deposit_refunds: Decimal  # DEPOSIT_REFUND credits in the wallet ledger
    order_refunds: Decimal  # REFUND credits in the wallet ledger (whole orders)
    wallet: Decimal

    def add_up(self, deposit: Decimal = DEPOSIT) -> bool:
        """The promise: the deposit money kept is exactly one deposit for each container the customer holds."""
        return self.held == self.moved and self.deposits_paid - self.deposit_refunds == self.held * deposit


def books(user, container: ContainerType) -> Books:
    entries = WalletEntry.objects.filter(wallet__user=user)
    return Books(
        held=held(user, container),
        moved=ContainerMovement.objects.filter(user=user, container_type=container).aggregate(total=Sum("quantity"))[
            "total"
        ]
        or 0,
        deposits_paid=OrderDeposit.objects.filter(
            order__user=user, container_type=container, order__payment_status=PaymentStatus.SUCCESS
        ).aggregate(total=Sum("amount"))["total"]
        or Decimal("0.00"),
        deposit_refunds=entries.filter(kind=WalletEntryKind.DEPOSIT_REFUND).aggregate(total=Sum("amount"))["total"]
        or Decimal("0.00"),
        order_refunds=entries.filter(kind=WalletEntryKind.REFUND).aggregate(total=Sum("amount"))["total"]
        or Decimal("0.00"),
        wallet=wallet_balance(user=user),
    )
