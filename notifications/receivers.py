"""Domain signals in, notification tasks out. Signals arrive after their transaction commits.

Not connected: order_placed (DESIGN §5: nothing to tell until the order is confirmed), order_status_changed (the
confirmation, cancellation and delivery messages cover the steps a customer cares about) and
subscription_orders_generated (subscription orders are not announced one by one; see notifications.events).
"""

import uuid
from functools import partial

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from accounts.signals import user_registered
from billing.signals import account_payment_received, statement_issued, statement_overdue
from delivery.signals import delivery_updated
from milkshop.taskqueue.services import enqueue
from orders.signals import order_cancelled, order_confirmed
from payments.signals import payment_completed, payment_failed, payment_refunded
from subscriptions.models import SubscriptionStatus
from subscriptions.signals import (
    subscription_created,
    subscription_order_skipped,
    subscription_status_changed,
    wallet_low_balance,
)


def enqueue_notify(event: str, **payload) -> None:
    enqueue("notifications.tasks.notify", event, payload, task_name=f"notify:{event}", ack_failure=True)


@receiver(user_registered, dispatch_uid="notifications.user_registered")
def on_user_registered(sender, user_id: int, **kwargs):
    enqueue("notifications.tasks.send_welcome_email", user_id, task_name="notify:USER_REGISTERED", ack_failure=True)


@receiver(order_confirmed, dispatch_uid="notifications.order_confirmed")
def on_order_confirmed(sender, order_id: int, **kwargs):
    enqueue_notify("ORDER_CONFIRMED", order_id=order_id)


@receiver(order_cancelled, dispatch_uid="notifications.order_cancelled")
def on_order_cancelled(sender, order_id: int, **kwargs):
    enqueue_notify("ORDER_CANCELLED", order_id=order_id)


PAYMENT_EVENTS = {
    payment_completed: "PAYMENT_COMPLETED",
    payment_failed: "PAYMENT_FAILED",
    payment_refunded: "PAYMENT_REFUNDED",
}


def on_payment_event(sender, signal, payment_id: int, **kwargs):
    payload = {"payment_id": payment_id}
    if refund_id := kwargs.get("refund_id"):
        payload["refund_id"] = refund_id
    enqueue_notify(PAYMENT_EVENTS[signal], **payload)


for _signal, _event in PAYMENT_EVENTS.items():
    _signal.connect(on_payment_event, dispatch_uid=f"notifications.{_event}")


@receiver(delivery_updated, dispatch_uid="notifications.delivery_updated")
def on_delivery_updated(sender, delivery_id: int, to_status: str, **kwargs):
    enqueue_notify("DELIVERY_UPDATED", delivery_id=delivery_id, to_status=to_status)


@receiver(subscription_created, dispatch_uid="notifications.subscription_created")
def on_subscription_created(sender, subscription_id: int, **kwargs):
    enqueue_notify("SUBSCRIPTION_CREATED", subscription_id=subscription_id)


SUBSCRIPTION_STATUS_EVENTS = {
    SubscriptionStatus.ACTIVE: "SUBSCRIPTION_RESUMED",
    SubscriptionStatus.PAUSED: "SUBSCRIPTION_PAUSED",
    SubscriptionStatus.CANCELLED: "SUBSCRIPTION_CANCELLED",
}


@receiver(subscription_status_changed, dispatch_uid="notifications.subscription_status_changed")
def on_subscription_status_changed(sender, subscription_id: int, to_status: str, **kwargs):
    # A subscription may pause and resume many times: this change gets its own id, carried by its task.
    enqueue_notify(SUBSCRIPTION_STATUS_EVENTS[to_status], subscription_id=subscription_id, event_id=uuid.uuid4().hex)


@receiver(subscription_order_skipped, dispatch_uid="notifications.subscription_order_skipped")
def on_subscription_order_skipped(sender, subscription_id: int, date: str, reason: str, **kwargs):
    enqueue_notify("SUBSCRIPTION_ORDER_SKIPPED", subscription_id=subscription_id, date=date, reason=reason)


@receiver(wallet_low_balance, dispatch_uid="notifications.wallet_low_balance")
def on_wallet_low_balance(sender, user_id: int, balance: str, needed: str, **kwargs):
    enqueue_notify(
        "WALLET_LOW_BALANCE", user_id=user_id, balance=balance, needed=needed, date=timezone.localdate().isoformat()
    )


@receiver(statement_issued, dispatch_uid="notifications.statement_issued")
def on_statement_issued(sender, statement_id: int, **kwargs):
    transaction.on_commit(partial(enqueue_notify, "STATEMENT_ISSUED", statement_id=statement_id))


@receiver(statement_overdue, dispatch_uid="notifications.statement_overdue")
def on_statement_overdue(sender, statement_id: int, stage: int, day: str, **kwargs):
    transaction.on_commit(partial(enqueue_notify, "STATEMENT_OVERDUE", statement_id=statement_id, stage=stage, day=day))


@receiver(account_payment_received, dispatch_uid="notifications.account_payment_received")
def on_account_payment_received(sender, payment_id: int, **kwargs):
    # Sent by orders.workflows while the payment's transaction is open: the message goes once it commits.
    transaction.on_commit(partial(enqueue_notify, "ACCOUNT_PAYMENT_RECEIVED", payment_id=payment_id))
