"""Staff set each delivery date's supply of a perishable, and see what subscriptions and orders took of it."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import DailySupply, MovementKind, StockMovement
from orders.tests.factories import customer_with_address, fund_wallet, place_order
from subscriptions.generation import generate_subscription_orders
from subscriptions.tests.factories import milk, subscribe

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:catalog_dailysupply_changelist")
ADD = reverse("admin:catalog_dailysupply_add")


def change_url(supply):
    return reverse("admin:catalog_dailysupply_change", args=[supply.pk])


def shown(response) -> str:
    return response.content.decode() + " ".join(str(message) for message in response.context["messages"])


def supply_of(product, day) -> DailySupply:
    return DailySupply.objects.get(product=product, date=day)


@pytest.fixture
def fresh():
    return milk(name="Fresh Milk", perishable=True, daily_supply=10)


def test_staff_raise_a_dates_supply_on_its_change_page(client, staff, fresh):
    order = place_order(lines=[(fresh, 4)])
    supply = supply_of(fresh, order.delivery_date)

    response = client.post(change_url(supply), {"supply": "25", "_save": "Save"}, follow=True)

    assert response.status_code == 200
    supply.refresh_from_db()
    assert (supply.supply, supply.ordered, supply.left) == (25, 4, 21)
    assert StockMovement.objects.filter(product=fresh, date=supply.date, kind=MovementKind.COUNTED).get().by == staff


def test_a_supply_below_what_is_committed_is_refused_with_a_clear_message(client, staff, fresh):
    order = place_order(lines=[(fresh, 4)])
    supply = supply_of(fresh, order.delivery_date)

    response = client.post(change_url(supply), {"supply": "3", "_save": "Save"}, follow=True)

    page = shown(response)
    assert "4 of Fresh Milk are already ordered for" in page
    assert "the supply cannot be less" in page
    assert "changed successfully" not in page
    supply.refresh_from_db()
    assert (supply.supply, supply.left) == (10, 6)


def test_staff_add_a_supply_for_a_date_not_yet_sold(client, staff, fresh):
    day = place_order(lines=[(fresh, 1)]).delivery_date + timedelta(days=3)

    client.post(ADD, {"product": fresh.pk, "date": day.isoformat(), "supply": "40", "_save": "Save"})

    assert (supply_of(fresh, day).supply, supply_of(fresh, day).left) == (40, 40)


def test_adding_a_date_that_has_a_supply_changes_it_never_below_what_is_ordered(client, staff, fresh):
    day = place_order(lines=[(fresh, 6)]).delivery_date

    client.post(ADD, {"product": fresh.pk, "date": day.isoformat(), "supply": "15", "_save": "Save"})
    refused = client.post(ADD, {"product": fresh.pk, "date": day.isoformat(), "supply": "5"}, follow=True)

    assert DailySupply.objects.filter(product=fresh, date=day).count() == 1
    assert supply_of(fresh, day).supply == 15
    assert "the supply cannot be less" in shown(refused)


def test_a_packaged_product_has_no_daily_supply(client, staff):
    ghee = milk(name="Desi Ghee")

    response = client.post(ADD, {"product": ghee.pk, "date": "2030-01-01", "supply": "5"})

    assert "is packaged: record received, wasted or counted stock instead." in response.content.decode()
    assert not DailySupply.objects.exists()


def cells(page: str, supply: DailySupply) -> dict[str, str]:
    """The changelist row of one supply: each column's text by its field name."""
    row = next(row for row in re.findall(r"<tr.*?</tr>", page, re.S) if change_url(supply) in row)
    found = re.findall(r'<t[dh] class="field-(\w+)[^"]*">(.*?)</t[dh]>', row, re.S)
    return {name: re.sub(r"<[^>]+>", "", text).strip() for name, text in found}


def test_the_list_shows_supply_subscribed_ordered_left_and_the_nightly_shortfall(client, staff):
    fresh = milk(name="Fresh Milk", perishable=True, daily_supply=5)
    first, second = customer_with_address(), customer_with_address()
    for customer in (first, second):
        fund_wallet(customer, Decimal("500.00"))
    day = subscribe(user=first, product=fresh, qty=2).start_date
    subscribe(user=second, product=fresh, qty=3)
    place_order(lines=[(fresh, 1)])
    generate_subscription_orders(day=day)

    row = cells(client.get(CHANGELIST).content.decode(), supply_of(fresh, day))

    assert {name: row[name] for name in ("supply", "subscribed", "ordered", "left", "shortfall")} == {
        "supply": "5",
        "subscribed": "2",
        "ordered": "1",
        "left": "2",
        "shortfall": "1",
    }


def test_a_date_the_nightly_run_fully_served_shows_no_shortfall(client, staff, fresh):
    customer = customer_with_address()
    fund_wallet(customer, Decimal("500.00"))
    day = subscribe(user=customer, product=fresh, qty=2).start_date
    generate_subscription_orders(day=day)

    row = cells(client.get(CHANGELIST).content.decode(), supply_of(fresh, day))

    assert (row["subscribed"], row["left"], row["shortfall"]) == ("2", "8", "—")
