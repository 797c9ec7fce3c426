"""Every way a delivery is moved on, each driven as its users drive it, and each asserting the move was accepted.

A door is called door(client, staff, delivery, to, **fields), fields being the move's extras by their form names
(failure_reason, cash_collected, note). Riders make the road's moves; staff cancel, and use the admin.
"""

from django.urls import reverse

from delivery.models import Delivery, DeliveryStatus
from milkshop.tests.apiclient import ApiClient
from orders.workflows import delivery_transition

# DESIGN §4: what a rider does from the road.
RIDER_MOVES = {DeliveryStatus.PICKED_UP, DeliveryStatus.IN_TRANSIT, DeliveryStatus.DELIVERED, DeliveryStatus.FAILED}

ADMIN_ACTIONS = {
    DeliveryStatus.PICKED_UP: "mark_picked_up",
    DeliveryStatus.IN_TRANSIT: "mark_in_transit",
    DeliveryStatus.DELIVERED: "mark_delivered",
    DeliveryStatus.FAILED: "mark_failed",
    DeliveryStatus.CANCELLED: "cancel",
}
API_FIELDS = {
    "failure_reason": "failureReason",
    "cash_collected": "cashCollected",
    "note": "note",
    "proof_code": "proofCode",
}


def mover(delivery: Delivery, to: str, staff):
    """Who makes a move: the delivery's rider on the road, staff for the rest."""
    return delivery.rider if to in RIDER_MOVES else staff


def at_the_door(delivery: Delivery, to: str, fields: dict) -> dict:
    """A rider handing an order over gives the delivery code the customer tells them (staff need none)."""
    return {"proof_code": delivery.proof_code, **fields} if to == DeliveryStatus.DELIVERED else fields


def workflow(client, staff, delivery: Delivery, to: str, **fields) -> None:
    delivery_transition(delivery=delivery, to=to, by=mover(delivery, to, staff), **at_the_door(delivery, to, fields))


def rider_page(client, staff, delivery: Delivery, to: str, **fields) -> None:
    client.force_login(delivery.rider)
    url = reverse("delivery:rider_move", args=[delivery.pk])
    response = client.post(url, {"to": to, **at_the_door(delivery, to, fields)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.content.decode()


def api(client, staff, delivery: Delivery, to: str, **fields) -> None:
    caller = ApiClient(client).login(mover(delivery, to, staff).email)
    fields = at_the_door(delivery, to, fields)
    body = {"deliveryId": delivery.pk, "status": to, **{API_FIELDS[name]: str(value) for name, value in fields.items()}}
    response = caller.patch("/delivery/update", body)
    assert response.status_code == 200, response.content


def admin(client, staff, delivery: Delivery, to: str, **fields) -> None:
    client.force_login(staff)
    data = {"action": ADMIN_ACTIONS[to], "_selected_action": [delivery.pk], **fields}
    response = client.post(reverse("admin:delivery_delivery_changelist"), data, follow=True)
    said = [str(message) for message in response.context["messages"]]
    assert any(message.startswith("1 delivery") for message in said), said


ROAD_DOORS = [workflow, rider_page, api, admin]
CANCEL_DOORS = [workflow, api, admin]
