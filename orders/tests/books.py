"""Everything a change to an order can touch, read afresh, so a test can say that a refused change left it all as it was."""

from catalog.models import Product, StockMovement
from delivery.models import Delivery, SlotBooking
from orders.models import Order
from payments.models import Refund
from payments.selectors import wallet_balance


def books(order: Order) -> dict:
    order = Order.objects.get(pk=order.pk)
    products = [line.product_id for line in order.lines.all()]
    booking = SlotBooking.objects.filter(date=order.delivery_date, slot=order.delivery_slot).first()
    return {
        "order": (order.status, order.payment_status, order.payment_method),
        "history": order.history.count(),
        "payments": list(order.payments.order_by("pk").values_list("method", "status", "refunded_amount")),
        "refunds": list(Refund.objects.filter(payment__order=order).values_list("status", "amount")),
        "wallet": wallet_balance(user=order.user),
        "left": {p.pk: p.available for p in Product.objects.with_left(order.delivery_date).filter(pk__in=products)},
        "movements": StockMovement.objects.filter(order=order).count(),
        "seats": booking.booked if booking else 0,
        "delivery": list(Delivery.objects.filter(order=order).values_list("status", flat=True)),
    }


def left_of(order: Order) -> dict[int, int]:
    """What is left for sale of each of the order's products on its delivery date."""
    return books(order)["left"]
