"""Orders reached the way customers reach them: through the cart and order_place."""

from decimal import Decimal

from accounts.tests.factories import AddressFactory, UserFactory
from cart.models import Cart
from cart.services import cart_add_item
from catalog.tests.factories import ProductFactory
from delivery.models import DeliveryZone
from delivery.slots import DeliverySlot, upcoming_slots
from orders.models import Order
from orders.workflows import order_pending_payment, order_place
from payments.models import Payment, PaymentMethod, WalletEntryKind
from payments.services import payment_start_checkout, wallet_credit

TEST_PINCODE = "560034"


def delivery_zone(pincodes: str = TEST_PINCODE) -> DeliveryZone:
    zone, _ = DeliveryZone.objects.get_or_create(name="Koramangala", defaults={"pincodes": pincodes})
    return zone


def open_slot() -> DeliverySlot:
    return upcoming_slots()[0]


def customer_with_address(**user_fields):
    user = UserFactory(**user_fields)
    AddressFactory(user=user, pincode=TEST_PINCODE, is_default=True)
    return user


def cart_with(user, *lines) -> Cart:
    """lines: (product, qty) pairs."""
    cart, _ = Cart.objects.get_or_create(user=user)
    for product, qty in lines:
        cart_add_item(cart=cart, product=product, qty=qty)
    return cart


def fund_wallet(user, amount: Decimal) -> None:
    wallet_credit(user=user, amount=amount, kind=WalletEntryKind.ADJUSTMENT, note="Test funds")


def place_order(*, user=None, lines=None, method: str = PaymentMethod.CASH, slot: DeliverySlot | None = None) -> Order:
    """A customer in the test zone orders (by default) 2 × ₹32 milk."""
    delivery_zone()
    user = user or customer_with_address()
    lines = lines or [(ProductFactory(price=Decimal("32.00"), stock=50), 2)]
    cart = cart_with(user, *lines)
    address = user.addresses.get(is_default=True)
    return order_place(user=user, cart=cart, address=address, slot=slot or open_slot(), method=method).order


def order_on_demo_page(*, user=None, method: str = PaymentMethod.CARD) -> tuple[Order, Payment]:
    """A card (or UPI) order whose payment page on the demo gateway is open, as after checkout."""
    order = place_order(user=user, method=method)
    payment = order_pending_payment(order=order, by=order.user)
    back = order.get_absolute_url()
    payment_start_checkout(payment=payment, success_url=back, cancel_url=back)
    payment.refresh_from_db()
    return order, payment
