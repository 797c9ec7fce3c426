"""delivery.sync: a rider's updates, each under the key the phone made, applied once whenever and in whatever order
they arrive; the ones that no longer fit refused, saying what happened."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from delivery.models import DeliveryStatus, DeliveryZone, FailureReason, RiderUpdate, RiderUpdateOutcome
from delivery.services import delivery_assign
from delivery.slots import upcoming_slots
from delivery.sync import (
    DOES_NOT_FIT,
    KEY_REUSED,
    MAX_PAYLOAD,
    NOT_ALLOWED,
    NOT_YOURS,
    PROOF_REFUSED,
    rider_pickup_apply,
    rider_update_apply,
    update_refusal,
    update_tries_left,
)
from delivery.tests.factories import books, delivery_in, rider
from milkshop.tests.threads import run_at_once
from orders.models import Order, OrderStatus
from orders.tests.factories import place_order
from orders.workflows import delivery_transition, order_cancel
from payments.models import PaymentMethod

pytestmark = pytest.mark.django_db

S = DeliveryStatus
APPLIED, REFUSED = RiderUpdateOutcome.APPLIED, RiderUpdateOutcome.REFUSED


@pytest.fixture
def ravi():
    return rider(name="Ravi Kumar")


def elsewhere_rider(**fields):
    """A rider of another zone, so that new orders of the test zone never go to them."""
    zone, _ = DeliveryZone.objects.get_or_create(name="Whitefield", defaults={"pincodes": "560066"})
    return rider(zone=zone, **fields)


def apply(rider_user, delivery, key=None, **changes):
    return rider_update_apply(rider=rider_user, delivery_id=delivery.pk, key=key or uuid.uuid4(), changes=changes)


def status_of(delivery) -> str:
    delivery.refresh_from_db()
    return delivery.status


# Once per key


def test_an_update_that_arrives_again_is_applied_once_and_answered_as_the_first_time(ravi):
    delivery = delivery_in(S.ASSIGNED)
    key = uuid.uuid4()

    first = apply(ravi, delivery, key, to=S.PICKED_UP)
    after_first = books(delivery)
    again = apply(ravi, delivery, key, to=S.PICKED_UP)
    once_more = apply(ravi, delivery, key, to=S.PICKED_UP)

    assert (first.outcome, first.delivery_id, first.rider_id) == (APPLIED, delivery.pk, ravi.pk)
    assert again.pk == once_more.pk == first.pk
    assert (again.outcome, again.message) == (first.outcome, first.message)
    assert books(delivery) == after_first
    assert status_of(delivery) == S.PICKED_UP
    assert RiderUpdate.objects.count() == 1


def test_a_replay_after_the_delivery_moved_on_changes_nothing_and_says_what_it_said_first(ravi):
    delivery = delivery_in(S.ASSIGNED)
    picked = uuid.uuid4()
    apply(ravi, delivery, picked, to=S.PICKED_UP)
    apply(ravi, delivery, to=S.IN_TRANSIT)
    moved_on = books(delivery)

    replay = apply(ravi, delivery, picked, to=S.PICKED_UP)

    assert replay.outcome == APPLIED and "picked up" in replay.message
    assert books(delivery) == moved_on
    assert status_of(delivery) == S.IN_TRANSIT


def test_a_refused_update_is_refused_again_on_replay_even_when_it_would_fit_now(ravi):
    delivery = delivery_in(S.ASSIGNED)
    key = uuid.uuid4()

    early = apply(ravi, delivery, key, to=S.FAILED)  # no reason given
    apply(ravi, delivery, to=S.PICKED_UP)
    replay = apply(ravi, delivery, key, to=S.FAILED)

    assert early.outcome == REFUSED and "Choose why" in early.message
    assert (replay.pk, replay.outcome) == (early.pk, REFUSED)
    assert status_of(delivery) == S.PICKED_UP


def test_the_phones_time_is_kept_with_the_update(ravi):
    delivery = delivery_in(S.ASSIGNED)
    tapped = timezone.now() - timedelta(minutes=40)

    update = rider_update_apply(
        rider=ravi, delivery_id=delivery.pk, key=uuid.uuid4(), changes={"to": S.PICKED_UP}, made_at=tapped
    )

    update.refresh_from_db()
    assert update.made_at == tapped
    assert update.received_at > tapped


@pytest.mark.parametrize(
    "tapped",
    [
        datetime(1, 1, 1, tzinfo=ZoneInfo("Asia/Kolkata")),  # before the first UTC day
        datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
        datetime(2026, 5, 4, 6, 0),  # no time zone
    ],
    ids=["year one", "year 9999", "naive"],
)
def test_a_phone_clock_far_off_is_not_kept_but_the_update_still_counts(ravi, tapped):
    delivery = delivery_in(S.ASSIGNED)

    update = rider_update_apply(
        rider=ravi, delivery_id=delivery.pk, key=uuid.uuid4(), changes={"to": S.PICKED_UP}, made_at=tapped
    )

    update.refresh_from_db()
    assert (update.outcome, update.made_at) == (APPLIED, None)
    assert status_of(delivery) == S.PICKED_UP


# Out of order


def test_a_move_the_delivery_is_already_past_is_done_with_nothing_changed(ravi):
    delivery = delivery_in(S.IN_TRANSIT)
    before = books(delivery)

    late = apply(ravi, delivery, to=S.PICKED_UP)

    assert late.outcome == APPLIED
    assert late.message == f"The delivery of order {delivery.order.number} is already on the way."
    assert books(delivery) == before


def test_the_delivered_tap_arriving_before_on_my_way_takes_both_steps_and_the_late_one_does_nothing(ravi):
    delivery = delivery_in(S.PICKED_UP)
    on_my_way, delivered = uuid.uuid4(), uuid.uuid4()
    history = delivery.history.count()

    first = apply(ravi, delivery, delivered, to=S.DELIVERED)
    done = books(delivery)
    second = apply(ravi, delivery, on_my_way, to=S.IN_TRANSIT)

    assert (first.outcome, second.outcome) == (APPLIED, APPLIED)
    assert status_of(delivery) == S.DELIVERED
    assert Order.objects.get(pk=delivery.order_id).status == OrderStatus.DELIVERED
    assert list(delivery.history.values_list("to_status", "changed_by")[history:]) == [
        (S.IN_TRANSIT, ravi.pk),
        (S.DELIVERED, ravi.pk),
    ]
    assert second.message.endswith("is already delivered.")
    assert books(delivery) == done


def test_a_delivered_tap_for_a_delivery_still_at_the_dairy_steps_through_the_whole_road(ravi):
    delivery = delivery_in(S.ASSIGNED, method=PaymentMethod.CASH)

    update = apply(ravi, delivery, to=S.DELIVERED, cash_collected=Decimal("64.00"), proof_code=delivery.proof_code)

    assert update.outcome == APPLIED
    assert update.payload["result"] == {"steps": [S.PICKED_UP, S.IN_TRANSIT, S.DELIVERED]}
    order = Order.objects.get(pk=delivery.order_id)
    assert (order.status, order.payment_status) == (OrderStatus.DELIVERED, "SUCCESS")
    delivery.refresh_from_db()
    assert delivery.cash_collected == Decimal("64.00")


def test_when_the_last_step_is_refused_the_steps_taken_stay_and_the_refusal_says_where_it_is(ravi):
    delivery = delivery_in(S.PICKED_UP)  # prepaid: there is no cash to collect

    update = apply(ravi, delivery, to=S.DELIVERED, cash_collected=Decimal("10.00"))

    assert update.outcome == REFUSED and update_refusal(update) == DOES_NOT_FIT
    assert "already paid" in update.message
    assert update.message.endswith("It is marked on the way.")
    assert status_of(delivery) == S.IN_TRANSIT


def test_failing_twice_is_done_once_and_failing_what_was_delivered_is_refused(ravi):
    failed = delivery_in(S.IN_TRANSIT)
    delivered = delivery_in(S.DELIVERED)
    reason = {"to": S.FAILED, "failure_reason": FailureReason.REFUSED}

    first = apply(ravi, failed, **reason)
    after = books(failed)
    second = apply(ravi, failed, **reason)
    too_late = apply(ravi, delivered, **reason)
    delivered_after_failing = apply(ravi, failed, to=S.DELIVERED)

    assert (first.outcome, second.outcome) == (APPLIED, APPLIED)
    assert second.message.endswith("is already marked not delivered.")
    assert books(failed) == after
    assert too_late.outcome == REFUSED and too_late.message.endswith("was already delivered.")
    assert status_of(delivered) == S.DELIVERED
    assert delivered_after_failing.outcome == REFUSED
    assert delivered_after_failing.message.endswith("was already marked not delivered.")


# Updates that no longer fit


def test_an_update_for_a_delivery_reassigned_meanwhile_is_refused_and_recorded(ravi, staff):
    delivery = delivery_in(S.ASSIGNED)
    assert delivery.rider == ravi
    delivery_assign(delivery=delivery, rider=elsewhere_rider(), by=staff)
    before = books(delivery)

    update = apply(ravi, delivery, to=S.PICKED_UP)

    assert (update.outcome, update_refusal(update)) == (REFUSED, NOT_YOURS)
    assert update.message == "This delivery was reassigned to another rider."
    assert RiderUpdate.objects.get(pk=update.pk).delivery_id == delivery.pk
    assert books(delivery) == before


def test_an_update_for_a_delivery_taken_off_the_round_says_so(ravi, staff):
    delivery = delivery_in(S.ASSIGNED)
    delivery_assign(delivery=delivery, rider=None, by=staff)

    update = apply(ravi, delivery, to=S.PICKED_UP)

    assert update_refusal(update) == NOT_YOURS
    assert update.message == "This delivery was taken off your round; it is waiting for another rider."
    assert status_of(delivery) == S.ASSIGNED


@pytest.mark.parametrize("start", [S.ASSIGNED, S.PICKED_UP])
def test_an_update_for_a_delivery_cancelled_meanwhile_is_refused(ravi, staff, start):
    delivery = delivery_in(start)
    if start == S.ASSIGNED:
        order_cancel(order=delivery.order, by=staff, reason="Customer phoned")
    else:
        delivery_transition(delivery=delivery, to=S.CANCELLED, by=staff, note="Customer phoned")
    before = books(delivery)

    update = apply(ravi, delivery, to=S.IN_TRANSIT)

    assert (update.outcome, update_refusal(update)) == (REFUSED, DOES_NOT_FIT)
    assert update.message == f"The shop cancelled the delivery of order {delivery.order.number}: do not deliver it."
    assert books(delivery) == before


def test_an_update_for_another_riders_delivery_is_refused_without_a_word_about_it(ravi):
    theirs = delivery_in(S.IN_TRANSIT, method=PaymentMethod.CASH)
    before = books(theirs)
    order = Order.objects.get(pk=theirs.order_id)

    update = apply(elsewhere_rider(), theirs, to=S.DELIVERED, cash_collected=Decimal("64.00"))

    assert (update.outcome, update_refusal(update)) == (REFUSED, NOT_YOURS)
    for secret in (order.number, order.recipient_name, order.address_line1, ravi.name):
        assert secret not in update.message
    assert books(theirs) == before


def test_an_update_for_no_delivery_at_all_is_refused_and_kept(ravi):
    update = rider_update_apply(rider=ravi, delivery_id=987654, key=uuid.uuid4(), changes={"to": S.PICKED_UP})

    assert (update.outcome, update_refusal(update)) == (REFUSED, NOT_YOURS)
    assert update.message == "There is no such delivery on your round."
    assert RiderUpdate.objects.get(pk=update.pk).payload["delivery"] == 987654


def test_a_rider_may_not_cancel_even_under_a_key(ravi):
    delivery = delivery_in(S.ASSIGNED)
    before = books(delivery)

    update = apply(ravi, delivery, to=S.CANCELLED, note="Gate locked")

    assert (update.outcome, update_refusal(update)) == (REFUSED, NOT_ALLOWED)
    assert books(delivery) == before


def test_staff_updates_under_a_key_reach_any_delivery_through_the_api_only(ravi, staff):
    delivery = delivery_in(S.ASSIGNED)

    # A staff member who also rides, tapping on the rider page, reaches only their own round.
    from_the_rider_page = apply(staff, delivery, to=S.CANCELLED, note="Customer phoned")
    assert (from_the_rider_page.outcome, update_refusal(from_the_rider_page)) == (REFUSED, NOT_YOURS)
    assert status_of(delivery) == S.ASSIGNED

    update = rider_update_apply(
        rider=staff,
        delivery_id=delivery.pk,
        key=uuid.uuid4(),
        changes={"to": S.CANCELLED, "note": "Customer phoned"},
        any_delivery=True,
    )
    assert update.outcome == APPLIED
    assert status_of(delivery) == S.CANCELLED


# Keys used twice


def test_a_key_sent_again_by_another_rider_is_refused_and_changes_nothing(ravi):
    mine = delivery_in(S.ASSIGNED)
    other = elsewhere_rider()
    theirs = delivery_in(S.ASSIGNED)
    delivery_assign(delivery=theirs, rider=other)
    key = uuid.uuid4()
    apply(ravi, mine, key, to=S.PICKED_UP)
    before = books(theirs)

    stolen = apply(other, theirs, key, to=S.PICKED_UP)

    assert (stolen.outcome, update_refusal(stolen), stolen.pk) == (REFUSED, KEY_REUSED, None)
    assert "already used" in stolen.message and mine.order.number not in stolen.message
    assert books(theirs) == before
    assert RiderUpdate.objects.get(key=key).rider == ravi


@pytest.mark.parametrize("change", ["another delivery", "another move"])
def test_a_key_sent_again_with_another_change_is_refused(ravi, change):
    delivery, second = delivery_in(S.ASSIGNED), delivery_in(S.ASSIGNED)
    key = uuid.uuid4()
    apply(ravi, delivery, key, to=S.PICKED_UP)
    before = books(second), books(delivery)

    if change == "another delivery":
        reused = apply(ravi, second, key, to=S.PICKED_UP)
    else:
        reused = apply(ravi, delivery, key, to=S.IN_TRANSIT)

    assert update_refusal(reused) == KEY_REUSED
    assert (books(second), books(delivery)) == before


# Garbage


GARBAGE = {
    "an unknown status": ({"to": "FLYING"}, "There is no delivery status 'FLYING'."),
    "no status": ({"note": "hello"}, "This update does not say what to change."),
    "unknown fields": ({"to": S.PICKED_UP, "rider": 1, "status": "DELIVERED"}, "fields the shop does not know"),
    "a huge note": ({"to": S.FAILED, "failure_reason": "OTHER", "note": "x" * 100_000}, "at most 255 characters"),
    "a NUL character": ({"to": S.FAILED, "failure_reason": "OTHER", "note": "a\x00b"}, "without NUL characters"),
    "cash that is no amount": ({"to": S.DELIVERED, "cash_collected": "lots"}, "cash is not an amount"),
    "a list for a status": ({"to": ["PICKED_UP"]}, "There is no delivery status"),
}


@pytest.mark.parametrize("changes, message", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_is_refused_cleanly_and_kept_small(ravi, changes, message):
    delivery = delivery_in(S.IN_TRANSIT)
    before = books(delivery)

    update = apply(ravi, delivery, **changes)

    assert update.outcome == REFUSED and message in update.message
    assert books(delivery) == before
    stored = RiderUpdate.objects.get(pk=update.pk)
    assert len(str(stored.payload)) < MAX_PAYLOAD + 1000


def test_changes_that_are_not_a_mapping_are_refused(ravi):
    delivery = delivery_in(S.IN_TRANSIT)

    update = rider_update_apply(rider=ravi, delivery_id=delivery.pk, key=uuid.uuid4(), changes=["DELIVERED"])

    assert update.outcome == REFUSED
    assert status_of(delivery) == S.IN_TRANSIT


def test_a_photo_is_recorded_by_name_and_size_and_its_replay_is_the_same_update(ravi):
    delivery = delivery_in(S.IN_TRANSIT)
    key = uuid.uuid4()
    photo = SimpleUploadedFile("door.jpg", b"not really a picture", content_type="image/jpeg")
    fields = {"to": S.DELIVERED, "left_at_door": True, "door_photo": photo}

    first = apply(ravi, delivery, key, **fields)
    photo.seek(0)
    again = apply(ravi, delivery, key, **fields)

    assert first.payload["changes"]["door_photo"] == {"file": "door.jpg", "size": 20}
    assert again.pk == first.pk


# The delivery code


def test_a_wrong_code_stays_counted_although_its_update_is_refused_and_a_replay_counts_it_once(ravi):
    delivery = delivery_in(S.IN_TRANSIT, method=PaymentMethod.CASH)
    wrong = "0000" if delivery.proof_code != "0000" else "1111"
    key = uuid.uuid4()
    fields = {"to": S.DELIVERED, "cash_collected": Decimal("64.00"), "proof_code": wrong}

    refused = apply(ravi, delivery, key, **fields)
    replayed = apply(ravi, delivery, key, **fields)

    assert (update_refusal(refused), replayed.pk) == (PROOF_REFUSED, refused.pk)
    assert update_tries_left(replayed) == update_tries_left(refused) >= 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.proof_attempts) == (S.IN_TRANSIT, 1)


# Picking up a whole slot


def test_picking_up_a_slot_under_a_key_happens_once(ravi):
    slot = upcoming_slots()[0]
    first, second = place_order(slot=slot).delivery, place_order(slot=slot).delivery
    key = uuid.uuid4()

    done = rider_pickup_apply(rider=ravi, key=key, slot=slot)
    late = place_order(slot=slot).delivery  # a new order after the rider loaded the bike
    again = rider_pickup_apply(rider=ravi, key=key, slot=slot)

    assert (done.outcome, done.delivery, done.payload["pickup"]) == (
        APPLIED,
        None,
        {"date": slot.date.isoformat(), "slot": slot.name},
    )
    assert done.message == f"2 picked up for the {slot.window_label.lower()} run."
    assert (again.pk, again.message) == (done.pk, done.message)
    assert [status_of(d) for d in (first, second, late)] == [S.PICKED_UP, S.PICKED_UP, S.ASSIGNED]


def test_a_pickup_key_sent_again_for_another_slot_is_refused(ravi):
    morning, later = upcoming_slots()[0], upcoming_slots()[1]
    waiting = place_order(slot=later).delivery
    key = uuid.uuid4()
    rider_pickup_apply(rider=ravi, key=key, slot=morning)

    reused = rider_pickup_apply(rider=ravi, key=key, slot=later)

    assert update_refusal(reused) == KEY_REUSED
    assert status_of(waiting) == S.ASSIGNED


# Two arrivals at once (CI runs this on PostgreSQL too)


@pytest.mark.django_db(transaction=True)
def test_one_key_arriving_twice_at_the_same_moment_is_applied_once():
    ravi = rider()
    for _ in range(3):
        delivery = delivery_in(S.PICKED_UP)
        key = uuid.uuid4()
        history = delivery.history.count()

        outcomes = run_at_once([lambda d=delivery, k=key: apply(ravi, d, k, to=S.IN_TRANSIT) for _ in range(2)])

        assert [outcome.error for outcome in outcomes] == [None, None]
        assert {outcome.value.pk for outcome in outcomes} == {RiderUpdate.objects.get(key=key).pk}
        assert {outcome.value.outcome for outcome in outcomes} == {APPLIED}
        assert delivery.history.count() == history + 1
        assert status_of(delivery) == S.IN_TRANSIT


@pytest.mark.django_db(transaction=True)
def test_one_pickup_key_arriving_twice_at_the_same_moment_picks_up_once():
    ravi = rider()
    slot = upcoming_slots()[0]
    deliveries = [place_order(slot=slot).delivery for _ in range(3)]
    key = uuid.uuid4()

    outcomes = run_at_once([lambda: rider_pickup_apply(rider=ravi, key=key, slot=slot) for _ in range(2)])

    assert [outcome.error for outcome in outcomes] == [None, None]
    assert {outcome.value.message for outcome in outcomes} == {f"3 picked up for the {slot.window_label.lower()} run."}
    assert RiderUpdate.objects.filter(key=key).count() == 1
    assert [status_of(d) for d in deliveries] == [S.PICKED_UP] * 3
    assert sum(d.history.count() for d in deliveries) == 3 * 2  # assigned, then picked up once each
