"""The rider page's offline helpers: a key for an update form, and a card as its next tap will leave it."""

import copy
import uuid

from django import template
from django.utils.html import format_html

from delivery.models import DeliveryStatus

register = template.Library()

# Taps after which a card still offers the next one.
_MID_ROUND = (DeliveryStatus.PICKED_UP, DeliveryStatus.IN_TRANSIT)


@register.simple_tag
def update_key_input():
    """A hidden key for an update form: the same form sent twice (a double tap, a resend) is applied once."""
    return format_html('<input type="hidden" name="idempotency_key" value="{}">', uuid.uuid4())


@register.filter
def after_next_tap(delivery):
    """The delivery as its card's next tap leaves it (a copy, never saved), when the card then offers another tap;
    else None. The rider page keeps that card in a <template> to show while the phone has no signal."""
    if delivery.next_step not in _MID_ROUND:
        return None
    moved = copy.copy(delivery)
    moved.status = delivery.next_step
    return moved
