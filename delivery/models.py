import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from accounts.validators import PINCODE


def parse_pincodes(text: str) -> list[str]:
    """'560001, 560002\n560003' → ['560001', '560002', '560003'], refusing anything that is not a PIN code."""
    pincodes = [item for item in re.split(r"[\s,;]+", text or "") if item]
    invalid = [item for item in pincodes if not PINCODE.match(item)]
    if invalid:
        raise ValidationError(f"Not 6-digit PIN codes: {', '.join(invalid)}.")
    return sorted(set(pincodes))


class DeliveryZone(models.Model):
    """A service area: the PIN codes the shop delivers to, and (later) its riders."""

    name = models.CharField(max_length=80, unique=True)
    pincodes = models.TextField(help_text="PIN codes served, separated by spaces, commas or new lines.")
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        self.pincodes = " ".join(parse_pincodes(self.pincodes))

    def covers(self, pincode: str) -> bool:
        return pincode in self.pincodes.split()


class SlotBooking(models.Model):
    """How many orders a delivery slot holds; its row is the lock that keeps the slot within capacity."""

    date = models.DateField()
    slot = models.CharField(max_length=20)
    booked = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["date", "slot"], name="one_booking_row_per_slot"),
            models.CheckConstraint(condition=Q(booked__gte=0), name="slot_booked_not_negative"),
        ]

    def __str__(self):
        return f"{self.date} {self.slot}: {self.booked}"
