"""Doorstep photos, served from the private proofs storage: to staff, and to the customer whose order it was."""

import mimetypes
from pathlib import PurePath

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from delivery.models import Delivery
from delivery.selectors import delivery_for_customer
from delivery.views import staff_required


def _photo(delivery: Delivery) -> FileResponse:
    if not delivery.door_photo:
        raise Http404("No photo was taken of this delivery.")
    try:
        file = delivery.door_photo.open("rb")
    except FileNotFoundError as missing:
        raise Http404("The photo is missing.") from missing
    extension = PurePath(delivery.door_photo.name).suffix
    return FileResponse(
        file,
        content_type=mimetypes.guess_type(delivery.door_photo.name)[0] or "application/octet-stream",
        filename=f"doorstep-{delivery.order.number}{extension}",
    )


@never_cache
@staff_required
@require_GET
def staff_door_photo(request: HttpRequest, delivery_id: int) -> FileResponse:
    """The rider's photo of an order left at the door, for the shop's staff (linked from the delivery's admin page)."""
    return _photo(get_object_or_404(Delivery.objects.select_related("order"), pk=delivery_id))


@never_cache
@login_required
@require_GET
def order_door_photo(request: HttpRequest, number: str) -> FileResponse:
    """The customer's own doorstep photo; anyone else's order is a 404."""
    return _photo(delivery_for_customer(user=request.user, number=number))
