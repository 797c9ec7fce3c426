"""Every write to containers' rows, and the deposit rule: what an order charges, and what goes back after.

The rule (deposit_units_due): the shop holds a deposit for each container a customer holds, and for each one on its
way to them on their open orders of a day; an order charges the deposits that would be missing. Full containers
arrive as the empties go back, so a customer who swaps two empties for two full bottles every day pays for two,
once. After a delivery, and after staff record containers, the deposit is settled with what the customer then
holds (_settle): deposits beyond that, and beyond what their open orders need, go back; containers kept beyond
those paid for are owed, and charged with the next order by the same rule.

orders.workflows calls these with the customers' balances locked (container_balances_lock) and credits the
wallets with what they give back.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from accounts.models import User
from catalog.models import Product
from containers.models import (
    ContainerBalance,
    ContainerMovement,
    ContainerType,
    DepositRelease,
    MovementKind,
    OrderDeposit,
    ReleaseKind,
)
from milkshop.money import to_money
from orders.models import Order, OrderLine, OrderStatus
from payments.models import PaymentStatus

# The most empties a rider records at one stop (a typo guard for the rider page and the API).
MAX_EMPTIES = 500
# Orders whose containers are still to reach the customer.
OPEN_STATUSES = (OrderStatus.CREATED, OrderStatus.CONFIRMED, OrderStatus.PACKED, OrderStatus.OUT_FOR_DELIVERY)
STAFF_KINDS = (MovementKind.RETURNED, MovementKind.COUNTED, MovementKind.LOST)


class ContainerError(Exception):
    """A container change that cannot be made; the message is for the rider or staff member."""


def _plural(count: int, name: str) -> str:
    return f"{count} × {name}"


# What orders charge


@dataclass(frozen=True)
class DepositCharge:
    container_type: ContainerType
    qty: int

    @property
    def unit_deposit(self) -> Decimal:
        return self.container_type.deposit

    @property
    def amount(self) -> Decimal:
        return self.container_type.deposit * self.qty


def deposits_total(charges: Iterable[DepositCharge]) -> Decimal:
    return sum((charge.amount for charge in charges), Decimal("0.00"))


def deposit_units_due(*, held: int, covered: int, arriving: int) -> int:
    """The rule: deposits to charge so that the shop holds one for every container the customer holds, or receives
    with their open orders of the day (handing back an empty for each), beyond the `covered` ones it has."""
    return max(0, max(held, arriving) - covered)


def containers_in(*, lines: Iterable[tuple[Product, int]]) -> dict[int, int]:
    """{container type id: how many} for the lines' products that come in a returnable container (no queries)."""
    wanted: dict[int, int] = defaultdict(int)
    for product, qty in lines:
        if product.container_id:
            wanted[product.container_id] += qty
    return dict(wanted)


@dataclass
class _Account:
    """One customer's containers of one type, as the rule sees them."""

    held: int = 0
    covered: int = 0  # deposits charged on orders not cancelled, less those given back or kept
    amount: Decimal = Decimal("0.00")  # what those deposits came to
    arriving: int = 0  # containers coming on the customer's open orders for the day


def _covered(user_ids, type_ids) -> dict[tuple[int, int], tuple[int, Decimal]]:
    """Deposits held for each (customer, container type): units and money, in two queries."""
    charged = (
        OrderDeposit.objects.filter(order__user_id__in=user_ids, container_type_id__in=type_ids)
        .exclude(order__status=OrderStatus.CANCELLED)
        .exclude(order__payment_status=PaymentStatus.REFUNDED)
        .order_by()
        .values("order__user_id", "container_type_id")
        .annotate(units=Sum("qty"), amount=Sum("amount"))
        .values_list("order__user_id", "container_type_id", "units", "amount")
    )
    released = (
        DepositRelease.objects.filter(user_id__in=user_ids, container_type_id__in=type_ids)
        .order_by()
        .values("user_id", "container_type_id")
        .annotate(units=Sum("qty"), amount=Sum("amount"))
        .values_list("user_id", "container_type_id", "units", "amount")
    )
    covered = {(user_id, type_id): (units, amount) for user_id, type_id, units, amount in charged}
    for user_id, type_id, units, amount in released:
        had_units, had_amount = covered.get((user_id, type_id), (0, Decimal("0.00")))
        covered[(user_id, type_id)] = (had_units - units, had_amount - amount)
    return covered


