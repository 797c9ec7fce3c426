"""Deliveries on their last stretch in zones of each proof policy, and the pictures riders send."""

import io
from pathlib import Path

from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from delivery.models import Delivery, DeliveryStatus, DeliveryZone
from delivery.tests.factories import delivery_in, rider
from orders.tests.factories import delivery_zone, place_order
from orders.workflows import delivery_transition, payment_succeeded
from payments.models import ONLINE_METHODS, PaymentStatus

EXIF_MAKE, EXIF_ORIENTATION = 0x010F, 0x0112


def zone_asking(policy: str) -> DeliveryZone:
    """The test zone, its delivery code policy set as staff set it in the admin."""
    zone = delivery_zone()
    zone.proof_policy = policy
    zone.save()
    return zone


def on_the_way(*, policy: str, method: str, **order_kwargs) -> Delivery:
    """A delivery IN_TRANSIT, paid (or not) by method, in a zone with the given policy."""
    zone_asking(policy)
    if method not in ONLINE_METHODS:
        return delivery_in(DeliveryStatus.IN_TRANSIT, method=method, **order_kwargs)
    if not delivery_zone().riders.exists():
        rider()
    order = place_order(method=method, **order_kwargs)
    payment_succeeded(payment_id=order.payments.get(status=PaymentStatus.PENDING).pk, reference="pay_test")
    delivery = Delivery.objects.get(order=order)
    for step in (DeliveryStatus.PICKED_UP, DeliveryStatus.IN_TRANSIT):
        delivery = delivery_transition(delivery=delivery, to=step, by=delivery.rider)
    return delivery


def wrong_code(delivery: Delivery) -> str:
    return f"{(int(delivery.proof_code) + 1) % 10_000:04d}"


def picture(kind: str = "JPEG", size=(640, 480), *, exif: dict | None = None) -> bytes:
    image = Image.new("RGB", size, (210, 140, 60))
    out = io.BytesIO()
    extra = {}
    if exif:
        tags = Image.Exif()
        tags.update(exif)
        extra["exif"] = tags
    image.save(out, format=kind, **extra)
    return out.getvalue()


def photo(name: str = "doorstep.jpg", content: bytes | None = None, content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, picture() if content is None else content, content_type=content_type)


def keep_photos_in(monkeypatch, folder: Path) -> Path:
    """For one test, doorstep photos go to folder: a private folder like settings.STORAGES["proofs"], but this test's
    own, so that tests running at the same time do not see each other's photos."""
    monkeypatch.setattr(Delivery._meta.get_field("door_photo"), "storage", FileSystemStorage(location=folder))
    return folder


def stored_photos(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*") if path.is_file()} if folder.exists() else set()
