"""Staff count riders' cash, acknowledge variances and close rounds from the admin, all through delivery.rounds."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from delivery.models import DeliveryStatus, DeliveryZone, RiderRound
from delivery.rounds import round_record_handover
from delivery.services import delivery_assign
from delivery.tests.factories import delivery_in, rider
from orders.tests.factories import customer_with_address
from orders.workflows import delivery_transition
from payments.models import PaymentMethod

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zone_without_delivery_codes")]

CHANGELIST = reverse("admin:delivery_riderround_changelist")
COUNT = reverse("admin:delivery_riderround_count")


@pytest.fixture
def ravi():
    return rider(name="Ravi Kumar")


def cod(status):
    return delivery_in(status, method=PaymentMethod.CASH)


def record(client, rider, day, amount, note=""):
    data = {"rider": rider.pk, "date": day.isoformat(), "cash_handed_over": amount, "note": note}
    return client.post(COUNT, data, follow=True)


def act(client, action: str, rounds):
    data = {"action": action, "_selected_action": [found.pk for found in rounds]}
    return client.post(CHANGELIST, data, follow=True)


def said(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_staff_see_todays_riders_and_their_cash_before_anyone_counts(client, staff, ravi):
    delivered = cod(DeliveryStatus.DELIVERED)
    cod(DeliveryStatus.PICKED_UP)
    day = delivered.delivery_date

    listing = client.get(COUNT, {"date": day.isoformat()}).content.decode()
    sheet = client.get(COUNT, {"date": day.isoformat(), "rider": ravi.pk}).content.decode()

    assert '<th scope="row">Ravi Kumar</th>' in listing
    assert "<td>₹64.00</td>" in listing and "Waiting to be counted" in listing
    assert f"?date={day.isoformat()}&amp;rider={ravi.pk}" in listing
    assert delivered.order.number in sheet and "Record the cash handed over" in sheet
    assert "1 delivery is not finished" in sheet
    assert f'href="{COUNT}"' in client.get(CHANGELIST).content.decode()  # the list leads to the count


def test_staff_record_an_exact_count_and_find_it_in_the_list(client, staff, ravi):
    day = cod(DeliveryStatus.DELIVERED).delivery_date

    response = record(client, ravi, day, "64.00")

    assert said(response) == ["Ravi Kumar: ₹64.00 counted, exact: the round can close once its deliveries are over."]
    counted = RiderRound.objects.get(rider=ravi, date=day)
    assert (counted.cash_handed_over, counted.variance, counted.counted_by) == (Decimal("64.00"), 0, staff)
    listing = client.get(CHANGELIST).content.decode()
    assert "Ravi Kumar" in listing and "₹64.00" in listing


def test_a_short_count_without_a_note_is_refused_on_the_form(client, staff, ravi):
    day = cod(DeliveryStatus.DELIVERED).delivery_date

    refused = record(client, ravi, day, "50")

    assert refused.status_code == 200
    assert "₹50.00 handed over against ₹64.00 collected: ₹14.00 short. Say what happened in the note." in (
        refused.content.decode()
    )
    assert not RiderRound.objects.exists()

    record(client, ravi, day, "50", note="₹14 given as change by mistake")
    assert RiderRound.objects.get().variance == Decimal("-14.00")


@pytest.mark.parametrize("amount", ["-5", "12.345", "lots", ""])
def test_an_amount_of_the_wrong_shape_is_a_form_error(client, staff, ravi, amount):
    day = cod(DeliveryStatus.DELIVERED).delivery_date

    response = record(client, ravi, day, amount, note="x")

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert not RiderRound.objects.exists()


def test_acknowledge_then_close_with_the_actions_reporting_every_refusal(client, staff, ravi):
    day = cod(DeliveryStatus.DELIVERED).delivery_date
    record(client, ravi, day, "60", note="₹4 short")
    short = RiderRound.objects.get()

    refused = act(client, "close_round", [short])
    assert any("is not acknowledged yet" in message for message in said(refused))

    acknowledged = act(client, "acknowledge_variance", [short])
    assert said(acknowledged) == ["1 round acknowledged."]
    again = act(client, "acknowledge_variance", [short])
    assert any("already acknowledged" in message for message in said(again))

    closed = act(client, "close_round", [short])
    assert said(closed) == ["1 round closed."]
    short.refresh_from_db()
    assert (short.variance_acknowledged_by, short.closed_by) == (staff, staff)


def test_close_is_refused_while_a_delivery_is_on_the_road(client, staff, ravi):
    day = cod(DeliveryStatus.DELIVERED).delivery_date
    waiting = cod(DeliveryStatus.IN_TRANSIT)
    record(client, ravi, day, "64")

    refused = act(client, "close_round", RiderRound.objects.all())

    assert any(f"1 delivery is not finished (order {waiting.order.number})" in message for message in said(refused))
    assert not RiderRound.objects.get().is_closed


def test_a_closed_round_cannot_be_counted_again_from_the_admin(client, staff, ravi):
    day = cod(DeliveryStatus.DELIVERED).delivery_date
    record(client, ravi, day, "64")
    act(client, "close_round", RiderRound.objects.all())

    change_page = client.get(reverse("admin:delivery_riderround_change", args=[RiderRound.objects.get().pk]))
    recount = record(client, ravi, day, "10", note="try")

    assert "Closed: the count stands." in change_page.content.decode()
    assert "is closed; it cannot change." in recount.content.decode()
    assert RiderRound.objects.get().cash_handed_over == Decimal("64.00")


def test_the_round_page_keeps_every_count(client, staff, ravi):
    day = cod(DeliveryStatus.DELIVERED).delivery_date
    record(client, ravi, day, "60", note="First count")
    record(client, ravi, day, "64", note="")

    found = RiderRound.objects.get()
    html = client.get(reverse("admin:delivery_riderround_change", args=[found.pk])).content.decode()

    assert "First count" in html and "Count again" in html
    assert found.counts.count() == 2
    assert client.get(reverse("admin:delivery_riderround_add")).status_code == 403
    assert client.post(reverse("admin:delivery_riderround_delete", args=[found.pk]), {"post": "yes"}).status_code == 403


def test_the_list_filters_by_date_rider_variance_and_closed(client, staff, ravi):
    suresh = rider(zone=DeliveryZone.objects.create(name="Elsewhere", pincodes="560099"), name="Suresh Gowda")
    mine = cod(DeliveryStatus.DELIVERED)
    his = delivery_in(DeliveryStatus.ASSIGNED, method=PaymentMethod.CASH, user=customer_with_address())
    delivery_assign(delivery=his, rider=suresh)
    for step in (DeliveryStatus.PICKED_UP, DeliveryStatus.IN_TRANSIT):
        delivery_transition(delivery=his, to=step, by=suresh)
    delivery_transition(delivery=his, to=DeliveryStatus.DELIVERED, by=suresh, cash_collected=Decimal("64.00"))
    day = mine.delivery_date
    record(client, ravi, day, "64")
    record(client, suresh, day, "60", note="₹4 short")

    def listed(**query) -> list[str]:
        return [found.rider.name for found in client.get(CHANGELIST, query).context["cl"].result_list]

    assert listed(variance="yes") == ["Suresh Gowda"]
    assert listed(variance="unacknowledged") == ["Suresh Gowda"]
    assert listed(variance="no") == ["Ravi Kumar"]
    assert listed(rider__id__exact=ravi.pk) == ["Ravi Kumar"]
    assert sorted(listed(closed="no")) == ["Ravi Kumar", "Suresh Gowda"]
    assert listed(closed="yes") == []
    page = client.get(CHANGELIST).content.decode()
    for heading in ["By date", "By rider", "By variance", "By closed"]:
        assert heading in page


def test_riders_reach_neither_the_count_nor_the_actions(client, ravi):
    day = cod(DeliveryStatus.DELIVERED).delivery_date
    staff_member = UserFactory(is_staff=True)
    round_record_handover(rider=ravi, day=day, amount=Decimal("60"), note="₹4 short", by=staff_member)
    found = RiderRound.objects.get()
    client.force_login(ravi)

    pages = [
        client.get(COUNT, {"date": day.isoformat(), "rider": ravi.pk}),
        client.post(COUNT, {"rider": ravi.pk, "date": day.isoformat(), "cash_handed_over": "64"}),
        client.post(CHANGELIST, {"action": "acknowledge_variance", "_selected_action": [found.pk]}),
        client.post(CHANGELIST, {"action": "close_round", "_selected_action": [found.pk]}),
    ]

    assert [response.status_code for response in pages] == [302] * 4
    assert all(response["Location"].startswith("/admin/login/") for response in pages)
    found.refresh_from_db()
    assert (found.cash_handed_over, found.is_acknowledged, found.is_closed) == (Decimal("60.00"), False, False)
    assert found.counts.count() == 1
