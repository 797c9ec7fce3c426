"""A staff member in the Django admin: a new product reaches the shop, an unassigned delivery reaches a rider."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from catalog.models import Product
from catalog.tests.factories import CategoryFactory
from delivery.tests.factories import place_order_today, rider
from journeys.tests.shop import DESKTOP, PHONE, sign_in, staff_member
from orders.tests.factories import customer_with_address, delivery_zone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def admin_sign_in(page: Page, base_url: str) -> None:
    sign_in(page, base_url, "meera@example.in")
    page.locator("details.dropdown > summary").click()
    page.get_by_role("link", name="Shop admin").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def test_staff_add_a_product_that_appears_in_the_shop(live_server, browser: Browser):
    staff_member(email="meera@example.in", name="Meera Iyer")
    CategoryFactory(name="Milk")
    CategoryFactory(name="Ghee")
    page = browser.new_context(viewport=DESKTOP).new_page()
    admin_sign_in(page, live_server.url)

    page.get_by_role("row", name=re.compile("^Products")).get_by_role("link", name="Add").click()
    page.get_by_label("Name:").fill("A2 Gir Cow Milk")
    page.get_by_label("Category:").select_option(label="Milk")
    page.get_by_label("Unit:").fill("1 L")
    page.get_by_label("Unit:").press("Tab")
    expect(page.get_by_label("Slug:")).to_have_value("a2-gir-cow-milk-1-l")  # the admin's prepopulated slug
    page.get_by_label("Price").fill("95.00")
    page.get_by_label("Perishable").check()
    page.get_by_label("Daily supply:").fill("25")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    product = Product.objects.get(slug="a2-gir-cow-milk-1-l")
    assert (product.category.name, product.price, product.perishable, product.daily_supply, product.is_active) == (
        "Milk",
        Decimal("95.00"),
        True,
        25,
        True,
    )

    # A visitor finds it in the shop: in its category, and on its own page.
    shopper = browser.new_context(viewport=PHONE).new_page()
    shopper.goto(live_server.url)
    shopper.get_by_label("Category").select_option("milk")
    card = shopper.locator("article.product-card", has_text="A2 Gir Cow Milk")
    expect(card).to_contain_text("1 L · ₹95.00")
    card.get_by_role("link", name="A2 Gir Cow Milk").click()
    expect(shopper.get_by_role("heading", name="A2 Gir Cow Milk", level=1)).to_be_visible()
    expect(shopper.locator(".stock-in")).to_have_text(re.compile(r"^25 left for \w{3} \d{1,2} \w{3}$"))


def test_staff_assign_an_unassigned_delivery_and_the_rider_sees_it(live_server, browser: Browser):
    staff_member(email="meera@example.in", name="Meera Iyer")
    delivery_zone()
    customer = customer_with_address(email="asha@example.in", name="Asha Rao")
    order = place_order_today(user=customer)  # nobody rides the zone yet: the delivery waits unassigned
    assert order.delivery.rider is None
    rider(email="ravi@example.in", name="Ravi Kumar")
    rider(email="sunil@example.in", name="Sunil Gowda")

    rider_page = browser.new_context(viewport=PHONE).new_page()
    sign_in(rider_page, live_server.url, "ravi@example.in")
    rider_page.goto(f"{live_server.url}/rider/")
    expect(rider_page.get_by_text(re.compile("No deliveries for you on"))).to_be_visible()

    page = browser.new_context(viewport=DESKTOP).new_page()
    admin_sign_in(page, live_server.url)
    page.get_by_role("link", name="Deliveries").first.click()
    row = page.get_by_role("row", name=re.compile(order.number))
    expect(row).to_contain_text("Unassigned")
    row.get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label="Assign selected to the chosen rider")
    page.locator("select[name=rider]").select_option(label="Ravi Kumar")  # beside the action, inside its label
    page.get_by_role("button", name="Run").click()
    expect(page.locator(".messagelist")).to_contain_text("1 delivery assigned to Ravi Kumar.")
    expect(page.get_by_role("row", name=re.compile(order.number))).to_contain_text("Ravi Kumar")

    rider_page.reload()
    card = rider_page.locator("article.delivery-card", has_text="Asha Rao")
    expect(card).to_contain_text(f"Order {order.number}")
    expect(card.get_by_role("button", name="Picked up")).to_be_visible()
    order.delivery.refresh_from_db()
    assert order.delivery.rider.email == "ravi@example.in"
