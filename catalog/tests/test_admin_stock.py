"""Staff record what came in, what was thrown away and what a count found, on the admin's stock movement page."""

import pytest
from django.db.models import Sum
from django.urls import reverse

from catalog.models import DailySupply, MovementKind, StockMovement, next_delivery_date
from catalog.tests.factories import ProductFactory
from orders.tests.factories import place_order
from orders.workflows import order_cancel

pytestmark = pytest.mark.django_db

ADD = reverse("admin:catalog_stockmovement_add")


def record(client, product, kind, units, *, day=None, note=""):
    data = {"product": product.pk, "date": day.isoformat() if day else "", "kind": kind, "units": units, "note": note}
    return client.post(ADD, data, follow=True)


def shown(response) -> str:
    return response.content.decode() + " ".join(str(message) for message in response.context["messages"])


def movements_total(product, day=None) -> int:
    return StockMovement.objects.filter(product=product, date=day).aggregate(total=Sum("quantity"))["total"] or 0


def test_goods_received_are_added_to_stock_and_say_who_recorded_them(client, staff):
    ghee = ProductFactory(name="Desi Ghee", stock=5)

    response = record(client, ghee, MovementKind.RECEIVED, 12, note="Morning van")

    assert response.status_code == 200
    assert "Desi Ghee: 17 left." in shown(response)
    ghee.refresh_from_db()
    assert ghee.stock == 17
    movement = StockMovement.objects.filter(product=ghee).first()
    assert (movement.kind, movement.quantity, movement.by, movement.note) == ("RECEIVED", 12, staff, "Morning van")


def test_a_count_records_the_difference_it_found(client, staff):
    ghee = ProductFactory(stock=20)
    place_order(lines=[(ghee, 2)])

    record(client, ghee, MovementKind.COUNTED, 15)

    ghee.refresh_from_db()
    assert ghee.stock == 15
    assert StockMovement.objects.filter(product=ghee).first().quantity == -3
    assert movements_total(ghee) == 15


def test_wasting_more_than_is_left_is_refused_with_a_message(client, staff):
    ghee = ProductFactory(name="Desi Ghee", stock=4)

    response = record(client, ghee, MovementKind.WASTED, 5)

    page = shown(response)
    assert "Desi Ghee has 4 left; it cannot go below nothing." in page
    assert "added successfully" not in page
    ghee.refresh_from_db()
    assert ghee.stock == 4
    assert not StockMovement.objects.filter(product=ghee, kind=MovementKind.WASTED).exists()


def test_a_perishable_is_recorded_against_its_delivery_date(client, staff):
    curd = ProductFactory(name="Fresh Curd", perishable=True, daily_supply=10)
    day = next_delivery_date()

    undated = record(client, curd, MovementKind.WASTED, 2)
    record(client, curd, MovementKind.WASTED, 2, day=day)

    assert "choose the delivery date" in shown(undated)
    supply = DailySupply.objects.get(product=curd, date=day)
    assert (supply.supply, supply.left) == (8, 8)
    assert movements_total(curd, day) == 8


def test_movements_add_up_to_stock_after_sales_cancellations_and_staff_records(client, staff):
    ghee = ProductFactory(stock=30)
    kept = place_order(lines=[(ghee, 4)])
    cancelled = place_order(lines=[(ghee, 3)])
    record(client, ghee, MovementKind.RECEIVED, 10)
    order_cancel(order=cancelled, by=staff, reason="Customer phoned")
    record(client, ghee, MovementKind.WASTED, 2)
    place_order(lines=[(ghee, 5)])
    record(client, ghee, MovementKind.COUNTED, 27)

    ghee.refresh_from_db()
    assert ghee.stock == 27
    assert movements_total(ghee) == 27
    assert StockMovement.objects.filter(product=ghee, order=kept).get().quantity == -4
    assert StockMovement.objects.filter(product=ghee, order=cancelled, kind=MovementKind.RETURNED).get().quantity == 3
