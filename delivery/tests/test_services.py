"""Deliveries through their services: creation and assignment, every move of the flow, and what each does to the order."""

import itertools
from decimal import Decimal

import pytest
from django.db import transaction

from analytics.models import AnalyticsEvent, EventType
from catalog.models import Product
from catalog.tests.factories import ProductFactory
from delivery.models import TRANSITIONS, Delivery, DeliveryStatus, FailureReason
from delivery.services import (
    DeliveryError,
    deliveries_pick_up,
    delivery_assign,
    delivery_assign_least_loaded,
    delivery_create_for_order,
    delivery_transition,
)
from delivery.slots import upcoming_slots
from delivery.tests.factories import delivery_in, rider
from orders.models import Order, OrderStatus
from orders.services import order_cancel, order_transition
from orders.tests.factories import customer_with_address, fund_wallet, place_order
from payments.models import PaymentMethod, PaymentStatus, RefundStatus
from payments.outcomes import payment_succeeded
from payments.selectors import wallet_balance

pytestmark = pytest.mark.django_db

ALL_MOVES = list(itertools.product(DeliveryStatus, DeliveryStatus))


def test_the_delivery_flow_of_the_design():
    S = DeliveryStatus
    assert {
        S.ASSIGNED: {S.PICKED_UP, S.FAILED, S.CANCELLED},
        S.PICKED_UP: {S.IN_TRANSIT, S.FAILED, S.CANCELLED},
        S.IN_TRANSIT: {S.DELIVERED, S.FAILED, S.CANCELLED},
        S.DELIVERED: set(),
        S.FAILED: set(),
        S.CANCELLED: set(),
    } == TRANSITIONS


# Creation and assignment


def test_a_cash_order_gets_its_delivery_at_confirmation_with_the_zone_rider():
    ravi = rider(name="Ravi")

    order = place_order(method=PaymentMethod.CASH)

    delivery = Delivery.objects.get(order=order)
    assert (delivery.status, delivery.rider, delivery.user) == (DeliveryStatus.ASSIGNED, ravi, order.user)
    assert (delivery.delivery_date, delivery.slot, delivery.zone) == (
        order.delivery_date,
        order.delivery_slot,
        order.zone,
    )
    assert len(delivery.tracking_token) >= 32
    first = delivery.history.get()
    assert (first.from_status, first.to_status, first.note) == ("", DeliveryStatus.ASSIGNED, "Assigned to Ravi")


def test_an_unpaid_online_order_has_no_delivery_until_payment_confirms_it():
    rider()
    order = place_order(method=PaymentMethod.CARD)
    assert not Delivery.objects.filter(order=order).exists()

    payment_succeeded(payment_id=order.payments.get().pk, reference="pay_1")

    assert Delivery.objects.get(order=order).status == DeliveryStatus.ASSIGNED


def test_a_zone_without_riders_leaves_the_delivery_unassigned_for_staff():
    delivery = place_order().delivery

    assert delivery.rider is None
    assert delivery.is_unassigned
    assert delivery.history.get().note == "Waiting for a rider"


def test_each_order_goes_to_the_least_loaded_rider_of_its_slot():
    first, second = rider(), rider()
    slot, other_slot = upcoming_slots()[:2]
    # Work in another slot does not count against anyone.
    for _ in range(3):
        delivery_assign(delivery=place_order(slot=other_slot).delivery, rider=first)

    riders = [place_order(slot=slot).delivery.rider for _ in range(4)]

    assert riders == [first, second, first, second]


def test_inactive_or_former_riders_get_nothing_and_cancelled_deliveries_do_not_count():
    gone = rider()
    gone.is_active = False
    gone.save()
    left = rider()
    left.groups.clear()  # no longer in the Riders group, though still listed on the zone
    quiet, busy = rider(), rider()
    slot = upcoming_slots()[0]
    kept, cancelled = place_order(slot=slot), place_order(slot=slot)
    delivery_assign(delivery=kept.delivery, rider=quiet)
    delivery_assign(delivery=cancelled.delivery, rider=busy)
    order_cancel(order=cancelled, by=None, reason="test")

    # quiet has one delivery and busy only a cancelled one; a tie would go to quiet, added first.
    assert place_order(slot=slot).delivery.rider == busy


def test_asking_again_for_an_orders_delivery_returns_the_one_it_has():
    order = place_order()

    assert delivery_create_for_order(order=order) == order.delivery
    assert Delivery.objects.filter(order=order).count() == 1