def _open_order_containers(user_ids, type_ids, *, day: date | None = None, exclude_order_id: int | None = None):
    """((customer, type, delivery date), how many) for the containers on the customers' open orders (one query)."""
    lines = OrderLine.objects.filter(
        order__user_id__in=user_ids, order__status__in=OPEN_STATUSES, product__container_id__in=type_ids
    )
    if day is not None:
        lines = lines.filter(order__delivery_date=day)
    if exclude_order_id is not None:
        lines = lines.exclude(order_id=exclude_order_id)
    rows = (
        lines.order_by()
        .values("order__user_id", "product__container_id", "order__delivery_date")
        .annotate(qty=Sum("qty"))
        .values_list("order__user_id", "product__container_id", "order__delivery_date", "qty")
    )
    return [((user_id, type_id, day), qty) for user_id, type_id, day, qty in rows]


def container_types_for(*, type_ids) -> dict[int, ContainerType]:
    return {container_type.pk: container_type for container_type in ContainerType.objects.filter(pk__in=type_ids)}


@dataclass
class DepositBook:
    """The deposit rule for some customers and one delivery date, with all it reads fetched up front."""

    types: dict[int, ContainerType]
    accounts: dict[tuple[int, int], _Account] = field(default_factory=lambda: defaultdict(_Account))

    def charges(self, *, user_id: int | None, wanted: dict[int, int]) -> list[DepositCharge]:
        """The deposits an order of these containers charges."""
        charges = []
        for type_id, qty in sorted(wanted.items()):
            container_type = self.types[type_id]
            if container_type.deposit <= 0:
                continue
            account = self.accounts[(user_id, type_id)]
            units = deposit_units_due(held=account.held, covered=account.covered, arriving=account.arriving + qty)
            if units:
                charges.append(DepositCharge(container_type=container_type, qty=units))
        return charges

    def take(self, *, user_id: int, wanted: dict[int, int], charges: list[DepositCharge]) -> None:
        """An order of these containers, charging these deposits, was accepted: later ones see it."""
        for type_id, qty in wanted.items():
            self.accounts[(user_id, type_id)].arriving += qty
        for charge in charges:
            account = self.accounts[(user_id, charge.container_type.pk)]
            account.covered += charge.qty
            account.amount += charge.amount


def deposit_book(*, user_ids, type_ids, held: dict[tuple[int, int], int], day: date | None) -> DepositBook:
    """Everything the rule needs for these customers and container types on day (four queries; three without a
    day, when no open order's containers count): held is what each (customer, type) holds now."""
    user_ids, type_ids = sorted(set(user_ids)), sorted(set(type_ids))
    book = DepositBook(types=container_types_for(type_ids=type_ids))
    for pair, count in held.items():
        book.accounts[pair].held = count
    for pair, (units, amount) in _covered(user_ids, type_ids).items():
        book.accounts[pair].covered, book.accounts[pair].amount = units, amount
    if day is not None:
        for (user_id, type_id, _day), qty in _open_order_containers(user_ids, type_ids, day=day):
            book.accounts[(user_id, type_id)].arriving += qty
    return book


def deposit_book_for(*, balances: dict[tuple[int, int], ContainerBalance], day: date) -> DepositBook:
    """deposit_book for locked balances (container_balances_lock)."""
    return deposit_book(
        user_ids=[user_id for user_id, _ in balances],
        type_ids=[type_id for _, type_id in balances],
        held={pair: balance.held for pair, balance in balances.items()},
        day=day,
    )


def order_deposits_create(*, deposits: Iterable[tuple[Order, list[DepositCharge]]]) -> list[OrderDeposit]:
    """The deposit lines of orders just created (one query for any number; none when nothing is charged)."""
    rows = [
        OrderDeposit(
            order=order,
            container_type=charge.container_type,
            container_name=charge.container_type.name,
            qty=charge.qty,
            unit_deposit=charge.unit_deposit,
            amount=charge.amount,
        )
        for order, charges in deposits
        for charge in charges
    ]
    return OrderDeposit.objects.bulk_create(rows) if rows else []


# Balances


