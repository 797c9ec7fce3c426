"""Cash handovers in the staff reports: per rider, collected against handed over, and every variance."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from analytics.selectors import report_for
from delivery.models import DeliveryStatus, DeliveryZone
from delivery.rounds import round_acknowledge_variance, round_record_handover
from delivery.services import delivery_assign
from delivery.tests.factories import delivery_in, rider
from orders.workflows import delivery_transition
from payments.models import PaymentMethod

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zone_without_delivery_codes")]


@pytest.fixture
def counted_day():
    """Ravi handed over ₹4 short (acknowledged by Meena); Suresh collected ₹64 that nobody has counted yet."""
    ravi = rider(name="Ravi Kumar")
    suresh = rider(zone=DeliveryZone.objects.create(name="Elsewhere", pincodes="560099"), name="Suresh Gowda")
    meena = UserFactory(is_staff=True, name="Meena Staff")
    mine = delivery_in(DeliveryStatus.DELIVERED, method=PaymentMethod.CASH)
    his = delivery_in(DeliveryStatus.ASSIGNED, method=PaymentMethod.CASH)
    delivery_assign(delivery=his, rider=suresh)
    for step in (DeliveryStatus.PICKED_UP, DeliveryStatus.IN_TRANSIT):
        delivery_transition(delivery=his, to=step, by=suresh)
    delivery_transition(delivery=his, to=DeliveryStatus.DELIVERED, by=suresh, cash_collected=Decimal("64.00"))
    day = mine.delivery_date
    short = round_record_handover(rider=ravi, day=day, amount=Decimal("60"), note="₹4 given as change", by=meena)
    round_acknowledge_variance(round=short, by=meena)
    return day


def test_the_report_has_each_riders_handovers_and_each_variance(counted_day):
    report = report_for(start=counted_day, end=counted_day)

    assert report.tables["cash-handovers"].rows == [
        {
            "rider": "Ravi Kumar",
            "rounds": 1,
            "collected": Decimal("64.00"),
            "handed_over": Decimal("60.00"),
            "variance": Decimal("-4.00"),
            "variances": 1,
            "not_counted": Decimal("0.00"),
        },
        {
            "rider": "Suresh Gowda",
            "rounds": 0,
            "collected": Decimal("0.00"),
            "handed_over": Decimal("0.00"),
            "variance": Decimal("0.00"),
            "variances": 0,
            "not_counted": Decimal("64.00"),
        },
    ]
    assert report.tables["cash-variances"].rows == [
        {
            "day": counted_day,
            "rider": "Ravi Kumar",
            "collected": Decimal("64.00"),
            "handed_over": Decimal("60.00"),
            "variance": Decimal("-4.00"),
            "note": "₹4 given as change",
            "acknowledged_by": "Meena Staff",
            "closed": "No",
        }
    ]


def test_the_reports_page_shows_the_cash_handovers_section(client, staff, counted_day):
    day = counted_day.isoformat()

    html = client.get(reverse("analytics:reports"), {"start": day, "end": day}).content.decode()

    assert "Cash handovers: collected, handed over, variances" in html
    section = html.split('id="cash-handovers"')[1]
    assert '<td data-value="-4.00" class="number">-₹4.00</td>' in section
    assert "₹4 given as change" in section and "Meena Staff" in section
    csv = client.get(reverse("analytics:export", args=["cash-variances", "csv"]), {"start": day, "end": day})
    assert "Ravi Kumar" in csv.content.decode()


def test_an_empty_range_has_no_handovers(counted_day):
    long_before = counted_day - timedelta(days=400)
    report = report_for(start=long_before, end=long_before)

    assert report.tables["cash-handovers"].rows == []
    assert report.tables["cash-variances"].rows == []
