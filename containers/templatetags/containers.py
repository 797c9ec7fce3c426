from django import template

from containers.selectors import deposit_preview, holdings_for
from containers.services import MAX_EMPTIES

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.filter
def empties_max(delivery) -> int:
    """The most empties the rider can record at a stop: what the customer held and what they were just given."""
    held = getattr(delivery, "empties_held", 0) or 0
    return min(held + (getattr(delivery, "containers_in_order", 0) or 0), MAX_EMPTIES)


@register.filter
def empties_to_collect(deliveries) -> int:
    """The empties expected at the stops still to make (deliveries annotated by containers_at_stops)."""
    return sum(getattr(delivery, "empties_held", 0) or 0 for delivery in deliveries if delivery.is_active)


@register.simple_tag(takes_context=True)
def cart_deposits(context, contents):
    """The deposits the cart's returnable containers would charge the customer, and the total with them."""
    return deposit_preview(user=_user(context), lines=[(line.product, line.qty) for line in contents.lines])


@register.simple_tag(takes_context=True)
def container_holdings(context):
    user = _user(context)
    return holdings_for(user=user) if user is not None and user.is_authenticated else []