def container_balances_lock(*, pairs: Iterable[tuple[int, int]] = (), user_ids: Iterable[int] = ()):
    """Lock the customers' container balances, every type they have one of, in pk order; a row is made first for
    each (customer, container type) pair asked for. Returns {(customer id, type id): balance}."""
    pairs = set(pairs)
    users = set(user_ids) | {user_id for user_id, _ in pairs}
    if not users:
        return {}
    if pairs:
        ContainerBalance.objects.bulk_create(
            [ContainerBalance(user_id=user_id, container_type_id=type_id) for user_id, type_id in sorted(pairs)],
            ignore_conflicts=True,
        )
    rows = ContainerBalance.objects.select_for_update().filter(user_id__in=users).order_by("pk")
    return {(row.user_id, row.container_type_id): row for row in rows}


def order_containers(*, order: Order) -> dict[int, int]:
    """{container type id: how many} the order brings (one query)."""
    rows = (
        OrderLine.objects.filter(order=order, product__container__isnull=False)
        .order_by()
        .values("product__container_id")
        .annotate(qty=Sum("qty"))
        .values_list("product__container_id", "qty")
    )
    return dict(rows)


def _share(amount: Decimal, units: int, part: int) -> Decimal:
    """part of units' deposits, priced at what they came to (exactly what is left when part is all of them)."""
    return amount if part >= units else to_money(amount * part / units)


def _settle(
    *,
    user_id: int,
    balances: dict[int, ContainerBalance],
    types: dict[int, ContainerType],
    order: Order | None = None,
    lost: dict[int, int] | None = None,
    by: User | None = None,
) -> list[DepositRelease]:
    """Deposits the customer no longer needs: kept for containers lost (lost), then given back beyond what they
    hold and what their open orders (other than order) bring. Unsaved: deposit_releases_record keeps them."""
    type_ids = list(balances)
    covered = _covered([user_id], type_ids)
    # Open orders of the same day bring their containers on top of these; a later day's swap them for empties.
    same_day = order.delivery_date if order else None
    today: dict[int, int] = defaultdict(int)
    later: dict[int, int] = defaultdict(int)
    for (_user, type_id, day), qty in _open_order_containers(
        [user_id], type_ids, exclude_order_id=order.pk if order else None
    ):
        if day == same_day:
            today[type_id] += qty
        else:
            later[type_id] = max(later[type_id], qty)
    releases = []
    for type_id, balance in sorted(balances.items()):
        name = types[type_id].name
        units, amount = covered.get((user_id, type_id), (0, Decimal("0.00")))
        common = {"user_id": user_id, "container_type_id": type_id, "order": order, "by": by}
        if kept := min((lost or {}).get(type_id, 0), units):
            share = _share(amount, units, kept)
            releases.append(
                DepositRelease(
                    kind=ReleaseKind.KEPT,
                    qty=kept,
                    amount=share,
                    note=f"Deposit kept: {_plural(kept, name)} lost or broken",
                    **common,
                )
            )
            units, amount = units - kept, amount - share
        if (extra := units - max(balance.held + today[type_id], later[type_id])) > 0:
            note = f"Deposit back: {_plural(extra, name)} returned" + (f", order {order.number}" if order else "")
            releases.append(
                DepositRelease(
                    kind=ReleaseKind.REFUNDED, qty=extra, amount=_share(amount, units, extra), note=note, **common
                )
            )
    return releases


def deposit_releases_record(*, releases: list[DepositRelease]) -> list[DepositRelease]:
    """Keep the releases _settle made (their wallet entries set, for those credited)."""
    return DepositRelease.objects.bulk_create(releases) if releases else []


# At the door


def _empties_by_type(collected: int, held: dict[int, int], issued: dict[int, int]) -> dict[int, int]:
    """Share one count of empties among container types: the order's own types first, then the rest; empties the
    customer had before the ones just handed over (a customer who pours the milk out can give those back too)."""
    order_first = sorted(set(held) | set(issued), key=lambda type_id: (type_id not in issued, type_id))
    returned = dict.fromkeys(order_first, 0)
    left = collected
    for pool in (held, issued):
        for type_id in order_first:
            take = min(left, pool.get(type_id, 0))
            returned[type_id] += take
            left -= take
    return returned


