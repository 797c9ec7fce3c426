from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.models import STAFF_GROUP
from accounts.tests.factories import UserFactory
from delivery.slots import DeliverySlot
from orders.tests.factories import customer_with_address, delivery_zone, fund_wallet
from subscriptions.models import QuantityChange, SkippedDate, Subscription, SubscriptionStatus, Vacation
from subscriptions.services import first_changeable_date
from subscriptions.tests.factories import milk, subscribe

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def customer(client):
    delivery_zone()
    user = customer_with_address()
    client.force_login(user)
    return user


def subscribe_data(customer, **overrides):
    data = {
        "qty": "2",
        "frequency": "DAILY",
        "start_date": first_changeable_date("MORNING").isoformat(),
        "slot": "MORNING",
        "address": str(customer.addresses.get(is_default=True).pk),
        "payment_method": "WALLET",
    }
    data.update(overrides)
    return data


def day_url(subscription, day):
    return reverse("subscriptions:day", args=[subscription.pk, day.isoformat()])


def test_subscribing_from_the_product_page(client, customer):
    product = milk(slug="cow-milk-1-l")
    assert reverse("subscriptions:new", args=[product.slug]) in client.get(product.get_absolute_url()).content.decode()

    response = client.post(reverse("subscriptions:new", args=[product.slug]), subscribe_data(customer))

    subscription = Subscription.objects.get()
    assert response["Location"] == f"{reverse('subscriptions:list')}#subscription-{subscription.pk}"
    assert (subscription.user, subscription.qty, subscription.status) == (customer, 2, SubscriptionStatus.ACTIVE)


def test_weekly_without_weekdays_is_explained(client, customer):
    product = milk()

    response = client.post(
        reverse("subscriptions:new", args=[product.slug]), subscribe_data(customer, frequency="WEEKLY")
    )

    assert "Choose at least one weekday" in response.content.decode()
    assert not Subscription.objects.exists()


def test_the_live_preview_shows_next_deliveries_and_the_monthly_cost(client, customer):
    product = milk(price=Decimal("30.00"))
    data = subscribe_data(customer, frequency="WEEKLY", weekdays=["0", "3"])

    response = client.get(reverse("subscriptions:preview", args=[product.slug]), data, **HTMX)

    page = response.content.decode()
    assert page.strip().startswith('<aside id="preview"')
    assert page.count("<li>") == 7
    assert "2 × Cow Milk" in page
    start = first_changeable_date("MORNING")
    deliveries = sum(1 for n in range(30) if (start + timedelta(days=n)).weekday() in (0, 3))
    assert f"₹{deliveries * 60}.00" in page


def test_a_product_not_sold_by_subscription_has_no_subscribe_page(client, customer):
    product = milk(subscribable=False)

    assert client.get(reverse("subscriptions:new", args=[product.slug])).status_code == 404


def test_my_subscriptions_show_status_next_delivery_and_calendar(client, customer):
    subscription = subscribe(user=customer, qty=2)

    page = client.get(reverse("subscriptions:list")).content.decode()

    assert f'id="subscription-{subscription.pk}"' in page
    assert "Next delivery:" in page
    assert page.count('class="calendar-day') == 30


def test_wallet_warning_when_the_next_three_days_are_not_covered(client, customer):
    fund_wallet(customer, Decimal("20.00"))
    subscription = subscribe(user=customer, product=milk(price=Decimal("32.00")))
    tomorrow = timezone.localdate() + timedelta(days=1)
    due_days = sum(1 for n in range(3) if tomorrow + timedelta(days=n) >= subscription.start_date)

    page = client.get(reverse("subscriptions:list")).content.decode()

    assert f"the next 3 days of deliveries need ₹{32 * due_days}.00" in page


def test_pause_resume_and_cancel_over_htmx(client, customer):
    subscription = subscribe(user=customer)
    url = reverse("subscriptions:status", args=[subscription.pk])

    paused = client.post(url, {"action": "pause"}, **HTMX)
    assert "Paused." in paused.content.decode()
    assert (
        paused.content.decode()
        .lstrip()
        .startswith(f'<article class="subscription-card" id="subscription-{subscription.pk}"')
    )
    client.post(url, {"action": "resume"}, **HTMX)
    client.post(url, {"action": "cancel"})

    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELLED
    assert list(subscription.history.values_list("to_status", flat=True)) == ["ACTIVE", "PAUSED", "ACTIVE", "CANCELLED"]


def test_an_illegal_status_move_comes_back_as_a_message(client, customer):
    subscription = subscribe(user=customer)

    response = client.post(reverse("subscriptions:status", args=[subscription.pk]), {"action": "resume"}, **HTMX)

    assert response.status_code == 422
    assert "cannot be active" in response.content.decode()


def test_skip_unskip_and_change_a_day(client, customer):
    subscription = subscribe(user=customer, qty=2)
    day = subscription.start_date + timedelta(days=1)

    client.post(day_url(subscription, day), {"action": "skip"}, **HTMX)
    assert SkippedDate.objects.filter(subscription=subscription, date=day).exists()
    client.post(day_url(subscription, day), {"action": "unskip"})
    assert not SkippedDate.objects.exists()
    response = client.post(day_url(subscription, day), {"action": "quantity", "qty": "0"}, **HTMX)
    assert QuantityChange.objects.get().qty == 0
    assert "0 × Cow Milk" in response.content.decode()


