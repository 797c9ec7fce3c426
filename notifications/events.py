"""What each event of DESIGN.md §5 tells the customer: the message type, the channels it goes out on by default, and
what its templates need to know. Run in a task, after the change committed: everything is read afresh here.

Preferences then take channels away (notifications.services.channels_for); in-app copies are always kept.

Subscription orders are made in bulk every night and are not announced one by one: a subscriber would get the same
"order confirmed" message every morning. Subscribers hear about the exceptions instead: a delivery skipped (no stock,
wallet too low, …), a delivery that failed at the door, a wallet running low, and their subscription's own changes.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from billing.ledger import account_balance, account_exposure
from billing.models import BillingAccount, Statement
from billing.selectors import account_standing
from billing.statements import statement_pdf_file
from delivery.models import CUSTOMER_LABELS, Delivery, DeliveryStatus
from delivery.proofs import proof_code_for_customer
from notifications.models import Channel, NotificationType
from orders.models import Order, OrderStatus, OrderStatusHistory
from payments.models import Payment, PaymentMethod, PaymentPurpose, PaymentStatus, Refund, WalletEntry
from payments.selectors import wallet_balance
from subscriptions.models import MissedDelivery, Subscription
from subscriptions.selectors import next_delivery

EMAIL, SMS, IN_APP = Channel.EMAIL, Channel.SMS, Channel.IN_APP
EVERYWHERE = frozenset({EMAIL, SMS, IN_APP})


@dataclass(frozen=True)
class Message:
    """One thing to tell one customer, before preferences pick its channels."""

    user: User
    type: str
    event_key: str  # the event it reports, e.g. "ORDER_CONFIRMED:order-12"; with channel and user, the dedupe key
    channels: frozenset[str]
    context: dict = field(default_factory=dict)
    url: str = ""  # the page of the shop it is about

    def __post_init__(self):
        object.__setattr__(self, "context", {"user": self.user, "url": self.url, **self.context})


Builder = Callable[[dict], list[Message]]
BUILDERS: dict[str, Builder] = {}


def builds(*events: str):
    def register(builder: Builder) -> Builder:
        for event in events:
            BUILDERS[event] = builder
        return builder

    return register


def messages_for(event: str, payload: dict) -> list[Message]:
    return BUILDERS[event]({**payload, "event": event})


def _subscription_url(subscription: Subscription) -> str:
    return f"{reverse('subscriptions:list')}#subscription-{subscription.pk}"


def _wallet_refunds(order: Order) -> Decimal:
    """What was refunded to the wallet for this order."""
    total = Refund.objects.filter(payment__order=order, wallet_entry__isnull=False).aggregate(total=Sum("amount"))
    return total["total"] or Decimal("0.00")


def _refunds_summary(order: Order) -> dict:
    refunds = Refund.objects.filter(payment__order=order).annotate(
        to_wallet=Exists(WalletEntry.objects.filter(refund=OuterRef("pk")))
    )
    sums = refunds.aggregate(
        wallet=Sum("amount", filter=Q(to_wallet=True)), method=Sum("amount", filter=Q(to_wallet=False))
    )
    method_refund = refunds.filter(to_wallet=False).select_related("payment").first()
    return {
        "refunded_to_wallet": sums["wallet"] or Decimal("0.00"),
        "refunded_to_method": sums["method"] or Decimal("0.00"),
        "refund_method": method_refund.payment.get_method_display() if method_refund else "",
    }


# Account


@builds("USER_REGISTERED")
def welcome(payload: dict) -> list[Message]:
    user = User.objects.get(pk=payload["user_id"])
    return [
        Message(
            user=user,
            type=NotificationType.WELCOME_EMAIL,
            event_key=f"USER_REGISTERED:user-{user.pk}",
            channels=frozenset({EMAIL}),
            url=reverse("catalog:catalog"),
        )
    ]


# Orders


def _order(order_id: int) -> Order:
    return Order.objects.select_related("user").prefetch_related("lines").get(pk=order_id)


@builds("ORDER_CONFIRMED")
def order_confirmed(payload: dict) -> list[Message]:
    order = _order(payload["order_id"])
    delivery = Delivery.objects.select_related("zone").filter(order=order).first()
    if delivery is not None:
        delivery.order = order
    return [
        Message(
            user=order.user,
            type=NotificationType.ORDER_CONFIRMED,
            event_key=f"ORDER_CONFIRMED:order-{order.pk}",
            channels=EVERYWHERE,
            context={
                "order": order,
                "lines": list(order.lines.all()),
                "paid": order.payment_status == PaymentStatus.SUCCESS,
                "cash": order.payment_method == PaymentMethod.CASH,
                "delivery_code": proof_code_for_customer(delivery) if delivery else "",
            },
            url=order.get_absolute_url(),
        )
    ]


@builds("ORDER_CANCELLED")
def order_cancelled(payload: dict) -> list[Message]:
    order = _order(payload["order_id"])
    cancellation = (
        OrderStatusHistory.objects.filter(order=order, to_status=OrderStatus.CANCELLED).order_by("-pk").first()
    )
    delivery_failed = Delivery.objects.filter(order=order, status=DeliveryStatus.FAILED).exists()
    return [
        Message(
            user=order.user,
            type=NotificationType.ORDER_CANCELLED,
            event_key=f"ORDER_CANCELLED:order-{order.pk}",
            # After a failed delivery the delivery message has already said all this by email or SMS.
            channels=frozenset({IN_APP}) if delivery_failed else EVERYWHERE,
            context={
                "order": order,
                "reason": cancellation.note if cancellation else "",
                "cash_unpaid": order.payment_method == PaymentMethod.CASH
                and order.payment_status != PaymentStatus.SUCCESS,
                **_refunds_summary(order),
            },
            url=order.get_absolute_url(),
        )
    ]


# Payments


@builds("PAYMENT_COMPLETED")
def payment_completed(payload: dict) -> list[Message]:
    payment = Payment.objects.select_related("user", "order").get(pk=payload["payment_id"])
    if payment.purpose == PaymentPurpose.ACCOUNT:
        return []  # ACCOUNT_PAYMENT_RECEIVED tells it, once the ledger has counted it
    topup = payment.purpose == PaymentPurpose.WALLET_TOPUP
    return [
        Message(
            user=payment.user,
            type=NotificationType.PAYMENT_COMPLETED,
            event_key=f"PAYMENT_COMPLETED:payment-{payment.pk}",
            # An order's payment is in its confirmation message; a top-up has no other message.
            channels=frozenset({EMAIL, IN_APP}) if topup else frozenset({IN_APP}),
            context={
                "payment": payment,
                "order": payment.order,
                "topup": topup,
                "balance": wallet_balance(user=payment.user) if topup else None,
            },
            url=reverse("payments:wallet") if topup else payment.order.get_absolute_url(),
        )
    ]


@builds("PAYMENT_FAILED")
def payment_failed(payload: dict) -> list[Message]:
    payment = Payment.objects.select_related("user", "order").get(pk=payload["payment_id"])
    if payment.purpose == PaymentPurpose.ACCOUNT:
        return []  # the account page says so at once; what is owed has not changed
    order = payment.order
    topup = payment.purpose == PaymentPurpose.WALLET_TOPUP
    can_retry = order is not None and order.awaits_online_payment
    pay_by = (
        timezone.localtime(order.created_at + timedelta(minutes=settings.UNPAID_ORDER_TIMEOUT_MINUTES))
        if can_retry
        else None
    )
    if topup:
        channels = frozenset({EMAIL, IN_APP})
    elif can_retry:
        channels = EVERYWHERE
    else:
        channels = frozenset({IN_APP})  # the order was settled some other way meanwhile
    return [
        Message(
            user=payment.user,
            type=NotificationType.PAYMENT_FAILED,
            event_key=f"PAYMENT_FAILED:payment-{payment.pk}",
            channels=channels,
            context={"payment": payment, "order": order, "topup": topup, "can_retry": can_retry, "pay_by": pay_by},
            url=reverse("payments:wallet") if topup else order.get_absolute_url(),
        )
    ]


@builds("PAYMENT_REFUNDED")
def payment_refunded(payload: dict) -> list[Message]:
    refund = Refund.objects.select_related("payment__user", "payment__order").get(pk=payload["refund_id"])
    payment, order = refund.payment, refund.payment.order
    to_wallet = WalletEntry.objects.filter(refund=refund).exists()
    # A cancelled order's refund to the wallet is told by the cancellation (or failed delivery) message.
    told_already = to_wallet and order is not None and order.status == OrderStatus.CANCELLED
    return [
        Message(
            user=payment.user,
            type=NotificationType.PAYMENT_REFUNDED,
            event_key=f"PAYMENT_REFUNDED:refund-{refund.pk}",
            channels=frozenset({IN_APP}) if told_already else frozenset({EMAIL, IN_APP}),
            context={
                "refund": refund,
                "payment": payment,
                "order": order,
                "to_wallet": to_wallet,
                "to_account": payment.method == PaymentMethod.POSTPAID,  # credited to the monthly account
                "balance": wallet_balance(user=payment.user) if to_wallet else None,
            },
            url=reverse("payments:wallet") if to_wallet or order is None else order.get_absolute_url(),
        )
    ]


# Deliveries

ON_THE_WAY = (DeliveryStatus.PICKED_UP, DeliveryStatus.IN_TRANSIT)  # messages that repeat the delivery code
# Where a one-off order's delivery is worth a message, and on which channels. The last step, a failure, is told to
# subscribers too; the routine steps of a daily milk delivery are not.
DELIVERY_CHANNELS = {
    DeliveryStatus.PICKED_UP: frozenset({IN_APP}),
    DeliveryStatus.IN_TRANSIT: frozenset({SMS, IN_APP}),
    DeliveryStatus.DELIVERED: frozenset({SMS, IN_APP}),
    DeliveryStatus.FAILED: EVERYWHERE,
    # CANCELLED: the order's cancellation message says it.
}


@builds("DELIVERY_UPDATED")
def delivery_updated(payload: dict) -> list[Message]:
    delivery = Delivery.objects.select_related("order__user", "zone").get(pk=payload["delivery_id"])
    status = payload["to_status"]
    order = delivery.order
    channels = DELIVERY_CHANNELS.get(status)
    if channels is None or (order.subscription_id and status != DeliveryStatus.FAILED):
        return []
    return [
        Message(
            user=order.user,
            type=NotificationType.DELIVERY_UPDATE,
            event_key=f"DELIVERY_UPDATED:delivery-{delivery.pk}:{status}",
            channels=channels,
            context={
                "delivery": delivery,
                "order": order,
                "status": status,
                "status_label": CUSTOMER_LABELS[status],
                "subscription_order": order.subscription_id is not None,
                "tracking_link": f"{settings.SITE_URL}{delivery.get_absolute_url()}",
                "refunded_to_wallet": _wallet_refunds(order) if status == DeliveryStatus.FAILED else None,
                "cash_order": order.payment_method == PaymentMethod.CASH,
                "delivery_code": proof_code_for_customer(delivery) if status in ON_THE_WAY else "",
            },
            url=order.get_absolute_url(),
        )
    ]


# Subscriptions

SUBSCRIPTION_TYPES = {
    "SUBSCRIPTION_CREATED": NotificationType.SUBSCRIPTION_ACTIVE,
    "SUBSCRIPTION_RESUMED": NotificationType.SUBSCRIPTION_ACTIVE,
    "SUBSCRIPTION_PAUSED": NotificationType.SUBSCRIPTION_PAUSED,
    "SUBSCRIPTION_CANCELLED": NotificationType.SUBSCRIPTION_CANCELLED,
}


@builds(*SUBSCRIPTION_TYPES)
def subscription_changed(payload: dict) -> list[Message]:
    event = payload["event"]
    subscription = Subscription.objects.select_related("user", "product").get(pk=payload["subscription_id"])
    # Created happens once; a subscription can be paused and resumed many times, so each change has its own id.
    occurrence = "" if event == "SUBSCRIPTION_CREATED" else f":{payload['event_id']}"
    upcoming = next_delivery(subscription) if event in ("SUBSCRIPTION_CREATED", "SUBSCRIPTION_RESUMED") else None
    return [
        Message(
            user=subscription.user,
            type=SUBSCRIPTION_TYPES[event],
            event_key=f"{event}:subscription-{subscription.pk}{occurrence}",
            channels=frozenset({EMAIL, IN_APP}),
            context={
                "subscription": subscription,
                "schedule": _mid_sentence(subscription.schedule_label),
                "resumed": event == "SUBSCRIPTION_RESUMED",
                "window": _window_label(subscription.slot),
                "next_delivery": upcoming,
            },
            url=_subscription_url(subscription),
        )
    ]


def _mid_sentence(label: str) -> str:
    """ "Every Mon, Wed" → "every Mon, Wed": lower case for the first letter only (weekday names keep theirs)."""
    return label[:1].lower() + label[1:]


def _window_label(slot: str) -> str:
    start, end = settings.DELIVERY_SLOTS[slot]
    return f"{slot.title()} {start}–{end}"


@builds("SUBSCRIPTION_ORDER_SKIPPED")
def subscription_order_skipped(payload: dict) -> list[Message]:
    subscription = Subscription.objects.select_related("user", "product").get(pk=payload["subscription_id"])
    day = date.fromisoformat(payload["date"])
    reason = payload["reason"]
    Reason = MissedDelivery.Reason
    url = {
        Reason.LOW_BALANCE: reverse("payments:wallet"),
        Reason.NO_ADDRESS: reverse("accounts:profile"),
        Reason.OVER_LIMIT: reverse("billing:account"),
    }.get(reason, _subscription_url(subscription))
    account = BillingAccount.objects.filter(user=subscription.user).first() if reason == Reason.OVER_LIMIT else None
    return [
        Message(
            user=subscription.user,
            type=NotificationType.SUBSCRIPTION_ORDER_SKIPPED,
            event_key=f"SUBSCRIPTION_ORDER_SKIPPED:subscription-{subscription.pk}:{day.isoformat()}",
            channels=EVERYWHERE,
            context={
                "subscription": subscription,
                "day": day,
                "reason": reason,
                "reason_label": Reason(reason).label,
                "cost": subscription.product.price * subscription.qty,
                "balance": wallet_balance(user=subscription.user) if reason == Reason.LOW_BALANCE else None,
                # OVER_LIMIT: what the monthly account owes (with deliveries on their way) and its limit.
                "owed": account_exposure(account=account) if account else None,
                "limit": account.credit_limit if account else None,
            },
            url=url,
        )
    ]


@builds("WALLET_LOW_BALANCE")
def wallet_low_balance(payload: dict) -> list[Message]:
    user = User.objects.get(pk=payload["user_id"])
    balance, needed = Decimal(payload["balance"]), Decimal(payload["needed"])
    return [
        Message(
            user=user,
            type=NotificationType.WALLET_LOW_BALANCE,
            # The subscriptions app warns at most once a day; so does this key.
            event_key=f"WALLET_LOW_BALANCE:user-{user.pk}:{payload['date']}",
            channels=EVERYWHERE,
            context={"balance": balance, "needed": needed, "short_by": max(needed - balance, Decimal("0.00"))},
            url=reverse("payments:wallet"),
        )
    ]


# Monthly accounts


def _account_url() -> str:
    return reverse("billing:account")


def _statement_figures(statement_id: int, today: date) -> tuple:
    """The statement, and where it stands now (what of it is still owed, by the oldest-first settlement)."""
    statement = Statement.objects.select_related("account__user").get(pk=statement_id)
    standing = account_standing(account=statement.account, today=today)
    row = next((row for row in standing.statements if row.statement.pk == statement.pk), None)
    return statement, row, standing


@builds("STATEMENT_ISSUED")
def statement_ready(payload: dict) -> list[Message]:
    statement, row, standing = _statement_figures(payload["statement_id"], timezone.localdate())
    if not statement.is_current:
        return []  # made again before this went out: the newer version's message says it all
    return [
        Message(
            user=statement.account.user,
            type=NotificationType.STATEMENT_READY,
            event_key=f"STATEMENT_READY:statement-{statement.pk}",
            channels=EVERYWHERE,
            context={
                "statement": statement,
                "amount_due": max(statement.closing_balance, Decimal("0.00")),
                "credit": max(-statement.closing_balance, Decimal("0.00")),
                "replaces": statement.version > 1,
            },
            url=_account_url(),
        )
    ]


@builds("STATEMENT_OVERDUE")
def statement_overdue(payload: dict) -> list[Message]:
    statement, row, standing = _statement_figures(payload["statement_id"], date.fromisoformat(payload["day"]))
    if row is None or row.outstanding <= 0:
        return []  # paid, or made again, since the reminder was queued
    stage = payload["stage"]
    return [
        Message(
            user=statement.account.user,
            type=NotificationType.STATEMENT_OVERDUE,
            event_key=f"STATEMENT_OVERDUE:statement-{statement.pk}:stage-{stage}",
            channels=EVERYWHERE,
            context={
                "statement": statement,
                "amount_due": row.outstanding,
                "days_overdue": row.days_overdue,
                "total_outstanding": standing.outstanding,
            },
            url=_account_url(),
        )
    ]


@builds("ACCOUNT_PAYMENT_RECEIVED")
def account_payment_received(payload: dict) -> list[Message]:
    payment = Payment.objects.select_related("user").get(pk=payload["payment_id"])
    account = BillingAccount.objects.get(user=payment.user)
    balance = account_balance(account=account)
    return [
        Message(
            user=payment.user,
            type=NotificationType.ACCOUNT_PAYMENT_RECEIVED,
            event_key=f"ACCOUNT_PAYMENT_RECEIVED:payment-{payment.pk}",
            channels=frozenset({EMAIL, IN_APP}),
            context={
                "payment": payment,
                "owed": max(balance, Decimal("0.00")),
                "credit": max(-balance, Decimal("0.00")),
            },
            url=_account_url(),
        )
    ]


# Attachments: made when an email is sent (and again on a retry), from what its event key names.

Attachment = tuple[str, bytes, str]
ATTACHMENTS: dict[str, Callable[[str], list[Attachment]]] = {}


def attaches(type: str):
    def register(maker: Callable[[str], list[Attachment]]):
        ATTACHMENTS[type] = maker
        return maker

    return register


def attachments_for(*, type: str, event_key: str) -> list[Attachment]:
    maker = ATTACHMENTS.get(type)
    return maker(event_key) if maker else []


@attaches(NotificationType.STATEMENT_READY)
def statement_attachment(event_key: str) -> list[Attachment]:
    statement_id = int(event_key.rsplit("statement-", 1)[1])
    statement = Statement.objects.select_related("account__user").get(pk=statement_id)
    with statement_pdf_file(statement=statement).open("rb") as pdf:
        content = pdf.read()
    return [(f"statement-{statement.period_start:%Y-%m}.pdf", content, "application/pdf")]
