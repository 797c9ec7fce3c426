"""Updates made on a rider's phone, applied once each, whenever and in whatever order they arrive.

The phone gives each update a key (a UUID) when the rider taps. The first arrival of a key is applied and its
outcome kept as a RiderUpdate; every later arrival of that key gets the kept outcome and changes nothing. A key
that comes back from another rider, or for another change, is refused.

A rider's taps move a delivery forward along the road, ASSIGNED → PICKED_UP → IN_TRANSIT → DELIVERED, so an
update that arrives late is judged against where its delivery is by then:

- at or past the update's target already: applied, with nothing left to do;
- more than one step short of it: the steps in between are taken first, each through orders.workflows;
- no longer the rider's (reassigned, taken off their round), cancelled, or ended the other way (failed,
  delivered): refused, saying what happened.

A refused update is recorded and committed like an applied one, so whatever the workflow keeps when it refuses
(a wrong delivery code counted against the limit) stays. Updates of one delivery wait for each other on the
order's row lock, so two arrivals of one key never both apply.
"""

import inspect
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from delivery.models import Delivery, DeliveryStatus, RiderUpdate, RiderUpdateOutcome
from delivery.proofs import DoorPhotoError, ProofRefused
from delivery.slots import DeliverySlot
from orders.locks import Locks
from orders.workflows import DeliveryError, NotAllowed, deliveries_pick_up, delivery_transition

ROAD = (DeliveryStatus.ASSIGNED, DeliveryStatus.PICKED_UP, DeliveryStatus.IN_TRANSIT, DeliveryStatus.DELIVERED)
FORWARD = ROAD[1:]  # the targets a rider's tap moves towards

# Why an update was refused, kept with it so that a replay is answered as the first arrival was.
NOT_YOURS = "not_yours"  # not (or no longer) the caller's delivery: the doors answer 404, as for any other's
NOT_ALLOWED = "not_allowed"  # a move the caller may not make (the API's 403)
PROOF_REFUSED = "proof_refused"  # the delivery code was missing, wrong or locked (tries left are kept too)
PHOTO_REFUSED = "photo_refused"  # the doorstep photo is not a picture the shop keeps (the API's 400)
DOES_NOT_FIT = "does_not_fit"  # the move no longer fits the delivery, or the workflow refused it
KEY_REUSED = "key_reused"  # the key came before with another rider or another change

MAX_TEXT = 255  # the longest text a rider's form takes
MAX_PAYLOAD = 4000  # characters of JSON: far more than any form sends
# A phone's clock can be wrong: a time of the tap further off than this is not kept (the update still counts).
CLOCK_SLACK = (timedelta(days=366), timedelta(days=1))

# What a move may carry: delivery_transition's own keywords, whichever the workflow takes.
MOVE_FIELDS = frozenset(inspect.signature(delivery_transition).parameters) - {"delivery", "by"}


def rider_update_apply(
    *,
    rider: User,
    delivery_id: int,
    key: UUID,
    changes: dict,
    made_at: datetime | None = None,
    any_delivery: bool = False,
) -> RiderUpdate:
    """Apply a rider's move of one delivery once, however often its key arrives; return its outcome.

    changes: delivery_transition's keywords ("to", "cash_collected", "failure_reason", "note", ...), as
    RiderMoveForm cleans them. A rider sends updates only for their own deliveries; with any_delivery (the API),
    staff may send them for any delivery.
    """
    payload = {"delivery": delivery_id, "changes": _recorded(changes)}

    def lock() -> None:
        order_id = Delivery.objects.filter(pk=delivery_id).values_list("order_id", flat=True).first()
        if order_id is not None:
            Locks().order(order_id)

    def apply(update: RiderUpdate) -> None:
        _apply_move(update, rider=rider, delivery_id=delivery_id, changes=changes, any_delivery=any_delivery)

    return _once(rider=rider, key=key, payload=payload, made_at=made_at, lock=lock, apply=apply)


