"""The rider's cash handover page, through HTTP: their own day and history, nobody else's."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from delivery.models import DeliveryStatus, DeliveryZone
from delivery.rounds import round_acknowledge_variance, round_close, round_record_handover
from delivery.services import delivery_assign
from delivery.tests.factories import delivery_in, place_order_today, rider
from orders.tests.factories import customer_with_address
from payments.models import PaymentMethod

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zone_without_delivery_codes")]

CASH_PAGE = reverse("delivery:rider_cash")


@pytest.fixture
def ravi(client):
    user = rider(name="Ravi Kumar")
    client.force_login(user)
    return user


@pytest.fixture
def counter():
    return UserFactory(is_staff=True, name="Meena Staff")


def cod(status, name="Asha Rao"):
    """A ₹64 cash-on-delivery order for one of today's slots, moved to status by its rider."""
    return delivery_in(status, method=PaymentMethod.CASH, today=True, user=customer_with_address(name=name))


def page(client, day) -> str:
    response = client.get(CASH_PAGE, {"date": day.isoformat()})
    assert response.status_code == 200
    return response.content.decode()


def test_the_cash_page_is_for_riders_only(client):
    assert reverse("account_login") in client.get(CASH_PAGE)["Location"]

    client.force_login(customer_with_address())
    assert client.get(CASH_PAGE).status_code == 403

    client.force_login(UserFactory(is_staff=True))
    assert client.get(CASH_PAGE).status_code == 403


def test_the_rider_page_leads_to_the_days_cash_handover(client, ravi):
    day = cod(DeliveryStatus.DELIVERED).delivery_date

    rider_page = client.get(reverse("delivery:rider"), {"date": day.isoformat()}).content.decode()

    assert f'href="{CASH_PAGE}?date={day.isoformat()}"' in rider_page
    assert "Cash handover for" in rider_page


def test_the_rider_sees_cash_collected_against_cash_due_per_order_and_waits_to_be_counted(client, ravi):
    delivered = cod(DeliveryStatus.DELIVERED, name="Asha Rao")
    failed = cod(DeliveryStatus.FAILED, name="Bala Iyer")
    on_the_way = cod(DeliveryStatus.IN_TRANSIT, name="Chitra Das")
    day = delivered.delivery_date

    html = page(client, day)

    assert "Hand over <strong>₹64.00</strong>" in html
    assert "Cash due ₹128.00 · collected ₹64.00" in html
    assert "Waiting to be counted." in html
    assert "1 delivery still to finish, ₹64.00 cash still to collect." in html
    for delivery, name in ((delivered, "Asha Rao"), (failed, "Bala Iyer"), (on_the_way, "Chitra Das")):
        assert delivery.order.number in html and name in html
    assert "Customer not available" in html  # why the failed one is due nothing
    assert '<td class="number">₹128.00</td><td class="number">₹64.00</td>' in html  # the totals row


def test_the_rider_sees_the_count_its_variance_and_note_then_the_close(client, ravi, counter):
    day = cod(DeliveryStatus.DELIVERED).delivery_date
    short = round_record_handover(rider=ravi, day=day, amount=Decimal("44"), note="Lost a ₹20 note", by=counter)

    counted = page(client, day)

    assert "Counted: ₹44.00</strong>" in counted
    assert "Variance: <strong>₹20.00 short</strong>, with the note “Lost a ₹20 note”." in counted
    assert "Waiting for the shop to acknowledge it." in counted

    round_acknowledge_variance(round=short, by=counter)
    assert "Acknowledged by the shop." in page(client, day)

    round_close(round=short, by=counter)
    closed = page(client, day)
    assert "<strong>Closed</strong>" in closed
    assert "Counted ₹44.00: ₹20.00 short." in closed


def test_the_history_shows_the_riders_last_30_days_with_their_variances(client, ravi, counter):
    day = cod(DeliveryStatus.DELIVERED).delivery_date
    round_record_handover(rider=ravi, day=day, amount=Decimal("70"), note="Tip from a customer", by=counter)

    html = page(client, day)
    history = html.split('id="cash-history-heading"')[1]

    assert f'href="{CASH_PAGE}?date={day.isoformat()}" aria-current="page"' in history
    assert "₹6.00 over" in history and "Tip from a customer" in history and "Counted" in history


def test_another_rider_sees_only_their_own_cash_never_ravis(client, ravi, counter):
    mine = cod(DeliveryStatus.DELIVERED, name="Asha Rao")
    day = mine.delivery_date
    round_record_handover(rider=ravi, day=day, amount=Decimal("60"), note="Ravi's secret shortfall", by=counter)
    suresh = rider(zone=DeliveryZone.objects.create(name="Elsewhere", pincodes="560099"), name="Suresh Gowda")
    his = place_order_today(user=customer_with_address(name="Zoya Khan")).delivery
    delivery_assign(delivery=his, rider=suresh)

    client.force_login(suresh)
    html = page(client, day)

    assert mine.order.number not in html and "Asha Rao" not in html
    assert "Ravi's secret shortfall" not in html and "₹60.00" not in html
    assert his.order.number in html and "Zoya Khan" in html
    assert "Hand over <strong>₹0.00</strong>" in html


def test_a_day_without_cash_orders_says_so(client, ravi):
    html = page(client, delivery_in(DeliveryStatus.DELIVERED).delivery_date + timedelta(days=3))

    assert "No cash on delivery orders for you on" in html
    assert "Waiting to be counted." in html


def test_nonsense_dates_fall_back_to_today(client, ravi):
    for nonsense in ("yesterday", "0001-01-01", "2026-02-30"):
        assert client.get(CASH_PAGE, {"date": nonsense}).status_code == 200


def test_the_cash_page_only_reads(client, ravi):
    day = cod(DeliveryStatus.DELIVERED).delivery_date

    response = client.post(CASH_PAGE, {"date": day.isoformat(), "amount": "64"})

    assert response.status_code == 405
