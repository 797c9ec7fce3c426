"""Every event of DESIGN.md §5 lands in the analytics log, written by a task after the change committed."""

import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from accounts.models import STAFF_GROUP
from accounts.services import user_create
from accounts.tests.factories import UserFactory
from analytics import tasks
from analytics.models import AnalyticsEvent, EventType
from analytics.selectors import REPORT_KEYS
from catalog.models import Product
from catalog.tests.factories import ProductFactory
from delivery.models import DeliveryStatus
from delivery.tests.factories import delivery_in
from orders.tests.factories import customer_with_address, fund_wallet, place_order
from orders.workflows import order_cancel, payment_declined
from payments.models import PaymentMethod
from subscriptions.generation import generate_subscription_orders
from subscriptions.models import SubscriptionStatus
from subscriptions.services import subscription_transition
from subscriptions.tests.factories import milk, subscribe

pytestmark = pytest.mark.django_db


def recorded(event_type: str):
    return AnalyticsEvent.objects.filter(event_type=event_type)


def test_every_event_type_of_the_design_is_recorded(django_capture_on_commit_callbacks, client):
    run = django_capture_on_commit_callbacks
    with run(execute=True):
        user = user_create(email="new@example.in", password="x-long-password", name="New Customer")
    customer = customer_with_address()
    fund_wallet(customer, Decimal("40.00"))
    with run(execute=True):
        delivery_in(DeliveryStatus.IN_TRANSIT, user=customer, method=PaymentMethod.WALLET)  # placed, confirmed, paid
    with run(execute=True):
        order_cancel(order=place_order(user=customer), by=customer, reason="Changed my mind")  # refunded nothing: cash
    with run(execute=True):
        wallet_order = place_order(
            user=customer, method=PaymentMethod.WALLET, lines=[(ProductFactory(price=Decimal("10.00")), 1)]
        )
    with run(execute=True):
        order_cancel(order=wallet_order, by=customer, reason="Changed my mind")  # refunded to the wallet
    with run(execute=True):
        card = place_order(user=customer, method=PaymentMethod.CARD)
    with run(execute=True):
        payment_declined(payment_id=card.payments.get().pk, reason="Card declined")
    with run(execute=True):
        subscription = subscribe(user=customer, product=milk(price=Decimal("500.00")))
    with run(execute=True):
        subscription_transition(subscription=subscription, to=SubscriptionStatus.PAUSED, by=customer)
        subscription_transition(subscription=subscription, to=SubscriptionStatus.ACTIVE, by=customer)
    with run(execute=True):
        generate_subscription_orders(day=subscription.start_date)  # the wallet can't pay: skipped, and a warning
    with run(execute=True):
        subscription_transition(subscription=subscription, to=SubscriptionStatus.CANCELLED, by=customer)
    staff = UserFactory(is_staff=True)
    staff.groups.add(Group.objects.get(name=STAFF_GROUP))
    client.force_login(staff)
    product = Product.objects.first()
    client.post(
        reverse("admin:catalog_product_changelist"),
        {"action": "delete_selected", "_selected_action": [ProductFactory().pk], "post": "yes"},
    )
    LogEntry.objects.log_actions(staff.pk, [product], 2, "Changed price.", single_object=True)
    tasks.record_admin_actions()

    assert set(AnalyticsEvent.objects.values_list("event_type", flat=True)) == set(EventType.values)
    welcome = recorded(EventType.USER_REGISTERED).get()
    assert welcome.user == user
    skipped = recorded(EventType.SUBSCRIPTION_ORDER_SKIPPED).get()
    assert skipped.details == {
        "subscription_id": subscription.pk,
        "date": subscription.start_date.isoformat(),
        "reason": "LOW_BALANCE",
    }
    assert skipped.user == customer
    assert recorded(EventType.PAYMENT_FAILED).get().order == card
    assert recorded(EventType.SUBSCRIPTION_RESUMED).count() == 1
    # Picked up and on the way; then the two cancelled orders' deliveries, cancelled with them.
    assert recorded(EventType.DELIVERY_UPDATED).count() == 4
    assert all(event.user == customer for event in recorded(EventType.ORDER_PLACED))


