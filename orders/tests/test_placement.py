from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import AddressFactory
from analytics.models import AnalyticsEvent, EventType
from cart.models import CartItem
from catalog.models import Product
from catalog.tests.factories import ProductFactory
from delivery.models import SlotBooking
from delivery.slots import DeliverySlot
from orders.models import Order, OrderStatus
from orders.services import PlacementError
from orders.tests.factories import cart_with, customer_with_address, delivery_zone, fund_wallet, open_slot, place_order
from orders.workflows import order_place
from payments.models import Payment, PaymentMethod, PaymentStatus, WalletEntry
from payments.selectors import wallet_balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    delivery_zone()
    return customer_with_address()


def place(customer, cart, method=PaymentMethod.CASH, slot=None):
    address = customer.addresses.get(is_default=True)
    return order_place(user=customer, cart=cart, address=address, slot=slot or open_slot(), method=method)


def snapshot(customer, products):
    return {
        "stock": {p.pk: Product.objects.get(pk=p.pk).stock for p in products},
        "cart": list(CartItem.objects.filter(cart__user=customer).values_list("product_id", "qty")),
        "orders": Order.objects.count(),
        "payments": Payment.objects.count(),
        "wallet": wallet_balance(user=customer),
        "wallet_entries": WalletEntry.objects.count(),
        "bookings": list(SlotBooking.objects.values_list("booked", flat=True)),
    }


def test_cash_order_is_confirmed_with_snapshots_and_the_cart_is_emptied(customer, django_capture_on_commit_callbacks):
    milk = ProductFactory(name="Cow Milk", unit="1 L", price=Decimal("62.00"), stock=10)
    curd = ProductFactory(name="Fresh Curd", price=Decimal("35.00"), stock=10)
    cart = cart_with(customer, (milk, 2), (curd, 1))

    with django_capture_on_commit_callbacks(execute=True):
        order = place(customer, cart).order

    assert order.status == OrderStatus.CONFIRMED
    assert order.payment_status == PaymentStatus.PENDING
    assert order.total_amount == Decimal("159.00")
    assert [
        (line.product_name, line.unit, line.unit_price, line.qty, line.line_total) for line in order.lines.all()
    ] == [
        ("Cow Milk", "1 L", Decimal("62.00"), 2, Decimal("124.00")),
        ("Fresh Curd", "500 ml", Decimal("35.00"), 1, Decimal("35.00")),
    ]
    assert (order.pincode, order.address_line1) == ("560034", customer.addresses.get().line1)
    assert Product.objects.get(pk=milk.pk).stock == 8
    assert not CartItem.objects.filter(cart=cart).exists()
    assert list(order.history.values_list("to_status", flat=True)) == ["CREATED", "CONFIRMED"]
    assert order.payments.get().method == PaymentMethod.CASH
    assert set(AnalyticsEvent.objects.values_list("event_type", flat=True)) == {
        EventType.ORDER_PLACED,
        EventType.ORDER_CONFIRMED,
    }


def test_snapshots_survive_later_catalog_and_address_changes(customer):
    milk = ProductFactory(name="Cow Milk", price=Decimal("62.00"))
    order = place(customer, cart_with(customer, (milk, 1))).order

    Product.objects.filter(pk=milk.pk).update(name="Renamed", price=Decimal("99.00"))
    customer.addresses.update(line1="Somewhere else")

    line = order.lines.get()
    order.refresh_from_db()
    assert (line.product_name, line.unit_price) == ("Cow Milk", Decimal("62.00"))
    assert order.address_line1 != "Somewhere else"


def test_an_order_failing_on_its_third_line_changes_nothing(customer):
    milk, curd, ghee = ProductFactory(stock=10), ProductFactory(stock=10), ProductFactory(name="Cow Ghee", stock=10)
    cart = cart_with(customer, (milk, 2), (curd, 3), (ghee, 4))
    fund_wallet(customer, Decimal("1000.00"))
    place_order(lines=[(ghee, 7)])  # sold to someone else since it was added
    before = snapshot(customer, [milk, curd, ghee])

    with pytest.raises(PlacementError) as refused:
        place(customer, cart, method=PaymentMethod.WALLET)

    assert refused.value.line_errors == {ghee.pk: "Only 3 of Cow Ghee left."}
    assert snapshot(customer, [milk, curd, ghee]) == before


