"""The one way the order lifecycle locks rows, and the one order it locks them in.

    cart → order → delivery → payments → stock (products by pk, then their supply rows) → slot → containers
    → wallets → accounts → route → documents

containers is the customers' container balances (containers.services): the deposit an order charges and the one a
delivery gives back are worked out under them.

accounts is the households' monthly accounts (billing.ledger): what they owe is read and changed under them.

route is the delivery zones' rows, which delivery.routes locks itself when new deliveries give households their
place in a zone's route: deliveries are created after every other lock is held, and only documents after them.

documents is the tax documents' number series (billing.documents): a number is taken last, held for the shortest
time, and given back by a rollback, so the series has no gaps.

Every function of orders.workflows takes its locks through one Locks, which refuses a lock that comes earlier in
this order than one it already holds: two lifecycle changes then never wait for each other in a circle (a
webhook, the unpaid-order sweep, a rider's tap and a customer's cancel can all reach one order at once).
Rows of the same kind are locked in primary-key order.
"""

from datetime import date
from decimal import Decimal

from billing.ledger import accounts_lock
from billing.models import BillingAccount
from cart.models import Cart
from catalog.stock import Stock, stock_lock
from containers.models import ContainerBalance
from containers.services import container_balances_lock
from delivery.models import Delivery, SlotBooking
from delivery.slots import DeliverySlot
from orders.models import Order
from payments.models import Payment
from payments.services import wallets_lock_balances

ORDER = ("cart", "order", "delivery", "payments", "stock", "slot", "containers", "wallets", "accounts", "documents")


class LockOrderError(RuntimeError):
    """A lock was asked for out of the documented order: a bug, not something a user did."""


class Locks:
    """Row locks for one transaction, taken in ORDER."""

    def __init__(self):
        self._held = -1

    def _take(self, kind: str) -> None:
        rank = ORDER.index(kind)
        if rank < self._held:
            raise LockOrderError(f"{kind} locked after {ORDER[self._held]}")
        self._held = rank

    def cart(self, cart: Cart) -> Cart:
        self._take("cart")
        return Cart.objects.select_for_update().get(pk=cart.pk)

    def order(self, order_id: int) -> Order:
        self._take("order")
        return Order.objects.select_for_update().get(pk=order_id)

    def delivery(self, order: Order) -> Delivery | None:
        self._take("delivery")
        return Delivery.objects.select_for_update().filter(order=order).first()

    def payments(self, order: Order) -> list[Payment]:
        self._take("payments")
        return list(Payment.objects.select_for_update().filter(order=order).order_by("pk"))

    def payment(self, payment_id: int) -> Payment:
        self._take("payments")
        return Payment.objects.select_for_update().get(pk=payment_id)

    def stock(self, *, product_ids, day: date) -> dict[int, Stock]:
        self._take("stock")
        return stock_lock(product_ids=product_ids, day=day)

    def slot(self, slot: DeliverySlot) -> SlotBooking:
        self._take("slot")
        SlotBooking.objects.get_or_create(date=slot.date, slot=slot.name)
        return SlotBooking.objects.select_for_update().get(date=slot.date, slot=slot.name)

    def containers(self, *, pairs=(), user_ids=()) -> dict[tuple[int, int], ContainerBalance]:
        """Lock the customers' container balances (a row made for each (customer, container type) pair first)."""
        self._take("containers")
        return container_balances_lock(pairs=pairs, user_ids=user_ids)

    def wallets(self, user_ids) -> dict[int, Decimal]:
        """Lock the customers' wallets and return their balances."""
        self._take("wallets")
        return wallets_lock_balances(user_ids=sorted(set(user_ids)))

    def accounts(self, user_ids) -> dict[int, BillingAccount]:
        """Lock the customers' monthly accounts (the prepaid have none: they are left out)."""
        self._take("accounts")
        return accounts_lock(user_ids=sorted(set(user_ids)))

    def documents(self) -> None:
        """Say that a document number is about to be taken (billing.documents locks its series row itself)."""
        self._take("documents")
