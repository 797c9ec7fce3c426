"""Every write to what can be sold: each delivery date's supply of perishables, and packaged goods' running stock.

Nothing here saves a figure read earlier: each change is a StockMovement applied as a delta (F expressions) to
rows locked by stock_lock, so whatever a page or an admin form showed a minute ago cannot undo a sale. The
movements of a product (and, for perishables, a date) add up to what is left.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Case, F, IntegerField, Value, When

from catalog.models import DailySupply, MovementKind, Product, StockMovement


class StockError(Exception):
    """A stock change that cannot be made; the message is for the customer or staff member."""


@dataclass
class Stock:
    """One product's saleable stock for one delivery date, its rows locked (stock_lock)."""

    product: Product
    day: date
    supply: DailySupply | None  # perishables only

    @property
    def left(self) -> int:
        return self.supply.left if self.supply is not None else self.product.stock

    @property
    def movement_date(self) -> date | None:
        return self.day if self.supply is not None else None


def stock_lock(*, product_ids, day: date) -> dict[int, Stock]:
    """Lock the products (by pk) and their supply rows for day, making the missing ones from the daily default.

    Call inside a transaction. Supply rows are only ever made here, under their product's lock."""
    products = list(Product.objects.select_for_update().filter(pk__in=set(product_ids)).order_by("pk"))
    perishable = [product for product in products if product.perishable]
    if perishable:
        have = set(DailySupply.objects.filter(product__in=perishable, date=day).values_list("product_id", flat=True))
        missing = [product for product in perishable if product.pk not in have]
        DailySupply.objects.bulk_create(
            DailySupply(product=product, date=day, supply=product.daily_supply) for product in missing
        )
        StockMovement.objects.bulk_create(
            StockMovement(
                product=product,
                date=day,
                kind=MovementKind.RECEIVED,
                quantity=product.daily_supply,
                note="Daily supply",
            )
            for product in missing
            if product.daily_supply
        )
    supplies = {
        supply.product_id: supply
        for supply in DailySupply.objects.select_for_update()
        .filter(product__in=perishable, date=day)
        .order_by("product_id")
    }
    return {product.pk: Stock(product=product, day=day, supply=supplies.get(product.pk)) for product in products}


def _apply(stock: Stock, *, committed: int = 0, supply: int = 0, subscription: bool = False) -> None:
    """Add to a locked stock: committed (sold) and supply (received) for perishables; both net for running stock."""
    if stock.supply is not None:
        counter = "subscribed" if subscription else "ordered"
        changes = {}
        if committed:
            changes[counter] = F(counter) + committed
        if supply:
            changes["supply"] = F("supply") + supply
        if changes:
            DailySupply.objects.filter(pk=stock.supply.pk).update(**changes)
            stock.supply.refresh_from_db()
    elif net := supply - committed:
        Product.objects.filter(pk=stock.product.pk).update(stock=F("stock") + net)
        stock.product.refresh_from_db(fields=["stock"])


def _record(stock: Stock, kind: str, quantity: int, *, order=None, by=None, note: str = "") -> StockMovement | None:
    if quantity:
        return StockMovement.objects.create(
            product=stock.product,
            date=stock.movement_date,
            kind=kind,
            quantity=quantity,
            order=order,
            by=by,
            note=note[:255],
        )
    return None


def stock_take(*, stock: Stock, qty: int, order=None, subscription: bool = False, note: str = "") -> None:
    """Sell qty (an order line); refused when less is left."""
    if qty > stock.left:
        raise StockError(stock_shortage_message(stock.product, stock.left))
    _apply(stock, committed=qty, subscription=subscription)
    _record(stock, MovementKind.SOLD, -qty, order=order, note=note)