def test_a_wallet_that_cannot_cover_the_order_rolls_everything_back(customer):
    milk = ProductFactory(price=Decimal("50.00"), stock=10)
    cart = cart_with(customer, (milk, 3))
    fund_wallet(customer, Decimal("100.00"))
    before = snapshot(customer, [milk])

    with pytest.raises(PlacementError, match="does not cover"):
        place(customer, cart, method=PaymentMethod.WALLET)

    assert snapshot(customer, [milk]) == before


def test_wallet_order_is_paid_and_confirmed_at_placement(customer):
    milk = ProductFactory(price=Decimal("50.00"), stock=10)
    fund_wallet(customer, Decimal("200.00"))

    order = place(customer, cart_with(customer, (milk, 3)), method=PaymentMethod.WALLET).order

    assert (order.status, order.payment_status) == (OrderStatus.CONFIRMED, PaymentStatus.SUCCESS)
    assert wallet_balance(user=customer) == Decimal("50.00")
    assert order.payments.get().status == PaymentStatus.SUCCESS


def test_online_order_waits_for_payment(customer):
    order = place(customer, cart_with(customer, (ProductFactory(), 1)), method=PaymentMethod.UPI).order

    assert (order.status, order.payment_status) == (OrderStatus.CREATED, PaymentStatus.PENDING)
    assert order.payments.get().status == PaymentStatus.PENDING


def test_new_prices_are_used_and_the_change_is_reported(customer):
    milk = ProductFactory(name="Cow Milk", price=Decimal("30.00"))
    cart = cart_with(customer, (milk, 2))
    Product.objects.filter(pk=milk.pk).update(price=Decimal("32.00"))

    placement = place(customer, cart)

    assert placement.order.total_amount == Decimal("64.00")
    assert [(c.product_name, c.was, c.now) for c in placement.price_changes] == [
        ("Cow Milk", Decimal("30.00"), Decimal("32.00"))
    ]


def test_inactive_product_is_refused_by_line(customer):
    milk = ProductFactory(name="Cow Milk")
    cart = cart_with(customer, (milk, 1))
    Product.objects.filter(pk=milk.pk).update(is_active=False)

    with pytest.raises(PlacementError) as refused:
        place(customer, cart)

    assert refused.value.line_errors == {milk.pk: "Cow Milk is no longer available."}


def test_an_address_outside_every_zone_is_refused():
    delivery_zone()
    customer = customer_with_address()
    far = AddressFactory(user=customer, pincode="110001")

    with pytest.raises(PlacementError, match="We don't deliver to 110001 yet."):
        order_place(
            user=customer, cart=cart_with(customer, (ProductFactory(), 1)), address=far, slot=open_slot(), method="CASH"
        )


def test_a_slot_past_its_cutoff_is_refused_even_from_a_stale_page(customer):
    today = timezone.localdate()
    closed = DeliverySlot(date=today, name="MORNING")  # its cutoff was yesterday evening

    with pytest.raises(PlacementError, match="closed at 22:00"):
        place(customer, cart_with(customer, (ProductFactory(), 1)), slot=closed)
    assert not Order.objects.exists()


def test_a_full_slot_is_refused(customer, settings):
    settings.DELIVERY_SLOT_CAPACITY = 1
    slot = open_slot()
    place_order(slot=slot)

    with pytest.raises(PlacementError, match="is full"):
        place(customer, cart_with(customer, (ProductFactory(), 1)), slot=slot)
    assert SlotBooking.objects.get(date=slot.date, slot=slot.name).booked == 1


def test_cutoff_is_the_evening_before():
    slot = DeliverySlot(date=timezone.localdate() + timedelta(days=2), name="MORNING")
    cutoff = timezone.localtime(slot.cutoff)

    assert (cutoff.date(), cutoff.hour, cutoff.minute) == (slot.date - timedelta(days=1), 22, 0)
    assert slot.is_open(slot.cutoff - timedelta(seconds=1))
    assert not slot.is_open(slot.cutoff)