def test_admin_actions_are_copied_once_including_bulk_deletions(client):
    staff = UserFactory(is_staff=True)
    staff.groups.add(Group.objects.get(name=STAFF_GROUP))
    client.force_login(staff)
    # Never stocked, so deleting them deletes nothing else.
    doomed = [ProductFactory(name="Old ghee", stock=0), ProductFactory(name="Old curd", stock=0)]
    kept = ProductFactory(name="Fresh milk")
    client.post(
        reverse("admin:catalog_product_changelist"),
        {"action": "delete_selected", "_selected_action": [product.pk for product in doomed], "post": "yes"},
    )
    LogEntry.objects.log_actions(staff.pk, [kept], 2, [{"changed": {"fields": ["Price"]}}], single_object=True)

    assert tasks.record_admin_actions() == 3
    assert tasks.record_admin_actions() == 0  # a second run (or two at once) adds nothing

    actions = {event.details["object"]: event for event in recorded(EventType.ADMIN_ACTION)}
    assert {name: event.details["action"] for name, event in actions.items()} == {
        "Old ghee (500 ml)": "deleted",
        "Old curd (500 ml)": "deleted",
        "Fresh milk (500 ml)": "changed",
    }
    changed = actions["Fresh milk (500 ml)"]
    assert (changed.details["model"], changed.details["change"]) == ("catalog.product", "Changed Price.")
    assert changed.timestamp == LogEntry.objects.get(pk=changed.details["log_entry_id"]).action_time
    assert {event.user for event in actions.values()} == {staff}


def test_an_admin_change_to_an_order_is_linked_to_the_order(django_capture_on_commit_callbacks):
    staff = UserFactory(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()
    LogEntry.objects.log_actions(staff.pk, [order], 2, "Moved to packed.", single_object=True)

    tasks.record_admin_actions()

    assert recorded(EventType.ADMIN_ACTION).get().order == order


def test_the_daily_report_is_written_through_the_reports_storage(
    settings, tmp_path, django_capture_on_commit_callbacks, client
):
    settings.STORAGES = {
        **settings.STORAGES,
        "reports": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()
    day = timezone.localdate(order.created_at)

    written = tasks.write_daily_report(day.isoformat())
    again = tasks.write_daily_report(day.isoformat())  # replaces, never report_1.json beside it

    assert written == again
    folder = tmp_path / "daily" / day.isoformat()
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        ["report.json"] + [f"{key}.csv" for key in REPORT_KEYS]
    )
    assert '"orders": 1' in (folder / "report.json").read_text()
    assert storages["reports"].exists(f"daily/{day.isoformat()}/orders-per-day.csv")

    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    page = client.get(reverse("analytics:reports")).content.decode()
    assert f'href="/staff/reports/daily/{day.isoformat()}/report.json"' in page
    response = client.get(reverse("analytics:daily_report_file", args=[day.isoformat(), "orders-per-day.csv"]))
    assert response["Content-Disposition"] == f'attachment; filename="milkshop-{day.isoformat()}-orders-per-day.csv"'
    assert b"Orders placed" in b"".join(response.streaming_content)
    assert client.get(reverse("analytics:daily_report_file", args=["1999-01-01", "report.json"])).status_code == 404


def test_the_schedules_exist():
    schedules = dict(Schedule.objects.values_list("func", "schedule_type"))

    assert schedules["analytics.tasks.write_daily_report"] == Schedule.DAILY
    assert schedules["analytics.tasks.record_admin_actions"] == Schedule.MINUTES
    assert schedules["notifications.tasks.retry_notifications"] == Schedule.MINUTES


def test_reports_go_to_s3_when_a_bucket_is_set():
    """The storage is chosen at start-up; here in a fresh process with the variables a deployment would set."""
    command = (
        "from django.core.files.storage import storages; s = storages['reports']; "
        "print(type(s).__name__, s.bucket_name, s.location, s.default_acl, s.querystring_auth)"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("REPORTS_")}
    env.update(REPORTS_S3_BUCKET="milkshop-reports", AWS_S3_REGION_NAME="ap-south-1")
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", command],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.strip().splitlines()[-1] == "S3Storage milkshop-reports reports private True", result.stderr
