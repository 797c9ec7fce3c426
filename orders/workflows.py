"""The order lifecycle: every change that spans an order, its payments, delivery, stock, slot and wallet.

Pages, the API, the admin and tasks call these and only these for such changes; each rule that spans entities
(who may do what, the cutoff, paid before confirmed, exact cash, stock and slot capacity) is checked here, once.
The entity services (orders.services, delivery.services, payments.services, catalog.stock, containers.services)
write only their own rows and import none of each other.

Locks are taken through orders.locks.Locks, always in this order:

    cart → order → delivery → payments → stock (products, then their supply rows) → slot → containers → wallets
    → accounts → route → documents

A prepaid order's GST document is issued when it is confirmed, and credited by a credit note when it is called off
or money goes back after delivery (billing.documents); its number is the last thing taken.

An order on a monthly account (POSTPAID) is confirmed at once if it fits within the account's credit limit
(billing.ledger.account_refusal, the one rule for it), charged to the account's ledger when delivered, and what
goes back on it (a refund, a container deposit) goes back to that ledger, never to a card or the wallet.

Payment gateways are called after commit (a task), outside every lock.

Who is acting (`by`): None is the shop itself (a task, the nightly run); staff may make every move; a rider
only moves their own delivery along the road (picked up, on the way, delivered, failed); a customer may pay
and, before the order's cutoff, cancel their own order.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import Address, User
from billing.documents import (
    order_credit_note,
    order_document,
    order_document_issue,
    order_refund_credit_note,
    orders_documents_issue,
)
from billing.ledger import (
    BillingError,
    account_payment_amount,
    account_refusal,
    accounts_exposure,
    ledger_charge_delivery,
    ledger_credit,
    ledger_payment,
    ledger_payment_refunded,
)
from billing.models import AccountKind, BillingAccount, EntryKind, TaxDocument
from billing.signals import account_payment_received
from cart.models import Cart, CartItem
from cart.services import cart_clear
from catalog.stock import (
    Stock,
    StockError,
    stock_return,
    stock_shortage_message,
    stock_take,
    stock_take_many,
    stock_write_off,
)
from containers.models import ContainerMovement, ContainerType, DepositRelease, ReleaseKind
from containers.services import (
    ContainerError,
    DepositBook,
    DepositCharge,
    container_movement_record,
    containers_at_door,
    containers_in,
    deposit_book_for,
    deposit_releases_record,
    deposits_total,
    order_containers,
    order_deposits_create,
)
from delivery.models import TRANSITIONS as DELIVERY_TRANSITIONS
from delivery.models import Delivery, DeliveryStatus, FailureReason, RiderRound, cash_due_for
from delivery.proofs import delivery_left_at_door, door_photo_clean, proof_check
from delivery.selectors import zone_for_pincode
from delivery.services import (
    DeliveryError,
    SlotError,
    deliveries_create_for_orders,
    delivery_create_for_order,
    delivery_set_status,
    slot_book,
    slot_book_many,
    slot_release,
)
from delivery.slots import DeliverySlot
from milkshop.money import format_money
from orders.locks import Locks
from orders.models import CANCELLABLE, Order, OrderStatus, delivery_snapshot, new_order_number
from orders.services import (
    OrderError,
    Placement,
    PlacementError,
    PriceChange,
    order_create,
    order_set_payment,
    order_transition,
    orders_create_confirmed,
)
from orders.signals import order_placed
from payments.models import (
    ONLINE_METHODS,
    Payment,
    PaymentMethod,
    PaymentPurpose,
    PaymentStatus,
    Refund,
    WalletEntryKind,
)
from payments.services import (
    InsufficientWalletBalance,
    PaymentError,
    payment_cash_received,
    payment_create,
    payment_transition,
    payment_void,
    payments_create_many,
    refund_complete,
    refund_create,
    refund_send,
    wallet_credit,
    wallet_pay,
    wallet_topup_credit,
    wallets_pay_many,
)

# What a rider may do from the road, in the order of the road; cancelling is the order's business.
RIDER_MOVES = (DeliveryStatus.PICKED_UP, DeliveryStatus.IN_TRANSIT, DeliveryStatus.DELIVERED, DeliveryStatus.FAILED)
LATE_PAYMENT_REFUND_REASON = "Paid after the payment had already failed: refunded automatically."
# Ways of paying that confirm an order as soon as it is placed, and the note its history gets.
CONFIRMED_AT_ONCE = {
    PaymentMethod.CASH: "Cash on delivery",
    PaymentMethod.WALLET: "Paid from wallet",
    PaymentMethod.POSTPAID: "Billed to the monthly account",
}
NOT_POSTPAID = "Monthly account is for households the shop has set up for monthly billing."


class NotAllowed(OrderError, DeliveryError):
    """The caller may not make this change (the API answers 403)."""


def _is_shop(by: User | None) -> bool:
    return by is None or by.is_staff


# Placing


def _zone_for(address: Address):
    zone = zone_for_pincode(address.pincode)
    if zone is None:
        raise PlacementError(f"We don't deliver to {address.pincode} yet.")
    return zone


def _deposits_due(locks: Locks, *, user_id: int, day: date, lines) -> list[DepositCharge]:
    """The deposits for the returnable containers of an order about to be made, with the customer's balances
    locked: none (and no query) when nothing in it comes in one."""
    wanted = containers_in(lines=lines)
    if not wanted:
        return []
    balances = locks.containers(pairs=[(user_id, type_id) for type_id in wanted])
    return deposit_book_for(balances=balances, day=day).charges(user_id=user_id, wanted=wanted)


def order_place(
    *, user: User, cart: Cart, address: Address, slot: DeliverySlot, method: str | None, now=None
) -> Placement:
    """Turn the cart into an order in one transaction: stock, slot, payment and cart change together or not at all.

    Stock is the delivery date's: a perishable's supply for that date, or a packaged good's running stock.
    With no method the order waits, CREATED, for order_pay (the API's two steps: create, then pay)."""
    now = now or timezone.now()
    if address.user_id != user.pk:
        raise PlacementError("Pick one of your own addresses.")
    zone = _zone_for(address)
    with transaction.atomic():
        locks = Locks()
        # The cart's row first: a second submit of the same cart waits here, then finds it empty.
        locks.cart(cart)
        items = list(CartItem.objects.filter(cart=cart).order_by("product_id"))
        if not items:
            raise PlacementError("Your cart is empty.")
        stocks = locks.stock(product_ids=[item.product_id for item in items], day=slot.date)
        line_errors = {}
        for item in items:
            stock = stocks[item.product_id]
            if not stock.product.is_active:
                line_errors[item.product_id] = f"{stock.product.name} is no longer available."
            elif stock.left < item.qty:
                line_errors[item.product_id] = stock_shortage_message(stock.product, stock.left)
        if line_errors:
            raise PlacementError(f"Some items in your cart cannot be ordered for {slot.label}.", line_errors)
        locks.slot(slot)
        try:
            slot_book(slot=slot, now=now)
        except SlotError as error:
            raise PlacementError(str(error)) from error

        lines = [(stocks[item.product_id].product, item.qty) for item in items]
        deposits = _deposits_due(locks, user_id=user.pk, day=slot.date, lines=lines)
        order = order_create(
            user=user,
            address=address,
            zone=zone,
            slot=slot,
            method=method or "",
            lines=lines,
            deposit=deposits_total(deposits),
        )
        order_deposits_create(deposits=[(order, deposits)])
        for item in items:
            stock_take(stock=stocks[item.product_id], qty=item.qty, order=order, note=f"Order {order.number}")
        price_changes = [
            PriceChange(product.name, item.price_when_added, product.price)
            for item, (product, _qty) in zip(items, lines, strict=True)
            if item.price_when_added is not None and item.price_when_added != product.price
        ]
        if method == PaymentMethod.WALLET:
            locks.wallets([user.pk])
            try:
                wallet_pay(user=user, amount=order.total_amount, order=order)
            except InsufficientWalletBalance as error:
                raise PlacementError(str(error)) from error
            order_set_payment(order=order, status=PaymentStatus.SUCCESS)
        elif method == PaymentMethod.POSTPAID:
            try:
                _bill_to_account(locks, order)
            except OrderError as error:
                raise PlacementError(str(error)) from error
        elif method:
            provider = "cash" if method == PaymentMethod.CASH else ""
            payment_create(user=user, amount=order.total_amount, method=method, order=order, provider=provider)
        cart_clear(cart=cart)
        transaction.on_commit(partial(order_placed.send, sender=Order, order_id=order.pk))
        if method in CONFIRMED_AT_ONCE:
            _confirm(locks, order, by=user, note=CONFIRMED_AT_ONCE[method])
    return Placement(order=order, price_changes=price_changes)


# Confirming and paying


def _confirm(locks: Locks, order: Order, *, by: User | None, note: str) -> Order:
    """CONFIRMED, with its delivery (and a rider), once paid, or when it is cash on delivery; then its tax document,
    the last thing taken (its number). Order locked."""
    paid = order.payment_status == PaymentStatus.SUCCESS
    if not (paid or order.payment_method in (PaymentMethod.CASH, PaymentMethod.POSTPAID)):
        raise OrderError(
            f"Order {order.number} is not paid yet; it is confirmed when its payment arrives "
            "(or when the customer picks cash on delivery)."
        )
    order_transition(order=order, to=OrderStatus.CONFIRMED, by=by, note=note)
    delivery_create_for_order(order=order, by=by)
    locks.documents()
    order_document_issue(order=order)
    return order


def _bill_to_account(locks: Locks, order: Order) -> Payment:
    """An order put on the household's monthly account: refused unless the shop set the household up for one and
    the order fits within its credit limit; its payment waits, PENDING, for the delivery (which charges the
    ledger). Order locked; the account is locked here."""
    account = locks.accounts([order.user_id]).get(order.user_id)
    if account is None or not account.is_postpaid:
        raise OrderError(NOT_POSTPAID)
    if refusal := account_refusal(account=account, adding=order.total_amount):
        raise OrderError(refusal)
    return payment_create(
        user=order.user, amount=order.total_amount, method=PaymentMethod.POSTPAID, order=order, provider="account"
    )


def order_tax_document(*, order: Order) -> TaxDocument | None:
    """The order's tax invoice or bill of supply, as its invoice link serves it: issued now for a prepaid order paid
    or delivered before the shop issued GST documents; None for one not yet paid, cancelled or on a monthly account."""
    existing = order_document(order=order)
    if existing is not None:
        return existing
    with transaction.atomic():
        locks = Locks()
        locked = locks.order(order.pk)
        if not locked.has_invoice or locked.status == OrderStatus.CANCELLED:
            return None
        locks.documents()
        return order_document_issue(order=locked)


def order_confirm(*, order: Order, by: User | None) -> Order:
    """Staff confirm an order by hand: refused unless it is paid or cash on delivery."""
    if not _is_shop(by):
        raise NotAllowed("Only the shop confirms orders.")
    with transaction.atomic():
        locks = Locks()
        locked = locks.order(order.pk)
        _confirm(locks, locked, by=by, note="Confirmed by the shop")
    order.refresh_from_db()
    return order


def order_pack(*, order: Order, by: User | None) -> Order:
    if not _is_shop(by):
        raise NotAllowed("Only the shop packs orders.")
    with transaction.atomic():
        locked = Locks().order(order.pk)
        order_transition(order=locked, to=OrderStatus.PACKED, by=by, note="Packed")
    order.refresh_from_db()
    return order


def _may_pay(order: Order, by: User | None) -> None:
    if not (_is_shop(by) or by.pk == order.user_id):
        raise NotAllowed("Only the customer who placed an order can pay it.")


def _pending_online(order: Order, payments: list[Payment]) -> Payment:
    if order.payment_method not in ONLINE_METHODS or not order.awaits_online_payment:
        raise OrderError(f"Order {order.number} has nothing to pay online.")
    payment = next((p for p in payments if p.status == PaymentStatus.PENDING), None)
    if payment is None:
        payment = payment_create(user=order.user, amount=order.total_amount, method=order.payment_method, order=order)
        order_set_payment(order=order, status=PaymentStatus.PENDING)
    return payment


def order_pending_payment(*, order: Order, by: User | None = None) -> Payment:
    """The online payment still to complete for an unpaid order: the pending one, or a new one after a failure."""
    with transaction.atomic():
        locks = Locks()
        locked = locks.order(order.pk)
        if by is not None:
            _may_pay(locked, by)
        return _pending_online(locked, locks.payments(locked))


def order_pay(*, order: Order, method: str, by: User) -> Payment:
    """Choose how to pay an order that waits for payment (or settle on cash again: that repeats nothing).

    Cash and wallet confirm the order at once; card and UPI give a pending payment to open with the gateway.
    A pending payment of another method is called off quietly: changing one's mind is not a failed payment."""
    with transaction.atomic():
        locks = Locks()
        locked = locks.order(order.pk)
        _may_pay(locked, by)
        payments = locks.payments(locked)
        pending = [payment for payment in payments if payment.status == PaymentStatus.PENDING]
        pending_cash = next((p for p in pending if p.method == PaymentMethod.CASH), None)
        if method == PaymentMethod.CASH and pending_cash is not None:
            return pending_cash
        if locked.status != OrderStatus.CREATED or locked.payment_status == PaymentStatus.SUCCESS:
            raise OrderError(
                f"Order {locked.number} is {locked.get_status_display().lower()}; there is nothing to pay."
            )
        for stale in pending:
            if stale.method != method:
                payment_void(payment=stale, reason=f"Paid by {PaymentMethod(method).label} instead")
        payments = [p for p in payments if p.status == PaymentStatus.PENDING]
        order_set_payment(order=locked, status=PaymentStatus.PENDING, method=method)
        if method == PaymentMethod.WALLET:
            locks.wallets([locked.user_id])
            try:
                payment = wallet_pay(user=locked.user, amount=locked.total_amount, order=locked)
            except InsufficientWalletBalance as error:
                raise OrderError(str(error)) from error
            order_set_payment(order=locked, status=PaymentStatus.SUCCESS)
            _confirm(locks, locked, by=by, note="Paid from wallet")
        elif method == PaymentMethod.CASH:
            payment = payment_create(
                user=locked.user, amount=locked.total_amount, method=method, order=locked, provider="cash"
            )
            _confirm(locks, locked, by=by, note="Cash on delivery")
        elif method == PaymentMethod.POSTPAID:
            payment = _bill_to_account(locks, locked)
            _confirm(locks, locked, by=by, note=CONFIRMED_AT_ONCE[method])
        else:
            payment = _pending_online(locked, payments)
    order.refresh_from_db()
    return payment


def payment_succeeded(*, payment_id: int, reference: str = "") -> Payment:
    """A provider says a payment went through: its order is confirmed (or refunded if it was called off
    meanwhile), or its top-up credited. A repeat report changes nothing."""
    with transaction.atomic():
        order_id = Payment.objects.filter(pk=payment_id).values_list("order_id", flat=True).get()
        locks = Locks()
        order = locks.order(order_id) if order_id else None
        payment = locks.payment(payment_id)
        if payment.status == PaymentStatus.FAILED and payment.method in ONLINE_METHODS:
            return _paid_after_failing(locks, payment, order, reference=reference)
        if payment.status != PaymentStatus.PENDING:
            return payment
        if reference:
            payment.transaction_id = reference
            payment.save(update_fields=["transaction_id", "updated_at"])
        payment_transition(payment=payment, to=PaymentStatus.SUCCESS)
        if order is None:
            _credit_payment_without_order(locks, payment)
            return payment
        order_set_payment(order=order, status=PaymentStatus.SUCCESS)
        if order.status == OrderStatus.CREATED:
            _confirm(locks, order, by=None, note=f"Paid by {payment.get_method_display()}")
        elif order.status == OrderStatus.CANCELLED:
            _refund(order, payment, reason=f"Order {order.number} was cancelled before payment arrived")
        return payment


def payment_declined(*, payment_id: int, reason: str) -> Payment:
    """A provider says a pending payment failed; one already settled stays as it is (reports come out of order)."""
    with transaction.atomic():
        order_id = Payment.objects.filter(pk=payment_id).values_list("order_id", flat=True).get()
        locks = Locks()
        order = locks.order(order_id) if order_id else None
        payments = locks.payments(order) if order else [locks.payment(payment_id)]
        payment = next(p for p in payments if p.pk == payment_id)
        if payment.status != PaymentStatus.PENDING:
            return payment
        payment_transition(payment=payment, to=PaymentStatus.FAILED, reason=reason)
        others_pending = any(p.status == PaymentStatus.PENDING for p in payments if p.pk != payment_id)
        if order is not None and order.payment_status == PaymentStatus.PENDING and not others_pending:
            order_set_payment(order=order, status=PaymentStatus.FAILED)
        return payment


def _paid_after_failing(locks: Locks, payment: Payment, order: Order | None, *, reference: str) -> Payment:
    """The provider took the money after the payment was given up on (a bank that confirmed after its page
    expired, or the order was cancelled). An order's money goes back in full through the provider; a top-up is
    credited to the wallet, which is what the customer paid for. FAILED is otherwise final: this is the one way
    out of it, and it announces no payment_completed (the order was never confirmed by it)."""
    payment.status = PaymentStatus.SUCCESS
    payment.transaction_id = reference or payment.transaction_id
    payment.save(update_fields=["status", "transaction_id", "updated_at"])
    if order is not None:
        refund_create(payment=payment, amount=payment.amount, reason=LATE_PAYMENT_REFUND_REASON)
    else:
        _credit_payment_without_order(locks, payment)
    return payment


def _credit_payment_without_order(locks: Locks, payment: Payment) -> None:
    """A successful payment for no order: a top-up goes to the wallet, a payment towards a monthly account to its
    ledger (once, however often it is reported)."""
    # An account row is never deleted, so it is safe to look before locking (wallets come before accounts).
    if payment.purpose == PaymentPurpose.ACCOUNT and BillingAccount.objects.filter(user_id=payment.user_id).exists():
        account = locks.accounts([payment.user_id])[payment.user_id]
        _account_paid(account, payment, by=payment.received_by)
        return
    locks.wallets([payment.user_id])
    wallet_topup_credit(payment=payment)


def _account_paid(account, payment: Payment, *, by: User | None, note: str = "") -> None:
    """The payment counted in the account's ledger on the day it arrived; announced once."""
    if ledger_payment(account=account, payment=payment, day=timezone.localdate(), by=by, note=note) is not None:
        account_payment_received.send(sender=Payment, payment_id=payment.pk)


# Monthly accounts


def _postpaid_account(customer: User) -> BillingAccount:
    account = BillingAccount.objects.filter(user=customer).first()
    if account is None or not account.is_postpaid:
        raise OrderError(f"{customer} is not on a monthly account: they pay as they order.")
    return account


def account_payment_open(*, customer: User, amount, method: str) -> Payment:
    """A household pays towards its monthly account online: a pending card or UPI payment, opened with the gateway
    like a wallet top-up (payments.services.payment_start_checkout); its success credits the ledger."""
    if method not in ONLINE_METHODS:
        raise OrderError("Pay your monthly account by card or UPI online, or in cash to a rider or the shop.")
    try:
        amount = account_payment_amount(amount)
    except BillingError as error:
        raise OrderError(str(error)) from error
    _postpaid_account(customer)
    return payment_create(user=customer, amount=amount, method=method, purpose=PaymentPurpose.ACCOUNT)


def _may_take_cash(customer: User, by: User | None, today: date) -> None:
    if _is_shop(by):
        return
    if by.pk == customer.pk:
        raise NotAllowed("Pay your monthly account online, or in cash to your rider or the shop.")
    if not by.is_rider:
        raise NotAllowed("Only the shop's staff and riders take payments for monthly accounts.")
    on_round = Delivery.objects.filter(rider=by, user=customer, delivery_date=today).exclude(
        status=DeliveryStatus.CANCELLED
    )
    if not on_round.exists():
        raise NotAllowed(f"{customer} is not on your round today: only the shop can take their payment.")
    if RiderRound.objects.filter(rider=by, date=today, closed_at__isnull=False).exists():
        raise NotAllowed("Today's round is closed and its cash counted: the shop takes this payment now.")


def account_payment_record(*, customer: User, amount, by: User | None, note: str = "", now=None) -> Payment:
    """Cash paid towards a monthly account, by hand: to staff (for anyone) or to a rider (for a household on their
    round that day). A payment larger than what is owed is kept on the account as credit."""
    today = timezone.localdate(now or timezone.now())
    _may_take_cash(customer, by, today)
    try:
        amount = account_payment_amount(amount)
    except BillingError as error:
        raise OrderError(str(error)) from error
    with transaction.atomic():
        account = Locks().accounts([customer.pk]).get(customer.pk)
        if account is None or not account.is_postpaid:
            raise OrderError(f"{customer} is not on a monthly account: they pay as they order.")
        payment = payment_cash_received(user=customer, amount=amount, purpose=PaymentPurpose.ACCOUNT, received_by=by)
        _account_paid(account, payment, by=by, note=note.strip())
    return payment


# Money back


def _refund(order: Order, payment: Payment, *, reason: str, to_wallet: bool = False) -> Refund:
    refund = refund_create(payment=payment, amount=payment.refundable_amount, reason=reason, to_wallet=to_wallet)
    _mark_refunded(order, payment)
    return refund


def _mark_refunded(order: Order, payment: Payment) -> None:
    """The order shows what became of its money: paid, then refunded."""
    payment.refresh_from_db(fields=["status"])
    if payment.status == PaymentStatus.REFUNDED and order.payment_status == PaymentStatus.SUCCESS:
        order_set_payment(order=order, status=PaymentStatus.REFUNDED)


def _settle_payments(order: Order, payments: list[Payment], *, reason: str, to_wallet: bool) -> None:
    """An order that will not be delivered: what was paid goes back, what was pending is called off."""
    for payment in payments:
        if payment.status == PaymentStatus.SUCCESS and payment.refundable_amount > 0:
            _refund(order, payment, reason=reason, to_wallet=to_wallet)
        elif payment.status == PaymentStatus.PENDING:
            payment_void(payment=payment, reason=reason)


def refund_settle(*, refund_id: int) -> Refund:
    """Pay a pending refund back through its provider (outside every lock), then record it. Safe to run again."""
    reference = refund_send(refund_id=refund_id)
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    if reference is None:
        return refund
    with transaction.atomic():
        locks = Locks()
        order = locks.order(refund.payment.order_id) if refund.payment.order_id else None
        payment = locks.payment(refund.payment_id)
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        refund_complete(refund=refund, provider_reference=reference)
        if order is not None:
            _mark_refunded(order, payment)
    return refund


def refund_record_external(*, payment: Payment, amount: Decimal, reference: str) -> Refund:
    """A refund made at the provider directly (say, from Stripe's dashboard): record it as done."""
    with transaction.atomic():
        locks = Locks()
        order = locks.order(payment.order_id) if payment.order_id else None
        locked = locks.payment(payment.pk)
        refund = Refund.objects.create(payment=locked, amount=amount, reason="Refunded at the payment provider")
        refund_complete(refund=refund, provider_reference=reference)
        if order is not None:
            _mark_refunded(order, locked)
        elif locked.purpose == PaymentPurpose.ACCOUNT:
            account = locks.accounts([locked.user_id]).get(locked.user_id)
            if account is not None:
                ledger_payment_refunded(account=account, payment=locked, amount=amount, day=timezone.localdate())
        if order is not None and order.status in (OrderStatus.DELIVERED, OrderStatus.RETURNED):
            # Money back on goods the customer has: a credit note for the goods' part (a cancelled order's
            # document was credited when it was cancelled).
            locks.documents()
            order_refund_credit_note(order=order, amount=amount, reason=f"Refund {refund.pk} of order {order.number}")
    return refund


def order_refund(*, order: Order, amount, by: User | None, reason: str) -> Refund:
    """The shop gives money back on a delivered order (spoilt or short): for an order billed to a monthly account
    as a RETURN credit on its ledger, never to a card or the wallet; otherwise the way it was paid."""
    if not _is_shop(by):
        raise NotAllowed("Only the shop refunds delivered orders.")
    reason = reason.strip()
    if not reason:
        raise OrderError("Say why the order is refunded.")
    try:
        amount = account_payment_amount(amount)
    except BillingError as error:
        raise OrderError(str(error).replace("payment", "refund")) from error
    with transaction.atomic():
        locks = Locks()
        locked = locks.order(order.pk)
        if locked.status not in (OrderStatus.DELIVERED, OrderStatus.RETURNED):
            raise OrderError(f"Order {locked.number} is not delivered: cancel it instead, which gives back its money.")
        paid = next(
            (p for p in locks.payments(locked) if p.status == PaymentStatus.SUCCESS and p.refundable_amount > 0), None
        )
        if paid is None:
            raise OrderError(f"Order {locked.number} has nothing left to refund.")
        # The container deposit is not refunded here: it goes back when the empties do (containers.services).
        deposit = sum((charge.amount for charge in locked.deposits.all()), Decimal("0.00"))
        goods_left = min(paid.refundable_amount, locked.total_amount - deposit - paid.refunded_amount)
        if amount > goods_left:
            raise OrderError(
                f"Order {locked.number} has {format_money(max(goods_left, Decimal('0.00')))} of goods left to "
                f"refund, not {format_money(amount)}."
            )
        locks.wallets([locked.user_id])
        refund = refund_create(payment=paid, amount=amount, reason=reason)
        if paid.method == PaymentMethod.POSTPAID:
            account = locks.accounts([locked.user_id])[locked.user_id]
            ledger_credit(
                account=account,
                kind=EntryKind.RETURN,
                amount=amount,
                day=timezone.localdate(),
                order=locked,
                payment=paid,
                note=f"Refund on order {locked.number}: {reason}",
                by=by,
            )
        _mark_refunded(locked, paid)
        locks.documents()
        order_refund_credit_note(order=locked, amount=amount, reason=f"Refund {refund.pk} of order {locked.number}")
    order.refresh_from_db()
    return refund


# Cancelling


def _may_cancel(order: Order, by: User | None, now) -> None:
    if not order.can_be_cancelled:
        raise OrderError(
            f"Order {order.number} is {order.get_status_display().lower()} and can no longer be cancelled."
        )
    if _is_shop(by):
        return
    if by.pk != order.user_id:
        raise NotAllowed("Only the customer who placed an order, or the shop, can cancel it.")
    if now >= order.slot.cutoff:
        cutoff = timezone.localtime(order.slot.cutoff)
        raise OrderError(
            f"Order {order.number} can no longer be cancelled: changes for {order.slot.label} closed at "
            f"{cutoff:%H:%M on %a %d %b}. Call us if something is wrong."
        )


def cancel_refusal(*, order: Order, by: User | None, now=None) -> str:
    """Why `by` could not cancel this order now, or "" when they can: what the order page offers."""
    try:
        _may_cancel(order, by, now or timezone.now())
    except OrderError as error:
        return str(error)
    return ""


def _lines_back(locks: Locks, order: Order, *, by: User | None, note: str, written_off: bool) -> None:
    lines = list(order.lines.exclude(product=None))
    stocks = locks.stock(product_ids=[line.product_id for line in lines], day=order.delivery_date)
    put_back = stock_write_off if written_off else stock_return
    for line in lines:
        put_back(
            stock=stocks[line.product_id],
            qty=line.qty,
            order=order,
            subscription=order.subscription_id is not None,
            by=by,
            note=note,
        )


def _cancel_before_pickup(
    locks: Locks, order: Order, payments: list[Payment], *, by: User | None, reason: str, to_wallet: bool
) -> None:
    """Nothing has left the dairy: stock goes back on sale, the slot frees up, the money goes back."""
    _lines_back(locks, order, by=by, note=f"Order {order.number} cancelled", written_off=False)
    locks.slot(order.slot)
    slot_release(slot=order.slot)
    locks.wallets([order.user_id])
    _settle_payments(order, payments, reason=f"Order {order.number} cancelled", to_wallet=to_wallet)
    order_transition(order=order, to=OrderStatus.CANCELLED, by=by, note=reason)
    _credit_document(locks, order, reason=reason or f"Order {order.number} cancelled")


def _credit_document(locks: Locks, order: Order, *, reason: str) -> None:
    """An order called off after its tax document was issued: a credit note naming it (none without one)."""
    locks.documents()
    order_credit_note(order=order, reason=reason)


def _cancel_locked(locks: Locks, order: Order, *, by: User | None, reason: str) -> None:
    delivery = locks.delivery(order)
    payments = locks.payments(order)
    _cancel_before_pickup(locks, order, payments, by=by, reason=reason, to_wallet=False)
    if delivery is not None and delivery.status != DeliveryStatus.CANCELLED:
        delivery.order = order
        delivery_set_status(delivery=delivery, to=DeliveryStatus.CANCELLED, by=by, note=reason)


def order_cancel(*, order: Order, by: User | None, reason: str, now=None) -> Order:
    """Cancel an order not yet out for delivery: stock back, slot freed, pending payments called off (their
    gateway pages closed), what was paid refunded, the delivery called off.

    The customer may cancel their own order until its cutoff; the shop at any time before pickup, with a reason."""
    now = now or timezone.now()
    with transaction.atomic():
        locks = Locks()
        locked = locks.order(order.pk)
        _may_cancel(locked, by, now)
        if by is not None and by.is_staff and not reason.strip():
            raise OrderError("Say why the order is cancelled.")
        _cancel_locked(locks, locked, by=by, reason=reason)
    order.refresh_from_db()
    return order


def _unpaid_online(now):
    """Orders waiting for a card or UPI payment whose payment page, if one was opened, has closed."""
    open_page = Payment.objects.filter(order=OuterRef("pk"), status=PaymentStatus.PENDING, checkout_expires_at__gt=now)
    return (
        Order.objects.filter(Q(payment_method__in=ONLINE_METHODS) | Q(payment_method=""), status=OrderStatus.CREATED)
        .exclude(payment_status=PaymentStatus.SUCCESS)
        .exclude(Exists(open_page))
    )


def orders_cancel_unpaid(*, now=None) -> int:
    """Cancel online orders still unpaid after the timeout whose payment page has closed. Run on a schedule.

    Each is checked again under its lock: one paid while the sweep waited for it is left alone."""
    now = now or timezone.now()
    deadline = now - timedelta(minutes=settings.UNPAID_ORDER_TIMEOUT_MINUTES)
    cancelled = 0
    for order_id in _unpaid_online(now).filter(created_at__lt=deadline).values_list("pk", flat=True):
        with transaction.atomic():
            locks = Locks()
            locked = locks.order(order_id)
            if not _unpaid_online(now).filter(pk=order_id).exists():
                continue  # paid, or a page opened, while we looked
            _cancel_locked(locks, locked, by=None, reason="Payment not received in time")
        cancelled += 1
    return cancelled


# Delivering


def _may_move(delivery: Delivery, to: str, by: User | None) -> None:
    if _is_shop(by):
        return
    number = delivery.order.number
    if not by.is_rider or delivery.rider_id != by.pk:
        raise NotAllowed(f"The delivery of order {number} is not yours.")
    if to not in RIDER_MOVES:
        raise NotAllowed(f"Only the shop can cancel the delivery of order {number}; mark it failed, with why.")


def _check_cash(order: Order, cash_collected: Decimal | None) -> None:
    """Cash on delivery needs the exact amount recorded by whoever marks it delivered."""
    due = cash_due_for(order)
    if due and cash_collected != due:
        raise DeliveryError(
            f"Collect {format_money(due)} in cash for order {order.number} and record that amount."
            if not cash_collected
            else f"Order {order.number} is {format_money(due)} cash on delivery, not {format_money(cash_collected)}. "
            "Collect the full amount, or mark the delivery failed."
        )
    if not due and cash_collected:
        raise DeliveryError(f"Order {order.number} is already paid; there is no cash to collect.")


def _hand_over(order: Order, delivery: Delivery, payments: list[Payment], *, by: User | None) -> None:
    order_transition(order=order, to=OrderStatus.DELIVERED, by=by, note="Delivered")
    cash = next((p for p in payments if p.method == PaymentMethod.CASH and p.status == PaymentStatus.PENDING), None)
    if cash is not None and cash_due_for(order):
        cash.transaction_id = f"cash:delivery-{delivery.pk}"
        cash.save(update_fields=["transaction_id", "updated_at"])
        payment_transition(payment=cash, to=PaymentStatus.SUCCESS)
        order_set_payment(order=order, status=PaymentStatus.SUCCESS)
    billed = next(
        (p for p in payments if p.method == PaymentMethod.POSTPAID and p.status == PaymentStatus.PENDING), None
    )
    if billed is not None:
        billed.transaction_id = f"account:delivery-{delivery.pk}"
        billed.save(update_fields=["transaction_id", "updated_at"])
        payment_transition(payment=billed, to=PaymentStatus.SUCCESS)
        order_set_payment(order=order, status=PaymentStatus.SUCCESS)


def _charge_account(locks: Locks, order: Order, delivery: Delivery, *, by: User | None) -> None:
    """A monthly-account order delivered: its goods and container deposit go on the ledger, dated the delivery
    date, once (a repeated report charges nothing more)."""
    if order.payment_method != PaymentMethod.POSTPAID:
        return
    account = locks.accounts([order.user_id]).get(order.user_id)
    if account is None:
        raise OrderError(f"Order {order.number} is billed to a monthly account, but {order.user} has none.")
    deposit = sum((d.amount for d in order.deposits.all()), Decimal("0.00"))
    ledger_charge_delivery(
        account=account,
        order=order,
        goods=order.total_amount - deposit,
        deposit=deposit,
        day=delivery.delivery_date,
        by=by,
    )


def _close_on_the_road(locks: Locks, order: Order, payments: list[Payment], *, by: User | None, note: str) -> None:
    """Goods that left the dairy and did not reach the customer are written off (perishable: never resold); what
    was paid goes back to the wallet at once, ready for the next order; uncollected cash is called off."""
    order_transition(order=order, to=OrderStatus.CANCELLED, by=by, note=note, undelivered=True)
    _lines_back(locks, order, by=by, note=note, written_off=True)
    locks.wallets([order.user_id])
    _settle_payments(order, payments, reason=f"Order {order.number} was not delivered", to_wallet=True)
    _credit_document(locks, order, reason=note)


def _check_proof(delivery: Delivery, *, by: User | None, code: str, left_at_door: bool) -> None:
    """The delivery code, in a small transaction of its own before the move's: a wrong code stays counted although
    the move is refused. Inside a caller's transaction it lasts if the caller commits after catching the refusal (as
    the rider's queued updates do, recording it)."""
    with transaction.atomic():
        locks = Locks()
        order = locks.order(delivery.order_id)
        locked = locks.delivery(order)
        locked.order = order
        refusal = proof_check(delivery=locked, by=by, code=code, left_at_door=left_at_door)
    if refusal is not None:
        raise refusal


def delivery_transition(
    *,
    delivery: Delivery,
    to: str,
    by: User | None = None,
    note: str = "",
    failure_reason: str = "",
    cash_collected: Decimal | None = None,
    empties_collected: int | None = None,
    proof_code: str = "",
    left_at_door: bool = False,
    door_photo=None,
) -> Delivery:
    """Move a delivery on, with what that does to its order, stock and money, in one transaction.

    - PICKED_UP: the order goes OUT_FOR_DELIVERY (PACKED first if it was only CONFIRMED).
    - DELIVERED: the order goes DELIVERED; cash on delivery needs cash_collected, exactly the amount due. Where its
      zone asks for it (delivery.proofs), the rider gives the customer's proof_code, or leaves the order at the door
      (left_at_door, with an optional door_photo); a wrong code is counted even though the move is refused.
      Returnable containers are handed over and empties_collected taken back (None: all the customer held), and
      their deposit settled (containers.services).
    - FAILED (with a reason) or CANCELLED (the shop only): before pickup the order is cancelled, its stock goes
      back and its slot frees up; after pickup the goods are written off. Money paid goes back to the wallet.
    """
    if to not in DeliveryStatus.values:
        raise DeliveryError(f"There is no delivery status {to!r}.")
    note = note.strip()
    photo = door_photo_clean(to=to, left_at_door=left_at_door, upload=door_photo)
    if to == DeliveryStatus.DELIVERED:
        _check_proof(delivery, by=by, code=proof_code, left_at_door=left_at_door)
    with transaction.atomic():
        locks = Locks()
        order = locks.order(delivery.order_id)
        locked = locks.delivery(order)
        locked.order = order
        _may_move(locked, to, by)
        if to == DeliveryStatus.CANCELLED and by is not None and not note:
            raise DeliveryError(f"Say why the delivery of order {order.number} is cancelled.")
        payments = locks.payments(order)
        from_status = locked.status
        if to not in DELIVERY_TRANSITIONS[from_status]:
            raise DeliveryError(
                f"The delivery of order {order.number} is {locked.get_status_display().lower()}; "
                f"it cannot be marked {DeliveryStatus(to).label.lower()}."
            )
        try:
            if to == DeliveryStatus.PICKED_UP and locked.rider_id:
                if order.status == OrderStatus.CONFIRMED:
                    order_transition(order=order, to=OrderStatus.PACKED, by=by, note="Packed for pickup")
                order_transition(order=order, to=OrderStatus.OUT_FOR_DELIVERY, by=by, note="Picked up by the rider")
            elif to == DeliveryStatus.DELIVERED and locked.rider_id:
                _check_cash(order, cash_collected)
                _hand_over(order, locked, payments, by=by)
                _containers_at_door(locks, order, locked, empties_collected=empties_collected, by=by)
                _charge_account(locks, order, locked, by=by)
            elif to in (DeliveryStatus.FAILED, DeliveryStatus.CANCELLED):
                outcome = _outcome_note(to, failure_reason, note)
                if from_status == DeliveryStatus.ASSIGNED and order.status in CANCELLABLE:
                    # A failed attempt's money waits in the wallet for the next order; the shop calling an order
                    # off refunds it the way it was paid, as order_cancel does.
                    to_wallet = to == DeliveryStatus.FAILED
                    _cancel_before_pickup(locks, order, payments, by=by, reason=outcome, to_wallet=to_wallet)
                else:
                    _close_on_the_road(locks, order, payments, by=by, note=outcome)
            delivery_set_status(
                delivery=locked,
                to=to,
                by=by,
                note=note,
                failure_reason=failure_reason,
                cash_collected=cash_collected if to == DeliveryStatus.DELIVERED else None,
            )
            if left_at_door:
                delivery_left_at_door(delivery=locked, photo=photo)
        except (OrderError, StockError, PaymentError, ContainerError) as error:
            raise DeliveryError(str(error)) from error
    delivery.refresh_from_db()
    return delivery


def _outcome_note(to: str, failure_reason: str, note: str) -> str:
    parts = [f"Delivery {DeliveryStatus(to).label.lower()}"]
    if to == DeliveryStatus.FAILED and failure_reason in FailureReason.values:
        parts.append(FailureReason(failure_reason).label)
    if note:
        parts.append(note)
    return ": ".join(parts)


def deliveries_pick_up(*, rider: User, delivery_date: date, slot: str) -> int:
    """A rider loads the bike: every delivery of theirs still waiting in that slot is picked up. Returns how many."""
    waiting = Delivery.objects.filter(
        rider=rider, delivery_date=delivery_date, slot=slot, status=DeliveryStatus.ASSIGNED
    ).order_by("order_id")
    picked = 0
    for delivery in waiting:
        try:
            delivery_transition(delivery=delivery, to=DeliveryStatus.PICKED_UP, by=rider)
        except DeliveryError:
            continue  # changed (cancelled, reassigned) since we looked
        picked += 1
    return picked


# Containers


def _deposits_back(locks: Locks, user: User, releases: list[DepositRelease]) -> None:
    """Credit the deposits given back to the customer's wallet (or, for a monthly account's order, to its ledger),
    and keep every release with its entry."""
    if not releases:
        return
    refunded = [release for release in releases if release.kind == ReleaseKind.REFUNDED and release.amount > 0]
    to_account = [release for release in refunded if _billed_to_account(user, release.order)]
    to_wallet = [release for release in refunded if not _billed_to_account(user, release.order)]
    locks.wallets([user.pk])
    if to_account:
        account = locks.accounts([user.pk])[user.pk]
        for release in to_account:
            ledger_credit(
                account=account,
                kind=EntryKind.DEPOSIT_REFUND,
                amount=release.amount,
                day=release.order.delivery_date if release.order else timezone.localdate(),
                order=release.order,
                note=release.note or "Container deposit returned",
                by=release.by,
            )
    for release in to_wallet:
        release.wallet_entry = wallet_credit(
            user=user,
            amount=release.amount,
            kind=WalletEntryKind.DEPOSIT_REFUND,
            order=release.order,
            note=release.note,
        )
    deposit_releases_record(releases=releases)


def _billed_to_account(user: User, order: Order | None) -> bool:
    """Money given back for this order goes to the monthly account: its order was billed there (or, with no order,
    the household is on a monthly account now)."""
    if order is not None:
        return order.payment_method == PaymentMethod.POSTPAID
    return BillingAccount.objects.filter(user=user, kind=AccountKind.POSTPAID).exists()


def _containers_at_door(
    locks: Locks, order: Order, delivery: Delivery, *, empties_collected: int | None, by: User | None
) -> None:
    """The order's full containers handed over, the empties taken back (the expected number, all the customer
    held, unless the rider says otherwise) and the deposit settled: what is no longer needed back to the wallet."""
    issued = order_containers(order=order)
    balances = locks.containers(pairs=[(order.user_id, type_id) for type_id in issued], user_ids=[order.user_id])
    releases = containers_at_door(
        order=order,
        delivery=delivery,
        balances=balances,
        issued=issued,
        empties_collected=empties_collected,
        by=by,
    )
    _deposits_back(locks, order.user, releases)


def containers_record(
    *, customer: User, container_type: ContainerType, kind: str, qty: int, by: User | None, note: str = ""
) -> tuple[ContainerMovement, list[DepositRelease]]:
    """Staff record a customer's containers outside a delivery: empties handed in (their deposit back to the
    wallet), a count at the door, or containers lost or broken (their deposit kept). containers.services has the
    rules; this takes the locks and credits the wallet."""
    if not _is_shop(by):
        raise NotAllowed("Only the shop records containers.")
    with transaction.atomic():
        locks = Locks()
        balances = locks.containers(pairs=[(customer.pk, container_type.pk)])
        movement, releases = container_movement_record(
            balance=balances[(customer.pk, container_type.pk)], kind=kind, qty=qty, by=by, note=note.strip()
        )
        _deposits_back(locks, customer, releases)
    return movement, releases


# The nightly subscription run


SUBSCRIPTION_NOTES = {
    PaymentMethod.WALLET: "paid from wallet",
    PaymentMethod.CASH: "cash on delivery",
    PaymentMethod.POSTPAID: "billed to the monthly account",
}
SUBSCRIPTION_PROVIDERS = {PaymentMethod.WALLET: "wallet", PaymentMethod.CASH: "cash", PaymentMethod.POSTPAID: "account"}


@dataclass
class SubscriptionPlacement:
    orders: list[Order] = field(default_factory=list)
    already: int = 0
    missed: list[tuple] = field(default_factory=list)  # (subscription, MissedDelivery.Reason)


def subscription_orders_place(*, due: list[tuple], day: date, reasons) -> SubscriptionPlacement:
    """Each due (subscription, qty) becomes one CONFIRMED order for day, with the same rules as checkout: the
    date's stock, the slot's capacity, a wallet that covers it. In bulk: queries do not grow with the orders.

    reasons is MissedDelivery.Reason (subscriptions' own vocabulary for why a delivery was missed). Call in a
    transaction; a subscription that already has its order for day is counted, not placed again."""
    result = SubscriptionPlacement()
    if not due:
        return result
    locks = Locks()
    stocks: dict[int, Stock] = locks.stock(product_ids={s.product_id for s, _ in due}, day=day)
    # Checked under the stock locks: a run at the same time has committed or is waiting.
    existing = set(
        Order.objects.filter(subscription_id__in=[s.pk for s, _ in due], delivery_date=day).values_list(
            "subscription_id", flat=True
        )
    )
    seats = {}
    for name in sorted({s.slot for s, _ in due}):
        booking = locks.slot(DeliverySlot(date=day, name=name))
        seats[name] = max(0, settings.DELIVERY_SLOT_CAPACITY - booking.booked)
    # Households on a monthly account are billed there, whatever their subscriptions say.
    postpaid_users = set(
        BillingAccount.objects.filter(
            user_id__in={s.user_id for s, _ in due if s.pk not in existing}, kind=AccountKind.POSTPAID
        ).values_list("user_id", flat=True)
    )
    methods = {s.pk: PaymentMethod.POSTPAID if s.user_id in postpaid_users else s.payment_method for s, _ in due}
    prepaid_users = {s.user_id for s, _ in due if methods[s.pk] == PaymentMethod.WALLET and s.pk not in existing}
    book = _subscription_deposits(locks, due, stocks, existing, day)
    balances = locks.wallets(prepaid_users)
    accounts = locks.accounts(postpaid_users)
    exposures = accounts_exposure(accounts=list(accounts.values()))
    left = {pk: stock.left for pk, stock in stocks.items()}
    accepted = []
    for subscription, qty in due:
        product = stocks[subscription.product_id].product
        wanted = {product.container_id: qty} if product.container_id and subscription.pk not in existing else {}
        charges = book.charges(user_id=subscription.user_id, wanted=wanted) if wanted else []
        total = product.price * qty + deposits_total(charges)
        prepaid = methods[subscription.pk] == PaymentMethod.WALLET
        account = accounts.get(subscription.user_id) if methods[subscription.pk] == PaymentMethod.POSTPAID else None
        if subscription.pk in existing:
            result.already += 1
        elif not product.is_active:
            result.missed.append((subscription, reasons.PRODUCT_UNAVAILABLE))
        elif subscription.address is None or subscription.zone_id is None:
            result.missed.append((subscription, reasons.NO_ADDRESS))
        elif left[product.pk] < qty:
            result.missed.append((subscription, reasons.OUT_OF_STOCK))
        elif seats[subscription.slot] < 1:
            result.missed.append((subscription, reasons.SLOT_FULL))
        elif prepaid and balances[subscription.user_id] < total:
            result.missed.append((subscription, reasons.LOW_BALANCE))
        elif account is not None and account_refusal(
            account=account, adding=total, exposure=exposures[subscription.user_id]
        ):
            result.missed.append((subscription, reasons.OVER_LIMIT))
        else:
            left[product.pk] -= qty
            seats[subscription.slot] -= 1
            if prepaid:
                balances[subscription.user_id] -= total
            if account is not None:
                exposures[subscription.user_id] += total
            if wanted:
                book.take(user_id=subscription.user_id, wanted=wanted, charges=charges)
            accepted.append((subscription, qty, product, charges))
    if not accepted:
        return result

    orders = orders_create_confirmed(
        orders=[
            _subscription_order(s, qty, product, day, charges, method=methods[s.pk])
            for s, qty, product, charges in accepted
        ],
        lines=[(product, qty) for _s, qty, product, _charges in accepted],
        notes=[
            f"Subscription delivery, {SUBSCRIPTION_NOTES[methods[s.pk]]}" for s, _qty, _product, _charges in accepted
        ],
    )
    order_deposits_create(deposits=[(order, charges) for order, (*_, charges) in zip(orders, accepted, strict=True)])
    taken: dict[int, int] = {}
    for _s, qty, product, _charges in accepted:
        taken[product.pk] = taken.get(product.pk, 0) + qty
    stock_take_many(taken=taken, stocks=stocks, note=f"Subscription deliveries for {day}")
    for name in seats:
        if count := sum(1 for order in orders if order.delivery_slot == name):
            slot_book_many(slot=DeliverySlot(date=day, name=name), count=count)
    payments = payments_create_many(
        payments=[
            Payment(
                user_id=order.user_id,
                order=order,
                purpose=PaymentPurpose.ORDER,
                method=order.payment_method,
                amount=order.total_amount,
                status=order.payment_status,
                provider=SUBSCRIPTION_PROVIDERS[order.payment_method],
            )
            for order in orders
        ]
    )
    wallets_pay_many(payments=[p for p in payments if p.method == PaymentMethod.WALLET], note="Subscription delivery")
    deliveries_create_for_orders(orders=orders)
    locks.documents()
    orders_documents_issue(orders=orders)
    result.orders = orders
    return result


def _subscription_order(
    subscription, qty: int, product, day: date, deposits: list[DepositCharge], *, method: str
) -> Order:
    prepaid = method == PaymentMethod.WALLET
    return Order(
        number=new_order_number(),
        user_id=subscription.user_id,
        subscription=subscription,
        status=OrderStatus.CONFIRMED,
        payment_status=PaymentStatus.SUCCESS if prepaid else PaymentStatus.PENDING,
        payment_method=method,
        total_amount=product.price * qty + deposits_total(deposits),
        delivery_date=day,
        delivery_slot=subscription.slot,
        zone_id=subscription.zone_id,
        **delivery_snapshot(user=subscription.user, address=subscription.address),
    )


def _subscription_deposits(
    locks: Locks, due: list[tuple], stocks: dict[int, Stock], existing: set, day: date
) -> DepositBook | None:
    """The deposit rule for the run's customers whose products come in returnable containers, with their balances
    locked (a constant number of queries); None when no such product is due."""
    pairs = {
        (subscription.user_id, stocks[subscription.product_id].product.container_id)
        for subscription, _qty in due
        if subscription.pk not in existing and stocks[subscription.product_id].product.container_id
    }
    if not pairs:
        return None
    return deposit_book_for(balances=locks.containers(pairs=pairs), day=day)
