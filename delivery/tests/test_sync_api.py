"""PATCH /api/delivery/update with an idempotencyKey: the phone app's updates applied once through delivery.sync,
sent again or late, with the same answers as the rider page."""

import uuid
from decimal import Decimal

import pytest

from delivery.models import DeliveryStatus, DeliveryZone, RiderUpdate, RiderUpdateOutcome
from delivery.services import delivery_assign
from delivery.tests.factories import books, delivery_in, rider
from milkshop.tests.apiclient import ApiClient, error_of
from orders.workflows import order_cancel
from payments.models import PaymentMethod

pytestmark = pytest.mark.django_db

S = DeliveryStatus


def elsewhere_rider():
    zone, _ = DeliveryZone.objects.get_or_create(name="Whitefield", defaults={"pincodes": "560066"})
    return rider(zone=zone)


def update(caller, delivery, status, key=None, **fields):
    body = {"deliveryId": delivery.pk, "status": status, "idempotencyKey": str(key or uuid.uuid4()), **fields}
    return caller.patch("/delivery/update", body)


@pytest.fixture
def ravi():
    return rider()


@pytest.fixture
def ravi_api(client, ravi):
    return ApiClient(client).login(ravi.email)


def test_an_update_sent_again_gets_the_same_answer_and_moves_once(ravi_api, ravi):
    delivery = delivery_in(S.ASSIGNED)
    key = uuid.uuid4()

    first = update(ravi_api, delivery, "PICKED_UP", key, madeAt="2026-05-04T05:40:00+05:30")
    after = books(delivery)
    again = update(ravi_api, delivery, "PICKED_UP", key, madeAt="2026-05-04T05:40:00+05:30")

    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json() == again.json()
    assert (first.json()["status"], first.json()["orderStatus"]) == ("PICKED_UP", "OUT_FOR_DELIVERY")
    assert books(delivery) == after
    stored = RiderUpdate.objects.get()
    assert (stored.key, stored.rider, stored.outcome) == (key, ravi, RiderUpdateOutcome.APPLIED)
    assert stored.made_at.isoformat() == "2026-05-04T00:10:00+00:00"


def test_updates_arriving_out_of_order_end_where_the_rider_left_the_delivery(ravi_api):
    delivery = delivery_in(S.ASSIGNED)

    delivered = update(ravi_api, delivery, "DELIVERED")
    picked_up = update(ravi_api, delivery, "PICKED_UP")

    assert (delivered.status_code, picked_up.status_code) == (200, 200)
    assert (delivered.json()["status"], delivered.json()["orderStatus"]) == ("DELIVERED", "DELIVERED")
    assert picked_up.json()["status"] == "DELIVERED"


def test_an_update_for_a_delivery_reassigned_meanwhile_is_not_found_and_recorded(ravi_api, staff):
    delivery = delivery_in(S.ASSIGNED)
    delivery_assign(delivery=delivery, rider=elsewhere_rider(), by=staff)
    before = books(delivery)

    response = update(ravi_api, delivery, "PICKED_UP")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert books(delivery) == before
    assert RiderUpdate.objects.get().message == "This delivery was reassigned to another rider."


def test_an_update_for_a_delivery_cancelled_meanwhile_is_refused_and_refused_again_when_resent(ravi_api, staff):
    delivery = delivery_in(S.ASSIGNED)
    order_cancel(order=delivery.order, by=staff, reason="Customer phoned")
    key = uuid.uuid4()

    first = update(ravi_api, delivery, "PICKED_UP", key)
    again = update(ravi_api, delivery, "PICKED_UP", key)

    for response in (first, again):
        assert response.status_code == 409
        assert error_of(response)["code"] == "delivery_refused"
        assert "cancelled" in error_of(response)["message"]
    assert RiderUpdate.objects.count() == 1


def test_another_riders_delivery_is_not_found_with_a_key_either(client):
    owner = rider()
    theirs = delivery_in(S.IN_TRANSIT)
    assert theirs.rider == owner
    before = books(theirs)
    other = ApiClient(client).login(elsewhere_rider().email)

    response = update(other, theirs, "DELIVERED")

    assert response.status_code == 404
    assert theirs.order.number not in response.content.decode()
    assert books(theirs) == before


def test_a_key_sent_again_by_another_rider_is_refused(client, ravi_api):
    mine = delivery_in(S.ASSIGNED)
    key = uuid.uuid4()
    update(ravi_api, mine, "PICKED_UP", key)
    other = elsewhere_rider()
    theirs = delivery_in(S.ASSIGNED)
    delivery_assign(delivery=theirs, rider=other)
    before = books(theirs)

    response = update(ApiClient(client).login(other.email), theirs, "PICKED_UP", key)

    assert response.status_code == 409
    assert error_of(response)["code"] == "idempotency_key_reused"
    assert books(theirs) == before


def test_a_rider_cancelling_under_a_key_is_forbidden(ravi_api):
    delivery = delivery_in(S.ASSIGNED)

    response = update(ravi_api, delivery, "CANCELLED", note="Gate locked")

    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert books(delivery)["delivery"][0] == S.ASSIGNED


def test_a_wrong_code_under_a_key_is_counted_once_however_often_it_is_sent(ravi_api):
    delivery = delivery_in(S.IN_TRANSIT, method=PaymentMethod.CASH)
    wrong = "0000" if delivery.proof_code != "0000" else "1111"
    key = uuid.uuid4()

    answers = [update(ravi_api, delivery, "DELIVERED", key, cashCollected="64.00", proofCode=wrong) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [409] * 3
    assert {error_of(answer)["code"] for answer in answers} == {"proof_refused"}
    assert len({answer.content for answer in answers}) == 1  # triesLeft included, as first said
    delivery.refresh_from_db()
    assert delivery.proof_attempts == 1


@pytest.mark.parametrize(
    "key, made_at",
    [("not-a-uuid", None), (str(uuid.uuid4()), "last tuesday"), ("", None)],
    ids=["bad key", "bad time", "empty key"],
)
def test_a_bad_key_or_time_is_bad_input(ravi_api, key, made_at):
    delivery = delivery_in(S.ASSIGNED)
    body = {"deliveryId": delivery.pk, "status": "PICKED_UP", "idempotencyKey": key}
    if made_at:
        body["madeAt"] = made_at

    response = ravi_api.patch("/delivery/update", body)

    assert response.status_code == 400
    assert books(delivery)["delivery"][0] == S.ASSIGNED
    assert RiderUpdate.objects.count() == 0


def test_staff_may_send_keyed_updates_for_any_delivery(client, staff):
    delivery = delivery_in(S.IN_TRANSIT, method=PaymentMethod.CASH)
    api = ApiClient(client).login(staff.email)
    key = uuid.uuid4()

    answers = [update(api, delivery, "DELIVERED", key, cashCollected="64.00") for _ in range(2)]

    assert [answer.status_code for answer in answers] == [200, 200]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.cash_collected) == (S.DELIVERED, Decimal("64.00"))