def rider_pickup_apply(*, rider: User, key: UUID, slot: DeliverySlot, made_at: datetime | None = None) -> RiderUpdate:
    """Pick up all of a rider's deliveries still waiting in a slot, once however often its key arrives."""
    payload = {"pickup": {"date": slot.date.isoformat(), "slot": slot.name}}

    def apply(update: RiderUpdate) -> None:
        picked = deliveries_pick_up(rider=rider, delivery_date=slot.date, slot=slot.name)
        _applied(update, f"{picked} picked up for the {slot.window_label.lower()} run.", picked=picked)

    return _once(rider=rider, key=key, payload=payload, made_at=made_at, lock=lambda: None, apply=apply)


def update_refusal(update: RiderUpdate) -> str:
    """Why an update was refused (one of the kinds above); "" if it was applied."""
    if update.outcome != RiderUpdateOutcome.REFUSED:
        return ""
    return update.payload.get("result", {}).get("refusal", DOES_NOT_FIT)


def update_tries_left(update: RiderUpdate) -> int | None:
    """The delivery code's tries left when the update was refused for its code (None when that does not apply)."""
    return update.payload.get("result", {}).get("tries_left")


# Once per key


def _once(
    *,
    rider: User,
    key: UUID,
    payload: dict,
    made_at: datetime | None,
    lock: Callable[[], None],
    apply: Callable[[RiderUpdate], None],
) -> RiderUpdate:
    try:
        with transaction.atomic():
            lock()  # a second arrival of this key waits here until the first one is recorded
            stored = RiderUpdate.objects.filter(key=key).first()
            if stored is not None:
                return _replayed(stored, rider=rider, payload=payload)
            update = RiderUpdate(key=key, rider=rider, payload=payload, made_at=_plausible(made_at))
            apply(update)
            update.save()
            return update
    except IntegrityError:
        # Two arrivals with nothing to lock in common (a pickup, an unknown delivery): the first one's insert won,
        # and everything the second did rolled back with it.
        stored = RiderUpdate.objects.filter(key=key).first()
        if stored is None:
            raise
        return _replayed(stored, rider=rider, payload=payload)


def _plausible(made_at: datetime | None) -> datetime | None:
    now = timezone.now()
    try:
        return made_at if now - CLOCK_SLACK[0] <= made_at <= now + CLOCK_SLACK[1] else None
    except TypeError:  # None, or a time without its zone
        return None


def _sent(payload: dict) -> dict:
    return {name: value for name, value in payload.items() if name != "result"}


def _replayed(stored: RiderUpdate, *, rider: User, payload: dict) -> RiderUpdate:
    if stored.rider_id == rider.pk and _sent(stored.payload) == _sent(payload):
        return stored
    # Not saved: the key is taken, and telling whose it is would say something about someone else's round.
    refused = RiderUpdate(key=stored.key, rider=rider, payload=payload)
    _refused(refused, KEY_REUSED, "This update's key was already used for another update; nothing was changed.")
    return refused


def _applied(update: RiderUpdate, message: str, **result) -> None:
    update.outcome = RiderUpdateOutcome.APPLIED
    update.message = message[:255]
    update.payload = {**update.payload, "result": result}


def _refused(update: RiderUpdate, refusal: str, message: str, **details) -> None:
    update.outcome = RiderUpdateOutcome.REFUSED
    update.message = message[:255]
    update.payload = {**update.payload, "result": {"refusal": refusal, **details}}


# A move of one delivery


