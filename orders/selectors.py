from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from orders.models import Order, OrderStatusHistory


def orders_for_user(*, user: User) -> QuerySet[Order]:
    return Order.objects.filter(user=user).prefetch_related("lines")


def order_for_user(*, user: User, number: str) -> Order:
    """The customer's own order with its lines, history and payments; anyone else's is a 404."""
    orders = Order.objects.prefetch_related(
        "lines", "payments", Prefetch("history", queryset=OrderStatusHistory.objects.select_related("changed_by"))
    )
    return get_object_or_404(orders, number=number, user=user)


def order_for_invoice(*, user: User, number: str) -> Order:
    """Invoices are for the order's owner and for staff."""
    orders = Order.objects.prefetch_related("lines").select_related("user")
    if user.is_staff:
        return get_object_or_404(orders, number=number)
    return get_object_or_404(orders, number=number, user=user)