def test_subscription_orders_get_deliveries_balanced_across_riders_in_the_same_run():
    from subscriptions.generation import generate_subscription_orders
    from subscriptions.tests.factories import subscribe

    first, second = rider(), rider()
    subscriptions = [subscribe() for _ in range(4)]
    for subscription in subscriptions:
        fund_wallet(subscription.user, Decimal("500.00"))

    generate_subscription_orders(day=subscriptions[0].start_date)
    generate_subscription_orders(day=subscriptions[0].start_date)

    orders = list(Order.objects.filter(subscription__in=subscriptions).order_by("pk"))
    riders = [Delivery.objects.get(order=order).rider for order in orders]
    assert sorted(user.pk for user in riders) == sorted([first.pk, first.pk, second.pk, second.pk])
    assert Delivery.objects.count() == 4


def test_staff_reassign_and_unassign_before_pickup_with_history():
    ravi, suresh = rider(name="Ravi"), rider(name="Suresh")
    delivery = place_order().delivery
    assert delivery.rider == ravi

    delivery_assign(delivery=delivery, rider=suresh)
    assert delivery.rider == suresh
    delivery_assign(delivery=delivery, rider=None)
    assert delivery.rider is None
    delivery_assign_least_loaded(delivery=delivery)
    assert delivery.rider == ravi

    notes = list(delivery.history.values_list("note", flat=True))
    assert notes == ["Assigned to Ravi", "Assigned to Suresh", "Waiting for a rider", "Assigned to Ravi"]


def test_only_active_riders_can_be_assigned_and_only_before_pickup():
    customer = customer_with_address()
    delivery = delivery_in(DeliveryStatus.PICKED_UP)

    with pytest.raises(DeliveryError, match="not an active rider"):
        delivery_assign(delivery=delivery, rider=customer)
    with pytest.raises(DeliveryError, match="only deliveries not yet picked up"):
        delivery_assign(delivery=delivery, rider=rider())


# Every move


def _transition_kwargs(delivery: Delivery, to: str) -> dict:
    if to == DeliveryStatus.FAILED:
        return {"failure_reason": FailureReason.ADDRESS_NOT_FOUND}
    if to == DeliveryStatus.DELIVERED:
        return {"cash_collected": delivery.cash_due or None}
    return {}


@pytest.mark.parametrize("method", [PaymentMethod.WALLET, PaymentMethod.CASH])
@pytest.mark.parametrize(("start", "to"), [move for move in ALL_MOVES if move[1] in TRANSITIONS[move[0]]])
def test_allowed_moves_work_leave_history_and_announce_after_commit(
    start, to, method, django_capture_on_commit_callbacks
):
    delivery = delivery_in(start, method=method)
    history = delivery.history.count()

    with django_capture_on_commit_callbacks() as callbacks:
        delivery_transition(delivery=delivery, to=to, by=delivery.rider, **_transition_kwargs(delivery, to))
    assert not AnalyticsEvent.objects.filter(event_type=EventType.DELIVERY_UPDATED).exists()
    for callback in callbacks:
        callback()

    delivery.refresh_from_db()
    assert delivery.status == to
    last = delivery.history.last()
    assert (last.from_status, last.to_status) == (start, to)
    assert delivery.history.count() == history + 1
    event = AnalyticsEvent.objects.get(event_type=EventType.DELIVERY_UPDATED)
    assert event.order_id == delivery.order_id
    assert event.details == {"delivery_id": delivery.pk, "from_status": start, "to_status": to}


@pytest.mark.parametrize(("start", "to"), [move for move in ALL_MOVES if move[1] not in TRANSITIONS[move[0]]])
def test_every_other_move_is_refused_and_changes_nothing(start, to):
    delivery = delivery_in(start)
    order_status = delivery.order.status
    history = delivery.history.count()

    with pytest.raises(DeliveryError, match="cannot be marked"):
        delivery_transition(delivery=delivery, to=to, by=delivery.rider, **_transition_kwargs(delivery, to))

    delivery.refresh_from_db()
    assert delivery.status == start
    assert delivery.history.count() == history
    assert Order.objects.get(pk=delivery.order_id).status == order_status


def test_an_unknown_status_is_refused():
    with pytest.raises(DeliveryError, match="no delivery status"):
        delivery_transition(delivery=delivery_in(DeliveryStatus.ASSIGNED), to="LOST")


