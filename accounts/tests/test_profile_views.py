import pytest
from django.urls import reverse

from accounts.models import Address
from accounts.tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}

ADDRESS = {
    "label": "Home",
    "line1": "Flat 4, Sai Residency",
    "line2": "",
    "area": "HSR Layout",
    "city": "Bengaluru",
    "pincode": "560102",
    "landmark": "Near the temple",
    "instructions": "Call on arrival",
}


@pytest.fixture
def customer(client):
    user = UserFactory(name="Anil Menon", phone="+919845000001")
    client.force_login(user)
    return user


def test_profile_requires_login(client):
    response = client.get(reverse("accounts:profile"))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_profile_shows_details_and_addresses(client, customer):
    AddressFactory(user=customer, line1="House 9, Lake Road")

    page = client.get(reverse("accounts:profile")).content.decode()

    assert "Anil Menon" in page
    assert "House 9, Lake Road" in page


def test_profile_edit_saves_name_and_normalised_phone(client, customer):
    response = client.post(reverse("accounts:profile"), {"name": "Anil K. Menon", "phone": "0 98450 22222"})

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.name == "Anil K. Menon"
    assert customer.phone == "+919845022222"


def test_profile_edit_over_htmx_returns_only_the_form(client, customer):
    response = client.post(reverse("accounts:profile"), {"name": "Anil", "phone": ""}, **HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Your details are saved." in page
    assert "<html" not in page
    customer.refresh_from_db()
    assert customer.phone == ""


def test_profile_edit_with_a_bad_phone_shows_the_error_and_keeps_the_old_one(client, customer):
    response = client.post(reverse("accounts:profile"), {"name": "Anil", "phone": "555-1234"}, **HTMX)

    assert response.status_code == 422
    assert "10-digit Indian mobile number" in response.content.decode()
    customer.refresh_from_db()
    assert customer.phone == "+919845000001"


def test_first_address_becomes_the_default(client, customer):
    response = client.post(reverse("accounts:address_create"), ADDRESS)

    assert response.status_code == 302
    address = Address.objects.get(user=customer)
    assert address.is_default
    assert address.landmark == "Near the temple"


def test_adding_an_address_over_htmx_returns_the_refreshed_list(client, customer):
    response = client.post(reverse("accounts:address_create"), ADDRESS, **HTMX)

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#addresses"
    page = response.content.decode()
    assert 'id="addresses"' in page
    assert "Flat 4, Sai Residency" in page
    assert "<html" not in page


@pytest.mark.parametrize("pincode", ["56010", "5601020", "060102", "56O102"])
def test_a_bad_pincode_is_refused_with_a_clear_message(client, customer, pincode):
    response = client.post(reverse("accounts:address_create"), {**ADDRESS, "pincode": pincode}, **HTMX)

    assert response.status_code == 422
    assert "6-digit PIN code" in response.content.decode()
    assert not Address.objects.exists()


def test_making_another_address_default_moves_the_flag(client, customer):
    first = AddressFactory(user=customer, is_default=True)
    second = AddressFactory(user=customer)

    client.post(reverse("accounts:address_make_default", args=[second.pk]))

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)


def test_editing_an_address_keeps_one_default(client, customer):
    first = AddressFactory(user=customer, is_default=True)
    second = AddressFactory(user=customer)

    client.post(reverse("accounts:address_update", args=[second.pk]), {**ADDRESS, "make_default": "on"})

    second.refresh_from_db()
    assert second.line1 == "Flat 4, Sai Residency"
    assert list(customer.addresses.filter(is_default=True)) == [second]
    first.refresh_from_db()
    assert not first.is_default


def test_deleting_the_default_address_promotes_the_next(client, customer):
    first = AddressFactory(user=customer, is_default=True)
    second = AddressFactory(user=customer)

    response = client.post(reverse("accounts:address_delete", args=[first.pk]), **HTMX)

    assert response.status_code == 200
    assert not Address.objects.filter(pk=first.pk).exists()
    second.refresh_from_db()
    assert second.is_default


def test_delete_without_javascript_asks_first(client, customer):
    address = AddressFactory(user=customer)

    response = client.get(reverse("accounts:address_delete", args=[address.pk]))

    assert response.status_code == 200
    assert "Delete this address?" in response.content.decode()
    assert Address.objects.filter(pk=address.pk).exists()


@pytest.mark.parametrize(
    ("url_name", "method"),
    [
        ("accounts:address_update", "get"),
        ("accounts:address_update", "post"),
        ("accounts:address_delete", "get"),
        ("accounts:address_delete", "post"),
        ("accounts:address_make_default", "post"),
    ],
)
def test_another_customers_address_is_not_found(client, customer, url_name, method):
    theirs = AddressFactory(line1="Their house")

    response = getattr(client, method)(reverse(url_name, args=[theirs.pk]), ADDRESS)

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.line1 == "Their house"
