"""The staff reports against a small shop whose figures were worked out by hand (below, beside each step).

The shop's life is replayed through its services at the times it happened (time-machine), so every created_at,
status history row and delivery date is the one the shop itself would have written.
"""

import csv
import io
import json
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import STAFF_GROUP
from accounts.tests.factories import UserFactory
from analytics.selectors import REPORT_KEYS, report_for
from catalog.tests.factories import ProductFactory
from delivery.models import DeliveryStatus, FailureReason
from delivery.tests.factories import rider
from orders.tests.factories import customer_with_address, fund_wallet, place_order
from orders.workflows import delivery_transition, order_cancel
from payments.models import PaymentMethod
from subscriptions.models import SubscriptionStatus
from subscriptions.services import subscription_transition
from subscriptions.tests.factories import subscribe

pytestmark = pytest.mark.django_db

IST = ZoneInfo("Asia/Kolkata")
START, END = date(2026, 3, 2), date(2026, 3, 4)
RANGE = {"start": "2026-03-02", "end": "2026-03-04"}
CASH, WALLET, CARD = PaymentMethod.CASH, PaymentMethod.WALLET, PaymentMethod.CARD


@pytest.fixture
def at(django_capture_on_commit_callbacks):
    """Do things at a moment of the shop's past; what they announce on commit happens then too."""

    @contextmanager
    def moment(day: int, hour: int, month: int = 3):
        with (
            time_machine.travel(datetime(2026, month, day, hour, 0, tzinfo=IST), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            yield

    return moment


def move(delivery, *steps, **fields):
    for step in steps:
        extra = fields if step == steps[-1] else {}
        if step == DeliveryStatus.DELIVERED:
            extra = {"proof_code": delivery.proof_code, **extra}  # the customer tells the rider
        delivery = delivery_transition(delivery=delivery, to=step, by=delivery.rider, **extra)
    return delivery


@pytest.fixture
def shop(at):
    """Orders are placed at 09:00–10:00, before the 22:00 cutoff, so each is delivered the next morning."""
    with at(25, 9, month=2):
        milk = ProductFactory(name="Cow Milk", unit="500 ml", price=Decimal("32.00"), stock=500, subscribable=True)
        paneer = ProductFactory(name="Paneer", unit="200 g", price=Decimal("90.00"), stock=500)
        curd = ProductFactory(name="Curd", unit="400 g", price=Decimal("40.00"), stock=500)

    with at(26, 9, month=2):
        a = customer_with_address(name="A")  # joined before the range
        b = customer_with_address(name="B")
        gone = subscribe(user=b, product=milk)  # cancelled before the range: in no figure
    with at(27, 9, month=2):
        place_order(user=a, lines=[(milk, 2)])  # placed before the range
        s1 = subscribe(user=a, product=milk)  # live at the start, active at the end
        s2 = subscribe(user=b, product=milk)  # live at the start (paused), cancelled in the range: churned
    with at(28, 9, month=2):
        subscription_transition(subscription=s2, to=SubscriptionStatus.PAUSED, by=b)
        subscription_transition(subscription=gone, to=SubscriptionStatus.CANCELLED, by=b)

    with at(2, 9):
        c = customer_with_address(name="C")  # new on the 2nd
        rider()  # a rider, not a customer
        fund_wallet(b, Decimal("1000.00"))
        o1 = place_order(user=a, lines=[(milk, 2)])  # ₹64, delivered: booked
        place_order(user=b, lines=[(paneer, 1)], method=WALLET)  # ₹90, confirmed: booked
        place_order(user=c, lines=[(milk, 3)], method=CARD)  # ₹96, awaiting payment: not booked
        s3 = subscribe(user=c, product=milk)  # new, paused at the end
    with at(3, 7):
        move(
            o1.delivery,
            DeliveryStatus.PICKED_UP,
            DeliveryStatus.IN_TRANSIT,
            DeliveryStatus.DELIVERED,
            cash_collected=Decimal("64.00"),
        )
    with at(3, 10):
        d = customer_with_address(name="D")  # new on the 3rd
        UserFactory(is_staff=True)  # staff, not a customer
        fund_wallet(d, Decimal("1000.00"))
        o4 = place_order(user=b, lines=[(curd, 1)])  # ₹40, cancelled by B
        o5 = place_order(user=d, lines=[(paneer, 2), (milk, 1)], method=WALLET)  # ₹212, delivery fails
        o6 = place_order(user=a, lines=[(milk, 1)])  # ₹32, out for delivery: booked
        o8 = place_order(user=c, lines=[(milk, 1)])  # ₹32, delivery fails
        order_cancel(order=o4, by=b, reason="Cancelled by the customer")
        subscription_transition(subscription=s2, to=SubscriptionStatus.CANCELLED, by=b)
        s4 = subscribe(user=d, product=milk)  # new, cancelled in the range
    with at(4, 7):
        move(o5.delivery, DeliveryStatus.FAILED, failure_reason=FailureReason.CUSTOMER_UNAVAILABLE)
        move(o6.delivery, DeliveryStatus.PICKED_UP, DeliveryStatus.IN_TRANSIT)
        move(
            o8.delivery, DeliveryStatus.PICKED_UP, DeliveryStatus.FAILED, failure_reason=FailureReason.ADDRESS_NOT_FOUND
        )
    with at(4, 9):
        o7 = place_order(user=c, lines=[(curd, 4)])  # ₹160, delivered on the 5th: booked, its delivery outside
        subscription_transition(subscription=s3, to=SubscriptionStatus.PAUSED, by=c)
        subscription_transition(subscription=s4, to=SubscriptionStatus.CANCELLED, by=d)
    with at(5, 7):
        move(
            o7.delivery,
            DeliveryStatus.PICKED_UP,
            DeliveryStatus.IN_TRANSIT,
            DeliveryStatus.DELIVERED,
            cash_collected=Decimal("160.00"),
        )
    with at(5, 9):
        e = customer_with_address(name="E")  # after the range
        place_order(user=e, lines=[(curd, 1)])
        subscribe(user=a, product=milk)  # after the range
    return s1


# Worked out by hand from the fixture.
ORDERS_PER_DAY = [
    {"day": date(2026, 3, 2), "orders": 3, "booked": 2, "revenue": Decimal("154.00")},  # 64 + 90
    {"day": date(2026, 3, 3), "orders": 4, "booked": 1, "revenue": Decimal("32.00")},
    {"day": date(2026, 3, 4), "orders": 1, "booked": 1, "revenue": Decimal("160.00")},
]
ORDERS_BY_STATUS = [
    {"status": "Awaiting payment", "orders": 1, "share": Decimal("12.5")},
    {"status": "Confirmed", "orders": 1, "share": Decimal("12.5")},
    {"status": "Packed", "orders": 0, "share": Decimal("0.0")},
    {"status": "Out for delivery", "orders": 1, "share": Decimal("12.5")},
    {"status": "Delivered", "orders": 2, "share": Decimal("25.0")},
    {"status": "Cancelled", "orders": 3, "share": Decimal("37.5")},
    {"status": "Returned", "orders": 0, "share": Decimal("0.0")},
]
TOP_PRODUCTS = [  # booked orders 1, 2, 6 and 7
    {"product": "Curd", "unit": "400 g", "quantity": 4, "revenue": Decimal("160.00")},
    {"product": "Cow Milk", "unit": "500 ml", "quantity": 3, "revenue": Decimal("96.00")},
    {"product": "Paneer", "unit": "200 g", "quantity": 1, "revenue": Decimal("90.00")},
]
SUBSCRIPTIONS = {
    "active": 1,
    "paused": 1,
    "new": 2,
    "cancelled": 2,
    "live_at_start": 2,
    "churned": 1,
    "churn": Decimal("50.0"),
}
DELIVERIES = {"scheduled": 6, "delivered": 1, "failed": 2, "cancelled": 1, "open": 2, "success_rate": Decimal("33.3")}
FAILURES = [
    {"reason": "Address not found", "deliveries": 1, "share": Decimal("50.0")},
    {"reason": "Customer not available", "deliveries": 1, "share": Decimal("50.0")},
    {"reason": "Other", "deliveries": 0, "share": Decimal("0.0")},
    {"reason": "Refused by the customer", "deliveries": 0, "share": Decimal("0.0")},
]
NEW_CUSTOMERS = [
    {"day": date(2026, 3, 2), "customers": 1},
    {"day": date(2026, 3, 3), "customers": 1},
    {"day": date(2026, 3, 4), "customers": 0},
]


def test_the_figures_match_the_hand_computed_shop(shop):
    report = report_for(start=START, end=END)

    assert report.tables["orders-per-day"].rows == ORDERS_PER_DAY
    assert report.tables["orders-by-status"].rows == ORDERS_BY_STATUS
    assert report.tables["top-products"].rows == TOP_PRODUCTS
    assert report.row("subscriptions") == SUBSCRIPTIONS
    assert report.row("deliveries") == DELIVERIES
    assert report.tables["delivery-failures"].rows == FAILURES
    assert report.tables["new-customers"].rows == NEW_CUSTOMERS
    assert report.totals == {
        "orders": 8,
        "revenue": Decimal("346.00"),
        "average_order": Decimal("86.50"),  # 346 ÷ 4 booked
        "new_customers": 2,
    }
    events = {row["event"]: row["events"] for row in report.tables["events"].rows}
    assert events["ORDER_PLACED"] == 8
    assert events["ORDER_CONFIRMED"] == 7  # all but the card order awaiting payment


def test_an_empty_range_reads_as_zeros_not_errors(shop):
    report = report_for(start=date(2025, 1, 1), end=date(2025, 1, 7))

    assert [row["orders"] for row in report.tables["orders-per-day"].rows] == [0] * 7
    assert report.row("deliveries")["success_rate"] is None
    assert report.row("subscriptions")["churn"] is None
    assert report.totals["average_order"] is None


# The page and its exports


class TableCells(HTMLParser):
    """Reads every <table id="table-…"> of a page: its rows of data-value attributes."""

    def __init__(self):
        super().__init__()
        self.tables, self.current = {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and (attrs.get("id") or "").startswith("table-"):
            self.current = self.tables.setdefault(attrs["id"].removeprefix("table-"), [])
        elif tag == "tr" and self.current is not None:
            self.current.append([])
        elif tag == "td" and self.current is not None:
            self.current[-1].append(attrs["data-value"])

    def handle_endtag(self, tag):
        if tag == "table":
            self.current = None


@pytest.fixture
def staff(client):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=STAFF_GROUP))
    client.force_login(user)
    return user


def page_tables(client) -> dict[str, list[list[str]]]:
    parser = TableCells()
    parser.feed(client.get(reverse("analytics:reports"), RANGE).content.decode())
    return {key: [row for row in rows if row] for key, rows in parser.tables.items()}


def test_the_page_shows_the_figures(client, shop, staff):
    page = client.get(reverse("analytics:reports"), RANGE).content.decode()

    assert "Mon 2 Mar 2026 – Wed 4 Mar 2026 · 3 days" in page
    for tile in ["<dd>8</dd>", "<dd>₹346.00</dd>", "<dd>₹86.50</dd>", "<dd>33.3%</dd>", "<dd>50.0%</dd>"]:
        assert tile in page
    assert '<td data-value="2026-03-02">Mon 2 Mar</td>' in page
    assert '<td data-value="154.00" class="number">₹154.00</td>' in page
    assert page.count("<svg ") == 8
    assert "<title>Mon 2 Mar: 3 orders</title>" in page
    assert "Curd (400 g): 4" in page  # the products chart, told to screen readers
    assert " style=" not in page  # the CSP allows no inline style: SVG is drawn with attributes and classes


def test_each_csv_and_json_export_holds_what_the_page_shows(client, shop, staff):
    tables = page_tables(client)
    assert sorted(tables) == sorted(REPORT_KEYS)

    everything = json.loads(client.get(reverse("analytics:export", args=["all", "json"]), RANGE).content)
    assert (everything["start"], everything["end"]) == ("2026-03-02", "2026-03-04")
    assert [table["key"] for table in everything["reports"]] == REPORT_KEYS
    for key in REPORT_KEYS:
        response = client.get(reverse("analytics:export", args=[key, "csv"]), RANGE)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == f'attachment; filename="milkshop-{key}-2026-03-02-2026-03-04.csv"'
        header, *rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows == tables[key], key

        data = json.loads(client.get(reverse("analytics:export", args=[key, "json"]), RANGE).content)
        [table] = data["reports"]
        assert [column["label"] for column in table["columns"]] == header
        as_text = [["" if value is None else str(value) for value in row.values()] for row in table["rows"]]
        assert as_text == tables[key], key
        assert table in everything["reports"]


def test_json_keeps_exact_types(client, shop, staff):
    data = json.loads(client.get(reverse("analytics:export", args=["orders-per-day", "json"]), RANGE).content)

    assert data["reports"][0]["rows"][0] == {"day": "2026-03-02", "orders": 3, "booked": 2, "revenue": "154.00"}
    assert data["reports"][0]["columns"][3] == {"key": "revenue", "label": "Revenue", "type": "money"}


def test_a_product_name_that_looks_like_a_formula_is_exported_as_text(
    client, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        place_order(lines=[(ProductFactory(name='=HYPERLINK("x")'), 1)])

    response = client.get(reverse("analytics:export", args=["top-products", "csv"]))

    assert "'=HYPERLINK" in response.content.decode()


def test_htmx_swaps_only_the_report(client, shop, staff):
    response = client.get(reverse("analytics:reports"), RANGE, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="report"')
    assert "<html" not in body


def test_a_bad_range_falls_back_to_the_last_30_days_and_says_why(client, staff):
    page = client.get(reverse("analytics:reports"), {"start": "2026-03-04", "end": "2026-03-02"}).content.decode()

    assert "The first day comes after the last one." in page
    assert "· 30 days" in page

    page = client.get(reverse("analytics:reports"), {"start": "0001-01-01", "end": "9999-12-31"}).content.decode()
    assert "Pick days between 2000 and next year." in page
    response = client.get(
        reverse("analytics:export", args=["orders-per-day", "csv"]), {"start": "2026-01-01", "end": "nonsense"}
    )
    assert len(response.content.decode().splitlines()) == 31  # the header, then the last 30 days


class TestAccess:
    urls = [
        reverse("analytics:reports"),
        reverse("analytics:export", args=["orders-per-day", "csv"]),
        reverse("analytics:export", args=["all", "json"]),
        reverse("analytics:daily_report_file", args=["2026-03-02", "report.json"]),
    ]

    def test_visitors_are_sent_to_log_in(self, client):
        for url in self.urls:
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("account_login"))

    def test_customers_and_riders_are_refused(self, client):
        for user in [customer_with_address(), rider()]:
            client.force_login(user)
            for url in self.urls:
                assert client.get(url).status_code == 403, url

    def test_unknown_reports_are_not_found(self, client, staff):
        assert (
            client.get(
                reverse("analytics:export", args=["orders-per-day", "csv"]).replace("orders-per-day", "nope")
            ).status_code
            == 404
        )
        assert client.get(reverse("analytics:export", args=["all", "json"]).replace("json", "csv")).status_code == 404