def test_nobody_picks_up_an_unassigned_delivery():
    delivery = place_order().delivery

    with pytest.raises(DeliveryError, match="Assign a rider"):
        delivery_transition(delivery=delivery, to=DeliveryStatus.PICKED_UP)
    assert Order.objects.get(pk=delivery.order_id).status == OrderStatus.CONFIRMED


def test_a_rider_cannot_move_a_delivery_that_is_no_longer_theirs():
    delivery = delivery_in(DeliveryStatus.ASSIGNED)
    someone_else = rider()

    with pytest.raises(DeliveryError, match="no longer yours"):
        delivery_transition(delivery=delivery, to=DeliveryStatus.PICKED_UP, by=someone_else, as_rider=someone_else)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.ASSIGNED


# Coupling to the order and its payment


def _order_moves(order_id) -> list[tuple[str, str]]:
    return [(entry.from_status, entry.to_status) for entry in Order.objects.get(pk=order_id).history.all()]


def test_picking_up_a_confirmed_order_packs_it_then_sends_it_out():
    delivery = delivery_in(DeliveryStatus.ASSIGNED)

    delivery_transition(delivery=delivery, to=DeliveryStatus.PICKED_UP, by=delivery.rider)

    assert Order.objects.get(pk=delivery.order_id).status == OrderStatus.OUT_FOR_DELIVERY
    assert _order_moves(delivery.order_id)[-2:] == [
        (OrderStatus.CONFIRMED, OrderStatus.PACKED),
        (OrderStatus.PACKED, OrderStatus.OUT_FOR_DELIVERY),
    ]


def test_picking_up_an_order_the_dairy_packed_sends_it_out():
    delivery = delivery_in(DeliveryStatus.ASSIGNED)
    order_transition(order=delivery.order, to=OrderStatus.PACKED)

    delivery_transition(delivery=delivery, to=DeliveryStatus.PICKED_UP, by=delivery.rider)

    assert _order_moves(delivery.order_id)[-2:] == [
        (OrderStatus.CONFIRMED, OrderStatus.PACKED),
        (OrderStatus.PACKED, OrderStatus.OUT_FOR_DELIVERY),
    ]


def test_on_the_way_leaves_the_order_out_for_delivery():
    delivery = delivery_in(DeliveryStatus.PICKED_UP)

    delivery_transition(delivery=delivery, to=DeliveryStatus.IN_TRANSIT, by=delivery.rider)

    assert Order.objects.get(pk=delivery.order_id).status == OrderStatus.OUT_FOR_DELIVERY


def test_delivering_a_prepaid_order_delivers_it_and_takes_no_cash():
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT)

    with pytest.raises(DeliveryError, match="already paid"):
        delivery_transition(delivery=delivery, to=DeliveryStatus.DELIVERED, cash_collected=Decimal("64.00"))
    delivery_transition(delivery=delivery, to=DeliveryStatus.DELIVERED, by=delivery.rider)

    order = Order.objects.get(pk=delivery.order_id)
    assert (order.status, order.payment_status) == (OrderStatus.DELIVERED, PaymentStatus.SUCCESS)
    assert delivery.cash_collected == Decimal("0.00")


def test_delivering_cash_on_delivery_records_the_cash_and_pays_the_order(django_capture_on_commit_callbacks):
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT, method=PaymentMethod.CASH)
    assert delivery.cash_due == Decimal("64.00")

    with django_capture_on_commit_callbacks(execute=True):
        delivery_transition(
            delivery=delivery, to=DeliveryStatus.DELIVERED, by=delivery.rider, cash_collected=Decimal("64.00")
        )

    order = Order.objects.get(pk=delivery.order_id)
    payment = order.payments.get()
    assert (order.status, order.payment_status) == (OrderStatus.DELIVERED, PaymentStatus.SUCCESS)
    assert (payment.status, payment.transaction_id) == (PaymentStatus.SUCCESS, f"cash:delivery-{delivery.pk}")
    assert delivery.cash_collected == Decimal("64.00")
    assert delivery.cash_due == Decimal("0.00")
    assert delivery.history.last().note == "Cash collected: ₹64.00"
    assert AnalyticsEvent.objects.filter(event_type=EventType.PAYMENT_COMPLETED, order=order).count() == 1


