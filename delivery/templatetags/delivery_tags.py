from django import template

from delivery.selectors import delivery_for_order_page

register = template.Library()


@register.simple_tag
def order_delivery(order):
    """{% order_delivery order as delivery %}: the order's delivery with its timeline, or None (one query)."""
    return delivery_for_order_page(order=order)