def _apply_move(update: RiderUpdate, *, rider: User, delivery_id: int, changes: dict, any_delivery: bool) -> None:
    unreadable = _unreadable(changes)
    if unreadable:
        return _refused(update, DOES_NOT_FIT, unreadable)
    delivery = Delivery.objects.select_related("order").filter(pk=delivery_id).first()
    if delivery is None:
        return _refused(update, NOT_YOURS, "There is no such delivery on your round.")
    update.delivery = delivery
    if delivery.rider_id != rider.pk and not (any_delivery and rider.is_staff):
        return _refused(update, NOT_YOURS, _not_yours_any_more(delivery))
    to = changes["to"]
    number = delivery.order.number
    if delivery.status == DeliveryStatus.CANCELLED:
        return _refused(update, DOES_NOT_FIT, f"The shop cancelled the delivery of order {number}: do not deliver it.")
    if to in FORWARD and delivery.status == DeliveryStatus.FAILED:
        return _refused(update, DOES_NOT_FIT, f"The delivery of order {number} was already marked not delivered.")
    if to == DeliveryStatus.FAILED and delivery.status == DeliveryStatus.DELIVERED:
        return _refused(update, DOES_NOT_FIT, f"The delivery of order {number} was already delivered.")

    steps = _steps(delivery.status, to)
    if not steps:
        state = "marked not delivered" if delivery.status == DeliveryStatus.FAILED else delivery.get_status_display()
        return _applied(update, f"The delivery of order {number} is already {state.lower()}.", steps=[])
    extras = {name: value for name, value in changes.items() if name != "to"}
    taken = []
    try:
        for step in steps:
            delivery = delivery_transition(delivery=delivery, to=step, by=rider, **(extras if step == to else {}))
            taken.append(step)
    except DeliveryError as error:
        message = str(error)
        if taken:
            message += f" It is marked {delivery.get_status_display().lower()}."
        update.delivery = delivery
        kind, details = _kind_of(error)
        return _refused(update, kind, message, **details)
    update.delivery = delivery
    return _applied(update, f"The delivery of order {number} is {delivery.get_status_display().lower()}.", steps=taken)


def _kind_of(error: DeliveryError) -> tuple[str, dict]:
    if isinstance(error, NotAllowed):
        return NOT_ALLOWED, {}
    if isinstance(error, ProofRefused):
        return PROOF_REFUSED, {} if error.tries_left is None else {"tries_left": error.tries_left}
    if isinstance(error, DoorPhotoError):
        return PHOTO_REFUSED, {}
    return DOES_NOT_FIT, {}


def _not_yours_any_more(delivery: Delivery) -> str:
    """What happened, for the rider whose phone still shows it: nothing about the order or who has it now."""
    if delivery.rider_id is None:
        return "This delivery was taken off your round; it is waiting for another rider."
    return "This delivery was reassigned to another rider."


def _steps(status: str, to) -> list:
    """The moves that take a delivery from status to the target: none if it is there or past it already."""
    if to in FORWARD and status in ROAD:
        return list(ROAD[ROAD.index(status) + 1 : ROAD.index(to) + 1])
    if to == status == DeliveryStatus.FAILED:
        return []
    return [to]  # the workflow decides (failing, the shop cancelling, or a status that is no move at all)


def _unreadable(changes: dict) -> str:
    """Why changes cannot be applied as they stand (a caller that skipped the form), or ""."""
    if not isinstance(changes, dict) or "to" not in changes:
        return "This update does not say what to change."
    unknown = sorted(str(name) for name in changes if name not in MOVE_FIELDS)
    if unknown:
        return f"This update carries fields the shop does not know: {', '.join(unknown)[:150]}."
    texts = [value for value in changes.values() if isinstance(value, str)]
    if any(len(text) > MAX_TEXT or "\x00" in text for text in texts):
        return f"This update's texts must be at most {MAX_TEXT} characters, without NUL characters."
    if not isinstance(changes.get("cash_collected"), Decimal | None):
        return "This update's cash is not an amount."
    if len(json.dumps(_recorded(changes))) > MAX_PAYLOAD:
        return "This update is too large."
    return ""


def _recorded(value):
    """The update as JSON can keep it (amounts and dates as text, a photo by its name and size), for the record
    and to tell a replay from a different update under the same key."""
    if isinstance(value, dict):
        return {str(name)[:MAX_TEXT]: _recorded(item) for name, item in list(value.items())[:50]}
    if isinstance(value, list | tuple):
        return [_recorded(item) for item in value[:50]]
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, File):
        return {"file": str(value.name)[:MAX_TEXT], "size": value.size}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str | Decimal | float | UUID):
        return str(value)[: MAX_TEXT * 4].replace("\x00", "\ufffd")
    return type(value).__name__
