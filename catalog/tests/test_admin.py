import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from catalog.models import Product
from catalog.tests.admin_forms import as_posted, change_page_as_posted
from catalog.tests.factories import ProductFactory
from orders.tests.factories import place_order

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:catalog_product_changelist")


def change_url(product):
    return reverse("admin:catalog_product_change", args=[product.pk])


def changelist_edit(client, products, **fields):
    data = {
        "action": "",
        "form-TOTAL_FORMS": str(len(products)),
        "form-INITIAL_FORMS": str(len(products)),
        "_save": "Save",
    }
    for index, product in enumerate(products):
        data |= {
            f"form-{index}-id": str(product.pk),
            f"form-{index}-price": fields.get("price", str(product.price)),
            f"form-{index}-stock": fields.get("stock", str(product.stock)),  # not a field: must be ignored
            f"form-{index}-is_active": "on" if fields.get("is_active", product.is_active) else "",
        }
    return client.post(CHANGELIST, data)


def test_staff_group_members_manage_products(client, staff):
    ProductFactory(name="Cow Milk")

    response = client.get(CHANGELIST, {"q": "cow"})

    assert response.status_code == 200
    assert "Cow Milk" in response.content.decode()


def test_stock_filter_finds_out_of_stock_products(client, staff):
    ProductFactory(name="Empty Lassi", stock=0)
    ProductFactory(name="Full Milk", stock=50)

    page = client.get(CHANGELIST, {"stock": "out"}).content.decode()

    assert "Empty Lassi" in page
    assert "Full Milk" not in page


def test_list_editable_saves_price_and_active_but_never_stock(client, staff):
    milk = ProductFactory(stock=5)

    response = changelist_edit(client, [milk], price="35.50", is_active=False, stock="80")

    assert response.status_code == 302
    milk.refresh_from_db()
    assert (str(milk.price), milk.is_active, milk.stock) == ("35.50", False, 5)
    assert sum(milk.movements.values_list("quantity", flat=True)) == 5


@pytest.mark.parametrize("price", ["-1.00", "0"])
def test_a_price_of_zero_or_less_is_refused(client, staff, price):
    milk = ProductFactory(stock=5)

    response = changelist_edit(client, [milk], price=price)

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    milk.refresh_from_db()
    assert str(milk.price) == "32.00"


def test_a_change_page_opened_before_a_sale_cannot_undo_it(client, staff):
    milk = ProductFactory(stock=10)
    shown = change_page_as_posted(client.get(change_url(milk)))
    place_order(lines=[(milk, 3)])

    response = client.post(change_url(milk), {**shown, "price": "35.00"})

    assert response.status_code == 302
    milk.refresh_from_db()
    assert (str(milk.price), milk.stock) == ("35.00", 7)


def test_a_changelist_opened_before_a_sale_cannot_undo_it(client, staff):
    milk = ProductFactory(stock=10)
    formset = client.get(CHANGELIST).context["cl"].formset
    (form,) = formset.forms
    assert set(form.fields) == {"id", "price", "is_active"}
    shown = as_posted(form)
    place_order(lines=[(milk, 3)])

    response = client.post(
        CHANGELIST,
        {
            **shown,
            form.add_prefix("price"): "35.00",
            f"{formset.prefix}-TOTAL_FORMS": "1",
            f"{formset.prefix}-INITIAL_FORMS": "1",
            "action": "",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    milk.refresh_from_db()
    assert (str(milk.price), milk.stock) == ("35.00", 7)


def test_bulk_deactivate_and_activate(client, staff):
    milk, curd = ProductFactory(), ProductFactory()

    client.post(CHANGELIST, {"action": "deactivate", "_selected_action": [milk.pk, curd.pk]})
    assert set(Product.objects.values_list("is_active", flat=True)) == {False}

    client.post(CHANGELIST, {"action": "activate", "_selected_action": [milk.pk]})
    milk.refresh_from_db()
    curd.refresh_from_db()
    assert (milk.is_active, curd.is_active) == (True, False)


def test_a_customer_cannot_open_the_admin(client):
    client.force_login(UserFactory())

    assert client.get(CHANGELIST).status_code == 302
