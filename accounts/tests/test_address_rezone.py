"""A new PIN code for an address moves its live subscriptions to that code's zone, or is refused if not served."""

from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils.html import escape

from accounts.models import Address, User
from catalog.tests.admin_forms import change_page_as_posted
from delivery.models import DeliveryZone
from milkshop.tests.apiclient import ApiClient, error_of
from orders.tests.factories import customer_with_address, delivery_zone
from subscriptions.models import SubscriptionStatus
from subscriptions.services import subscription_transition
from subscriptions.tests.factories import subscribe

pytestmark = pytest.mark.django_db

SERVED_ELSEWHERE = "560102"
NOT_SERVED = "110001"
REFUSAL = (
    f"We don't deliver to {NOT_SERVED} yet, and your milk subscriptions come to this address. "
    "Keep a PIN code we serve, or cancel those subscriptions first."
)


@pytest.fixture
def hsr():
    return DeliveryZone.objects.create(name="HSR Layout", pincodes=SERVED_ELSEWHERE)


@dataclass
class Subscriber:
    user: User
    address: Address
    subscriptions: list

    @property
    def pk(self):
        return self.user.pk

    @property
    def email(self):
        return self.user.email


@pytest.fixture
def subscriber():
    """A customer in Koramangala whose address receives a daily and a paused subscription."""
    delivery_zone()
    user = customer_with_address()
    daily = subscribe(user=user)
    paused = subscribe(user=user)
    subscription_transition(subscription=paused, to=SubscriptionStatus.PAUSED)
    return Subscriber(user=user, address=user.addresses.get(), subscriptions=[daily, paused])


def zones_of(subscriber) -> set[str]:
    for subscription in subscriber.subscriptions:
        subscription.refresh_from_db()
    return {subscription.zone.name for subscription in subscriber.subscriptions}


def pincode_of(subscriber) -> str:
    subscriber.address.refresh_from_db()
    return subscriber.address.pincode


# The address page


def edit_address(client, subscriber, pincode):
    address = subscriber.address
    data = {
        "label": address.label,
        "line1": address.line1,
        "area": address.area,
        "city": address.city,
        "pincode": pincode,
        "make_default": "on",
    }
    client.force_login(subscriber.user)
    return client.post(reverse("accounts:address_update", args=[address.pk]), data)


def test_a_new_served_pin_code_on_the_page_moves_the_subscriptions(client, subscriber, hsr):
    response = edit_address(client, subscriber, SERVED_ELSEWHERE)

    assert response.status_code == 302
    assert pincode_of(subscriber) == SERVED_ELSEWHERE
    assert zones_of(subscriber) == {"HSR Layout"}


def test_an_unserved_pin_code_on_the_page_is_refused_on_the_form(client, subscriber):
    response = edit_address(client, subscriber, NOT_SERVED)

    assert response.status_code == 200
    assert escape(REFUSAL) in response.content.decode()
    assert pincode_of(subscriber) == "560034"
    assert zones_of(subscriber) == {"Koramangala"}


# The API


def patch_address(client, subscriber, pincode):
    api = ApiClient(client).login(subscriber.email)
    address = {"addressId": subscriber.address.pk, "line1": "2 MG Road", "area": "HSR", "city": "Bengaluru"}
    return api.patch("/user/profile", {"address": {**address, "pincode": pincode}})


def test_a_new_served_pin_code_through_the_api_moves_the_subscriptions(client, subscriber, hsr):
    response = patch_address(client, subscriber, SERVED_ELSEWHERE)

    assert response.status_code == 200
    assert response.json()["address"]["pincode"] == SERVED_ELSEWHERE
    assert zones_of(subscriber) == {"HSR Layout"}


def test_an_unserved_pin_code_through_the_api_is_400_and_changes_nothing(client, subscriber):
    response = patch_address(client, subscriber, NOT_SERVED)

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"address.pincode": [REFUSAL]}
    subscriber.address.refresh_from_db()
    assert (subscriber.address.pincode, subscriber.address.area) == ("560034", "Koramangala")
    assert zones_of(subscriber) == {"Koramangala"}


# The admin


def admin_change(client, url, field, pincode):
    shown = change_page_as_posted(client.get(url))
    return client.post(url, {**shown, field: pincode})


def address_url(subscriber):
    return reverse("admin:accounts_address_change", args=[subscriber.address.pk])


def test_a_new_served_pin_code_in_the_admin_moves_the_subscriptions(client, staff, subscriber, hsr):
    response = admin_change(client, address_url(subscriber), "pincode", SERVED_ELSEWHERE)

    assert response.status_code == 302
    assert pincode_of(subscriber) == SERVED_ELSEWHERE
    assert zones_of(subscriber) == {"HSR Layout"}


def test_an_unserved_pin_code_in_the_admin_is_a_form_error(client, staff, subscriber):
    response = admin_change(client, address_url(subscriber), "pincode", NOT_SERVED)

    assert response.status_code == 200
    assert REFUSAL in response.context["adminform"].form.errors["pincode"]
    assert pincode_of(subscriber) == "560034"
    assert zones_of(subscriber) == {"Koramangala"}


def user_url(subscriber):
    return reverse("admin:accounts_user_change", args=[subscriber.pk])


def test_a_new_served_pin_code_on_the_customers_admin_page_moves_the_subscriptions(client, staff, subscriber, hsr):
    response = admin_change(client, user_url(subscriber), "addresses-0-pincode", SERVED_ELSEWHERE)

    assert response.status_code == 302
    assert pincode_of(subscriber) == SERVED_ELSEWHERE
    assert zones_of(subscriber) == {"HSR Layout"}


def test_an_unserved_pin_code_on_the_customers_admin_page_is_a_form_error(client, staff, subscriber):
    response = admin_change(client, user_url(subscriber), "addresses-0-pincode", NOT_SERVED)

    assert response.status_code == 200
    assert escape(REFUSAL) in response.content.decode()
    assert pincode_of(subscriber) == "560034"
    assert zones_of(subscriber) == {"Koramangala"}


def test_cancelled_subscriptions_neither_move_nor_hold_an_address_back(client, subscriber):
    for subscription in subscriber.subscriptions:
        subscription_transition(subscription=subscription, to=SubscriptionStatus.CANCELLED)

    response = edit_address(client, subscriber, NOT_SERVED)

    assert response.status_code == 302
    assert pincode_of(subscriber) == NOT_SERVED
    assert zones_of(subscriber) == {"Koramangala"}