def stock_take_many(*, taken: dict[int, int], stocks: dict[int, Stock], note: str) -> None:
    """Sell for many subscription orders at once: one update per kind of row and one insert of movements."""
    for product_id, qty in taken.items():
        if qty > stocks[product_id].left:
            raise StockError(stock_shortage_message(stocks[product_id].product, stocks[product_id].left))
    supplies = {stocks[pk].supply.pk: qty for pk, qty in taken.items() if stocks[pk].supply is not None}
    packaged = {pk: qty for pk, qty in taken.items() if stocks[pk].supply is None}
    if supplies:
        DailySupply.objects.filter(pk__in=supplies).update(subscribed=F("subscribed") + _by_pk(supplies))
    if packaged:
        Product.objects.filter(pk__in=packaged).update(stock=F("stock") - _by_pk(packaged))
    for pk, qty in taken.items():
        if stocks[pk].supply is not None:
            stocks[pk].supply.subscribed += qty
        else:
            stocks[pk].product.stock -= qty
    StockMovement.objects.bulk_create(
        StockMovement(
            product=stocks[pk].product, date=stocks[pk].movement_date, kind=MovementKind.SOLD, quantity=-qty, note=note
        )
        for pk, qty in taken.items()
        if qty
    )


def _by_pk(quantities: dict[int, int]) -> Case:
    return Case(*(When(pk=pk, then=Value(qty)) for pk, qty in quantities.items()), output_field=IntegerField())


def stock_return(*, stock: Stock, qty: int, order=None, subscription: bool = False, by=None, note: str = "") -> None:
    """An order line that never left the dairy goes back on sale."""
    _apply(stock, committed=-qty, subscription=subscription)
    _record(stock, MovementKind.RETURNED, qty, order=order, by=by, note=note)


def stock_write_off(*, stock: Stock, qty: int, order=None, subscription: bool = False, by=None, note: str = "") -> None:
    """Goods that left the dairy and did not reach the customer: back from the order, and wasted."""
    _apply(stock, committed=-qty, supply=-qty, subscription=subscription)
    _record(stock, MovementKind.RETURNED, qty, order=order, by=by, note=note)
    _record(stock, MovementKind.WASTED, -qty, order=order, by=by, note=note)


def stock_shortage_message(product: Product, left: int) -> str:
    return f"{product.name} is out of stock." if left <= 0 else f"Only {left} of {product.name} left."


# What staff record


def _staff_change(stock: Stock, kind: str, quantity: int, *, by, note: str) -> StockMovement | None:
    if stock.left + quantity < 0:
        committed = f" ({stock.supply.committed} already ordered)" if stock.supply is not None else ""
        raise StockError(f"{stock.product.name} has {stock.left} left{committed}; it cannot go below nothing.")
    _apply(stock, supply=quantity)
    return _record(stock, kind, quantity, by=by, note=note)


@transaction.atomic
def stock_record(
    *, product: Product, kind: str, qty: int, day: date | None = None, by=None, note: str = ""
) -> StockMovement | None:
    """Staff record goods received or wasted (qty units), or what a count found left (qty is the count).

    day is the delivery date whose supply it is (perishables; required for them). Returns the movement (None when
    a count found what was expected)."""
    if product.perishable and day is None:
        raise StockError(f"{product.name} is sold from each day's supply: choose the delivery date.")
    if qty < 0:
        raise StockError("Enter a number of units, 0 or more.")
    stock = stock_lock(product_ids=[product.pk], day=day or date.today())[product.pk]
    match kind:
        case MovementKind.RECEIVED:
            delta = qty
        case MovementKind.WASTED:
            delta = -qty
        case MovementKind.COUNTED:
            delta = qty - stock.left
        case _:
            raise StockError("Staff record goods received, wasted or counted.")
    return _staff_change(stock, kind, delta, by=by, note=note or MovementKind(kind).label)


@transaction.atomic
def supply_set(*, product: Product, day: date, supply: int, by=None) -> DailySupply:
    """Set a perishable's supply for one delivery date; never below what is already committed."""
    if not product.perishable:
        raise StockError(f"{product.name} is packaged: record received, wasted or counted stock instead.")
    stock = stock_lock(product_ids=[product.pk], day=day)[product.pk]
    if supply < stock.supply.committed:
        raise StockError(
            f"{stock.supply.committed} of {product.name} are already ordered for {day:%a %d %b}; "
            "the supply cannot be less."
        )
    _staff_change(stock, MovementKind.COUNTED, supply - stock.supply.supply, by=by, note=f"Supply set to {supply}")
    return stock.supply