@pytest.mark.parametrize(("cash", "message"), [(None, "Collect ₹64.00"), (Decimal("50.00"), "not ₹50.00")])
def test_cash_on_delivery_without_the_full_cash_changes_nothing(cash, message):
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT, method=PaymentMethod.CASH)

    with pytest.raises(DeliveryError, match=message):
        delivery_transition(delivery=delivery, to=DeliveryStatus.DELIVERED, by=delivery.rider, cash_collected=cash)

    delivery.refresh_from_db()
    order = Order.objects.get(pk=delivery.order_id)
    assert (delivery.status, delivery.cash_collected) == (DeliveryStatus.IN_TRANSIT, Decimal("0.00"))
    assert (order.status, order.payment_status) == (OrderStatus.OUT_FOR_DELIVERY, PaymentStatus.PENDING)
    assert order.payments.get().status == PaymentStatus.PENDING


def test_a_refused_order_move_rolls_the_delivery_back_too():
    delivery = delivery_in(DeliveryStatus.ASSIGNED)
    # An order the delivery flow cannot send out (say, returned by a mistaken admin edit).
    Order.objects.filter(pk=delivery.order_id).update(status=OrderStatus.RETURNED)

    with pytest.raises(DeliveryError, match="cannot be moved to"):
        delivery_transition(delivery=delivery, to=DeliveryStatus.PICKED_UP, by=delivery.rider)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.ASSIGNED
    assert delivery.history.count() == 1


def test_a_rolled_back_move_announces_nothing(django_capture_on_commit_callbacks):
    delivery = delivery_in(DeliveryStatus.ASSIGNED)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        delivery_transition(delivery=delivery, to=DeliveryStatus.PICKED_UP, by=delivery.rider)
        raise RuntimeError("the request failed after the move")

    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.ASSIGNED
    assert not AnalyticsEvent.objects.filter(event_type=EventType.DELIVERY_UPDATED).exists()


# Failure


def test_failure_needs_a_reason_and_other_needs_a_note():
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT)

    with pytest.raises(DeliveryError, match="Choose why"):
        delivery_transition(delivery=delivery, to=DeliveryStatus.FAILED)
    with pytest.raises(DeliveryError, match="Say what went wrong"):
        delivery_transition(delivery=delivery, to=DeliveryStatus.FAILED, failure_reason=FailureReason.OTHER)
    delivery_transition(
        delivery=delivery, to=DeliveryStatus.FAILED, failure_reason=FailureReason.OTHER, note="Gate locked, dog loose"
    )

    assert (delivery.failure_reason, delivery.failure_note) == (FailureReason.OTHER, "Gate locked, dog loose")
    assert delivery.history.last().note == "Other: Gate locked, dog loose"


def test_a_failed_wallet_order_is_cancelled_refunded_to_the_wallet_and_its_stock_stays_out():
    milk = ProductFactory(price=Decimal("40.00"), stock=10)
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT, lines=[(milk, 2)])
    customer = delivery.user
    assert wallet_balance(user=customer) == Decimal("420.00")

    delivery_transition(delivery=delivery, to=DeliveryStatus.FAILED, failure_reason=FailureReason.CUSTOMER_UNAVAILABLE)

    order = Order.objects.get(pk=delivery.order_id)
    assert order.status == OrderStatus.CANCELLED
    assert _order_moves(order.pk)[-1] == (OrderStatus.OUT_FOR_DELIVERY, OrderStatus.CANCELLED)
    assert order.history.last().note == "Delivery failed: Customer not available"
    assert wallet_balance(user=customer) == Decimal("500.00")
    payment = order.payments.get()
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.REFUNDED, Decimal("80.00"))
    assert Product.objects.get(pk=milk.pk).stock == 8  # perishable: not put back on sale


def test_a_failed_card_order_is_refunded_to_the_wallet_not_the_card():
    rider()
    order = place_order(method=PaymentMethod.CARD)
    payment_succeeded(payment_id=order.payments.get().pk, reference="pay_1")
    delivery = Delivery.objects.get(order=order)
    delivery_transition(delivery=delivery, to=DeliveryStatus.PICKED_UP, by=delivery.rider)

    delivery_transition(delivery=delivery, to=DeliveryStatus.FAILED, failure_reason=FailureReason.REFUSED)

    refund = order.payments.get().refunds.get()
    assert (refund.status, refund.provider_reference, refund.amount) == (
        RefundStatus.SUCCEEDED,
        "wallet",
        Decimal("64.00"),
    )
    assert wallet_balance(user=order.user) == Decimal("64.00")