def test_a_change_after_the_cutoff_says_when_it_closed(client, customer):
    subscription = subscribe(user=customer, start_date=first_changeable_date("MORNING"))
    day = subscription.start_date

    with time_machine.travel(DeliverySlot(date=day, name="MORNING").cutoff + timedelta(minutes=5)):
        response = client.post(day_url(subscription, day), {"action": "skip"}, **HTMX)

    assert response.status_code == 422
    assert "closed at 22:00" in response.content.decode()


def test_a_bad_day_quantity_is_refused(client, customer):
    subscription = subscribe(user=customer)

    response = client.post(day_url(subscription, subscription.start_date), {"action": "quantity", "qty": "-1"}, **HTMX)

    assert response.status_code == 422
    assert not QuantityChange.objects.exists()


def test_vacation_set_and_ended_early_without_javascript(client, customer):
    subscription = subscribe(user=customer)
    start = subscription.start_date + timedelta(days=3)

    response = client.post(
        reverse("subscriptions:vacation", args=[subscription.pk]),
        {"start": start.isoformat(), "end": (start + timedelta(days=9)).isoformat()},
        follow=True,
    )
    assert "Vacation set" in response.content.decode()
    vacation = Vacation.objects.get()

    client.post(
        reverse("subscriptions:vacation_end", args=[subscription.pk, vacation.pk]),
        {"last_day": (start + timedelta(days=2)).isoformat()},
    )
    vacation.refresh_from_db()
    assert vacation.end_date == start + timedelta(days=2)


def test_a_backwards_vacation_is_refused(client, customer):
    subscription = subscribe(user=customer)
    start = subscription.start_date + timedelta(days=3)

    response = client.post(
        reverse("subscriptions:vacation", args=[subscription.pk]),
        {"start": start.isoformat(), "end": (start - timedelta(days=1)).isoformat()},
        **HTMX,
    )

    assert response.status_code == 422
    assert "on or after the first" in response.content.decode()
    assert not Vacation.objects.exists()


def test_another_customers_subscription_is_404_on_every_page_and_action(client, customer):
    theirs = subscribe()
    day = theirs.start_date
    vacation = Vacation.objects.create(
        subscription=theirs, start_date=day + timedelta(days=5), end_date=day + timedelta(days=8)
    )
    posts = [
        (reverse("subscriptions:status", args=[theirs.pk]), {"action": "cancel"}),
        (day_url(theirs, day), {"action": "skip"}),
        (day_url(theirs, day), {"action": "quantity", "qty": "3"}),
        (reverse("subscriptions:vacation", args=[theirs.pk]), {"start": day.isoformat(), "end": day.isoformat()}),
        (reverse("subscriptions:vacation_end", args=[theirs.pk, vacation.pk]), {"last_day": day.isoformat()}),
    ]

    assert client.get(day_url(theirs, day)).status_code == 404
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    theirs.refresh_from_db()
    assert theirs.status == SubscriptionStatus.ACTIVE
    assert not SkippedDate.objects.exists() and not QuantityChange.objects.exists()
    assert Vacation.objects.get().end_date == day + timedelta(days=8)


def test_my_vacation_cannot_be_reached_through_another_subscription(client, customer):
    mine = subscribe(user=customer)
    theirs = subscribe()
    vacation = Vacation.objects.create(
        subscription=theirs,
        start_date=theirs.start_date + timedelta(days=5),
        end_date=theirs.start_date + timedelta(days=8),
    )

    response = client.post(
        reverse("subscriptions:vacation_end", args=[mine.pk, vacation.pk]), {"last_day": mine.start_date.isoformat()}
    )

    assert response.status_code == 404


@pytest.mark.parametrize("count", [2, 20])
def test_subscriptions_page_queries_do_not_grow(client, customer, django_assert_max_num_queries, count):
    for _ in range(count):
        subscribe(user=customer)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("subscriptions:list"))

    assert response.content.decode().count('class="subscription-card"') == count


def test_admin_preview_counts_tomorrows_deliveries_per_product(client):
    delivery_zone()
    cow, curd = milk(name="Cow Milk"), milk(name="Fresh Curd", unit="400 g")
    first = subscribe(product=cow, qty=2)
    subscribe(product=cow, qty=1)
    subscribe(product=curd, qty=3)
    staff = UserFactory(is_staff=True)
    staff.groups.add(Group.objects.get(name=STAFF_GROUP))
    client.force_login(staff)

    response = client.get(reverse("admin:subscriptions_subscription_preview"), {"date": first.start_date.isoformat()})

    rows = dict(response.context["rows"])
    assert rows == {("Cow Milk", "500 ml"): 3, ("Fresh Curd", "400 g"): 3}
    assert response.context["deliveries"] == 3


def test_admin_actions_pause_through_the_service(client):
    subscription = subscribe()
    staff = UserFactory(is_staff=True)
    staff.groups.add(Group.objects.get(name=STAFF_GROUP))
    client.force_login(staff)

    client.post(
        reverse("admin:subscriptions_subscription_changelist"),
        {"action": "pause", "_selected_action": [subscription.pk]},
    )

    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PAUSED
    assert subscription.history.last().changed_by == staff