def empties_check(*, number: str, collected: int | None, held: int, issued: int) -> int:
    """The empties a rider records at a stop, or, with None, the expected number (all the customer held)."""
    if collected is None:
        return held
    if collected < 0:
        raise ContainerError(f"Empties collected for order {number} cannot be below zero.")
    if collected > held + issued:
        had = f"had {held} empt{'y' if held == 1 else 'ies'}"
        given = f"was given {issued} full" if issued else "was given none"
        raise ContainerError(
            f"The customer of order {number} {had} and {given}: at most {held + issued} can be collected, "
            f"not {collected}."
        )
    return collected


def containers_at_door(
    *,
    order: Order,
    delivery,
    balances: dict[tuple[int, int], ContainerBalance],
    issued: dict[int, int],
    empties_collected: int | None,
    by: User | None = None,
) -> list[DepositRelease]:
    """The order's full containers handed over (ISSUED) and the empties collected taken back (RETURNED: all the
    customer held when empties_collected is None), then the deposit settled with what the customer now holds.

    balances are the customer's, locked, with a row for each issued type. Returns the deposits to credit back."""
    mine = {type_id: balance for (user_id, type_id), balance in balances.items() if user_id == order.user_id}
    held = {type_id: balance.held for type_id, balance in mine.items()}
    collected = empties_check(
        number=order.number, collected=empties_collected, held=sum(held.values()), issued=sum(issued.values())
    )
    if not issued and not collected:
        return []
    returned = _empties_by_type(collected, held, issued)
    common = {"user_id": order.user_id, "order": order, "delivery": delivery, "by": by}
    movements = []
    for type_id in sorted(returned):
        if issued.get(type_id):
            movements.append(
                ContainerMovement(
                    container_type_id=type_id, kind=MovementKind.ISSUED, quantity=issued[type_id], **common
                )
            )
        if returned[type_id]:
            movements.append(
                ContainerMovement(
                    container_type_id=type_id, kind=MovementKind.RETURNED, quantity=-returned[type_id], **common
                )
            )
    ContainerMovement.objects.bulk_create(movements)
    changed = {}
    for type_id in returned:
        if change := issued.get(type_id, 0) - returned[type_id]:
            mine[type_id].held += change
            mine[type_id].save(update_fields=["held", "updated_at"])
        changed[type_id] = mine[type_id]
    return _settle(
        user_id=order.user_id, balances=changed, types=container_types_for(type_ids=changed), order=order, by=by
    )


# Recorded by staff


def container_movement_record(
    *, balance: ContainerBalance, kind: str, qty: int, by: User | None, note: str = ""
) -> tuple[ContainerMovement, list[DepositRelease]]:
    """Staff record containers outside a delivery: empties handed in (RETURNED: how many), a count at the door
    (COUNTED: how many the customer has), or containers lost or broken (LOST: how many; their deposit is kept).
    Returns the movement and the deposits released. Call with the balance locked."""
    container_type = balance.container_type
    customer = balance.user.name or balance.user.email
    if kind not in STAFF_KINDS:
        raise ContainerError("Record containers returned, counted, or lost or broken.")
    if qty < 0:
        raise ContainerError("Give a number of containers, zero or more.")
    if kind == MovementKind.COUNTED:
        change = qty - balance.held
        if not change:
            raise ContainerError(
                f"{customer} holds {_plural(balance.held, container_type.name)} already: nothing to record."
            )
    else:
        if not 1 <= qty <= balance.held:
            raise ContainerError(
                f"{customer} holds {_plural(balance.held, container_type.name)}: "
                f"{MovementKind(kind).label.lower()} must be between 1 and {balance.held}."
                if balance.held
                else f"{customer} holds no {container_type.name}: there is nothing to record as {MovementKind(kind).label.lower()}."
            )
        change = -qty
    movement = ContainerMovement.objects.create(
        user_id=balance.user_id, container_type=container_type, kind=kind, quantity=change, by=by, note=note
    )
    balance.held += change
    balance.save(update_fields=["held", "updated_at"])
    releases = _settle(
        user_id=balance.user_id,
        balances={container_type.pk: balance},
        types={container_type.pk: container_type},
        lost={container_type.pk: qty} if kind == MovementKind.LOST else None,
        by=by,
    )
    return movement, releases