def test_a_failed_cash_order_owes_nothing(django_capture_on_commit_callbacks):
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT, method=PaymentMethod.CASH)

    with django_capture_on_commit_callbacks(execute=True):
        delivery_transition(delivery=delivery, to=DeliveryStatus.FAILED, failure_reason=FailureReason.REFUSED)

    order = Order.objects.get(pk=delivery.order_id)
    payment = order.payments.get()
    assert order.status == OrderStatus.CANCELLED
    assert (payment.status, payment.refunded_amount) == (PaymentStatus.FAILED, Decimal("0.00"))
    assert wallet_balance(user=order.user) == Decimal("0.00")
    assert delivery.cash_due == Decimal("0.00")
    assert AnalyticsEvent.objects.filter(event_type=EventType.ORDER_CANCELLED, order=order).count() == 1
    assert not AnalyticsEvent.objects.filter(event_type=EventType.PAYMENT_FAILED).exists()


def test_failing_before_pickup_cancels_the_order_through_its_own_flow():
    delivery = delivery_in(DeliveryStatus.ASSIGNED)

    delivery_transition(delivery=delivery, to=DeliveryStatus.FAILED, failure_reason=FailureReason.ADDRESS_NOT_FOUND)

    assert _order_moves(delivery.order_id)[-1] == (OrderStatus.CONFIRMED, OrderStatus.CANCELLED)
    assert wallet_balance(user=delivery.user) == Decimal("500.00")


# Cancellation


def test_cancelling_the_order_cancels_its_delivery(django_capture_on_commit_callbacks):
    milk = ProductFactory(stock=10)
    delivery = delivery_in(DeliveryStatus.ASSIGNED, method=PaymentMethod.CASH, lines=[(milk, 3)])

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=delivery.order, by=delivery.user, reason="Cancelled by the customer")

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.CANCELLED
    assert delivery.history.last().note == "Cancelled by the customer"
    assert Product.objects.get(pk=milk.pk).stock == 10
    event = AnalyticsEvent.objects.get(event_type=EventType.DELIVERY_UPDATED)
    assert event.details["to_status"] == DeliveryStatus.CANCELLED


def test_cancelling_the_delivery_before_pickup_is_the_orders_cancellation():
    milk = ProductFactory(stock=10)
    delivery = delivery_in(DeliveryStatus.ASSIGNED, lines=[(milk, 3)])

    delivery_transition(delivery=delivery, to=DeliveryStatus.CANCELLED, note="Customer phoned the dairy")

    order = Order.objects.get(pk=delivery.order_id)
    assert (order.status, delivery.status) == (OrderStatus.CANCELLED, DeliveryStatus.CANCELLED)
    assert Product.objects.get(pk=milk.pk).stock == 10  # still at the dairy: back on sale
    assert wallet_balance(user=order.user) == Decimal("500.00")
    assert order.history.last().note == "Customer phoned the dairy"


def test_cancelling_a_delivery_on_the_road_closes_the_order_like_a_failure():
    milk = ProductFactory(stock=10)
    delivery = delivery_in(DeliveryStatus.IN_TRANSIT, lines=[(milk, 3)])

    delivery_transition(delivery=delivery, to=DeliveryStatus.CANCELLED, note="Customer phoned the dairy")

    order = Order.objects.get(pk=delivery.order_id)
    assert order.status == OrderStatus.CANCELLED
    assert Product.objects.get(pk=milk.pk).stock == 7
    assert wallet_balance(user=order.user) == Decimal("500.00")


# A rider's day


def test_picking_up_a_whole_slot_takes_only_the_riders_waiting_deliveries():
    ravi = rider()
    slot = upcoming_slots()[0]
    waiting = [place_order(slot=slot).delivery for _ in range(2)]
    already = delivery_in(DeliveryStatus.PICKED_UP, slot=slot)
    other_slot = place_order(slot=upcoming_slots()[1]).delivery
    theirs = place_order(slot=slot).delivery
    delivery_assign(delivery=theirs, rider=rider())
    assert {d.rider for d in [*waiting, already, other_slot]} == {ravi}

    picked = deliveries_pick_up(rider=ravi, delivery_date=slot.date, slot=slot.name)

    assert picked == 2
    statuses = dict(Delivery.objects.values_list("pk", "status"))
    assert [statuses[d.pk] for d in waiting] == [DeliveryStatus.PICKED_UP] * 2
    assert statuses[other_slot.pk] == statuses[theirs.pk] == DeliveryStatus.ASSIGNED
