from django import template

from delivery import proofs
from delivery.selectors import delivery_for_order_page

register = template.Library()


@register.simple_tag
def order_delivery(order):
    """{% order_delivery order as delivery %}: the order's delivery with its timeline, or None (one query)."""
    return delivery_for_order_page(order=order)


@register.filter
def proof_prompt(delivery) -> proofs.ProofPrompt:
    """{% with proof=delivery|proof_prompt %}: what the rider's card asks for at the door."""
    return proofs.proof_prompt(delivery)


@register.filter
def delivery_code(delivery) -> str:
    """{% with code=delivery|delivery_code %}: the code the customer tells the rider, or "" when none is asked."""
    return proofs.proof_code_for_customer(delivery)
