from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from catalog.models import Product
from containers.models import ContainerBalance, ContainerMovement, DepositRelease, MovementKind, OrderDeposit
from containers.services import DepositCharge, containers_in, deposit_book, deposits_total
from orders.models import OrderLine, OrderStatus
from payments.models import PaymentStatus

ZERO = Decimal("0.00")


def _sum(queryset: QuerySet, group: str, total: str, output_field):
    """The sum of total over queryset (already narrowed to one group by OuterRef), as a subquery; 0 when empty."""
    summed = queryset.order_by().values(group).annotate(total=Sum(total)).values("total")[:1]
    return Coalesce(Subquery(summed, output_field=output_field), Value(0), output_field=output_field)


def with_deposits(balances: QuerySet[ContainerBalance]) -> QuerySet[ContainerBalance]:
    """Balances annotated with deposit_units (deposits charged on orders not cancelled, less those given back or
    kept) and deposit_held (the money of those the customer has paid)."""
    mine = {"container_type": OuterRef("container_type")}
    # A cancelled order's deposit, or one refunded whole at the payment provider, went back with its money.
    charged = (
        OrderDeposit.objects.filter(order__user=OuterRef("user"), **mine)
        .exclude(order__status=OrderStatus.CANCELLED)
        .exclude(order__payment_status=PaymentStatus.REFUNDED)
    )
    paid = charged.filter(order__payment_status=PaymentStatus.SUCCESS)
    released = DepositRelease.objects.filter(user=OuterRef("user"), **mine)
    money = DecimalField(max_digits=12, decimal_places=2)
    return balances.annotate(
        deposit_units=_sum(charged, "container_type", "qty", IntegerField())
        - _sum(released, "container_type", "qty", IntegerField()),
        deposit_held=_sum(paid, "container_type", "amount", money) - _sum(released, "container_type", "amount", money),
    )


@dataclass(frozen=True)
class Holding:
    """A customer's containers of one type and the deposit held for them."""

    balance: ContainerBalance

    @property
    def container_type(self):
        return self.balance.container_type

    @property
    def held(self) -> int:
        return self.balance.held

    @property
    def deposit_held(self) -> Decimal:
        return max(self.balance.deposit_held, ZERO)

    @property
    def owed(self) -> int:
        """Containers kept beyond those with a deposit: charged with the next order."""
        return max(self.balance.held - self.balance.deposit_units, 0)

    @property
    def owed_amount(self) -> Decimal:
        return self.container_type.deposit * self.owed


def holdings_for(*, user: User) -> list[Holding]:
    """The customer's containers and deposits, type by type (one query)."""
    balances = with_deposits(ContainerBalance.objects.filter(user=user).select_related("container_type"))
    return [Holding(balance) for balance in balances if balance.held or balance.deposit_held or balance.deposit_units]


@dataclass(frozen=True)
class DepositPreview:
    """What the deposits of a cart come to, shown as lines of their own beside its items."""

    charges: list[DepositCharge]
    items_total: Decimal

    @property
    def total(self) -> Decimal:
        return deposits_total(self.charges)

    @property
    def grand_total(self) -> Decimal:
        return self.items_total + self.total


def deposit_preview(*, user: User | None, lines: list[tuple[Product, int]], day: date | None = None) -> DepositPreview:
    """The deposits an order of these lines would charge the customer (a visitor: every container), by the rule
    order_place applies; with a day, counting the customer's other open orders for it as checkout does."""
    items_total = sum((product.price * qty for product, qty in lines), ZERO)
    wanted = containers_in(lines=lines)
    if not wanted:
        return DepositPreview(charges=[], items_total=items_total)
    user_id = user.pk if user is not None and user.is_authenticated else None
    held = {}
    if user_id is not None:
        held = {
            (user_id, type_id): count
            for type_id, count in ContainerBalance.objects.filter(user_id=user_id).values_list(
                "container_type_id", "held"
            )
        }
    book = deposit_book(user_ids=[user_id] if user_id else [], type_ids=wanted, held=held, day=day if user_id else None)
    return DepositPreview(charges=book.charges(user_id=user_id, wanted=wanted), items_total=items_total)


def containers_at_stops() -> dict:
    """Annotations for a delivery queryset: empties_held (what the customer holds now, of every type),
    containers_in_order (full containers the order brings) and empties_returned (collected at this delivery)."""
    held = ContainerBalance.objects.filter(user=OuterRef("user"))
    in_order = OrderLine.objects.filter(order=OuterRef("order"), product__container__isnull=False)
    returned = ContainerMovement.objects.filter(delivery=OuterRef("pk"), kind=MovementKind.RETURNED)
    number = IntegerField()
    return {
        "empties_held": _sum(held, "user", "held", number),
        "containers_in_order": _sum(in_order, "order", "qty", number),
        "empties_returned": -_sum(returned, "delivery", "quantity", number),
    }
