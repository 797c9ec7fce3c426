from dataclasses import dataclass

from django.conf import settings

from delivery.models import DeliveryZone, SlotBooking
from delivery.slots import DeliverySlot, upcoming_slots


def zone_for_pincode(pincode: str) -> DeliveryZone | None:
    candidates = DeliveryZone.objects.filter(is_active=True, pincodes__contains=pincode)
    return next((zone for zone in candidates if zone.covers(pincode)), None)


@dataclass(frozen=True)
class SlotOption:
    slot: DeliverySlot
    remaining: int


def open_slot_options(now=None) -> list[SlotOption]:
    """Slots a customer can still choose: before the cutoff and not full (one query)."""
    slots = upcoming_slots(now)
    if not slots:
        return []
    booked = {
        (row.date, row.slot): row.booked
        for row in SlotBooking.objects.filter(date__gte=slots[0].date, date__lte=slots[-1].date)
    }
    capacity = settings.DELIVERY_SLOT_CAPACITY
    options = [SlotOption(slot, capacity - booked.get((slot.date, slot.name), 0)) for slot in slots]
    return [option for option in options if option.remaining > 0]
