"""Domain signals in, analytics tasks out. Signals arrive after their transaction commits."""

import uuid

from django.dispatch import receiver
from django.utils import timezone

from accounts.signals import user_registered
from analytics.models import EventType
from delivery.signals import delivery_updated
from milkshop.taskqueue.services import enqueue
from orders.signals import order_cancelled, order_confirmed, order_placed
from payments.models import Payment
from payments.signals import payment_completed, payment_failed, payment_refunded
from subscriptions.models import Subscription, SubscriptionStatus
from subscriptions.signals import (
    subscription_created,
    subscription_order_skipped,
    subscription_orders_generated,
    subscription_status_changed,
    wallet_low_balance,
)


def enqueue_event(event_type: str, *, user_id=None, order_id=None, details: dict | None = None) -> None:
    enqueue(
        "analytics.tasks.record_event",
        str(uuid.uuid4()),
        event_type,
        timezone.now().isoformat(),
        user_id,
        order_id,
        details or {},
        task_name=f"analytics:{event_type}",
    )


@receiver(user_registered, dispatch_uid="analytics.user_registered")
def on_user_registered(sender, user_id: int, **kwargs):
    enqueue_event(EventType.USER_REGISTERED, user_id=user_id)


ORDER_EVENTS = {
    order_placed: EventType.ORDER_PLACED,
    order_confirmed: EventType.ORDER_CONFIRMED,
    order_cancelled: EventType.ORDER_CANCELLED,
}


def on_order_event(sender, order_id: int, signal, **kwargs):
    enqueue_event(ORDER_EVENTS[signal], order_id=order_id)


for _signal, _event_type in ORDER_EVENTS.items():
    _signal.connect(on_order_event, dispatch_uid=f"analytics.{_event_type}")


PAYMENT_EVENTS = {
    payment_completed: EventType.PAYMENT_COMPLETED,
    payment_failed: EventType.PAYMENT_FAILED,
    payment_refunded: EventType.PAYMENT_REFUNDED,
}


def on_payment_event(sender, payment_id: int, signal, **kwargs):
    payment = Payment.objects.filter(pk=payment_id).values("user_id", "order_id", "amount", "method").first()
    details = {"payment_id": payment_id, "amount": str(payment["amount"]), "method": payment["method"]}
    if refund_id := kwargs.get("refund_id"):
        details["refund_id"] = refund_id
    enqueue_event(PAYMENT_EVENTS[signal], user_id=payment["user_id"], order_id=payment["order_id"], details=details)


for _signal, _event_type in PAYMENT_EVENTS.items():
    _signal.connect(on_payment_event, dispatch_uid=f"analytics.{_event_type}")


@receiver(delivery_updated, dispatch_uid="analytics.delivery_updated")
def on_delivery_updated(sender, delivery_id: int, order_id: int, from_status: str, to_status: str, **kwargs):
    details = {"delivery_id": delivery_id, "from_status": from_status, "to_status": to_status}
    enqueue_event(EventType.DELIVERY_UPDATED, order_id=order_id, details=details)


@receiver(subscription_orders_generated, dispatch_uid="analytics.subscription_orders_generated")
def on_subscription_orders_generated(sender, day: str, order_ids: list[int], **kwargs):
    enqueue(
        "analytics.tasks.record_order_events",
        [EventType.ORDER_PLACED, EventType.ORDER_CONFIRMED],
        order_ids,
        timezone.now().isoformat(),
        {"source": "subscription", "delivery_date": day},
        task_name="analytics:subscription orders",
    )


def _subscription_owner(subscription_id: int) -> int | None:
    return Subscription.objects.filter(pk=subscription_id).values_list("user_id", flat=True).first()


@receiver(subscription_created, dispatch_uid="analytics.subscription_created")
def on_subscription_created(sender, subscription_id: int, **kwargs):
    enqueue_event(
        EventType.SUBSCRIPTION_CREATED,
        user_id=_subscription_owner(subscription_id),
        details={"subscription_id": subscription_id},
    )


SUBSCRIPTION_STATUS_EVENTS = {
    SubscriptionStatus.PAUSED: EventType.SUBSCRIPTION_PAUSED,
    SubscriptionStatus.ACTIVE: EventType.SUBSCRIPTION_RESUMED,
    SubscriptionStatus.CANCELLED: EventType.SUBSCRIPTION_CANCELLED,
}


@receiver(subscription_status_changed, dispatch_uid="analytics.subscription_status_changed")
def on_subscription_status_changed(sender, subscription_id: int, to_status: str, **kwargs):
    enqueue_event(
        SUBSCRIPTION_STATUS_EVENTS[to_status],
        user_id=_subscription_owner(subscription_id),
        details={"subscription_id": subscription_id},
    )


@receiver(subscription_order_skipped, dispatch_uid="analytics.subscription_order_skipped")
def on_subscription_order_skipped(sender, subscription_id: int, date: str, reason: str, **kwargs):
    enqueue_event(
        EventType.SUBSCRIPTION_ORDER_SKIPPED,
        user_id=_subscription_owner(subscription_id),
        details={"subscription_id": subscription_id, "date": date, "reason": reason},
    )


@receiver(wallet_low_balance, dispatch_uid="analytics.wallet_low_balance")
def on_wallet_low_balance(sender, user_id: int, balance: str, needed: str, **kwargs):
    enqueue_event(EventType.WALLET_LOW_BALANCE, user_id=user_id, details={"balance": balance, "needed": needed})
