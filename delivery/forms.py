from datetime import date

from django import forms
from django.utils import timezone

from containers.services import MAX_EMPTIES
from delivery.models import FailureReason
from delivery.slots import DeliverySlot, slot_names
from orders.workflows import RIDER_MOVES


class DayForm(forms.Form):
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Day")

    def day(self):
        """The day asked for, or today when none (or nonsense) was given.

        The first and last days a date can hold are nonsense too: the page links the day before and after."""
        if self.is_valid() and self.cleaned_data["date"] and date.min < self.cleaned_data["date"] < date.max:
            return self.cleaned_data["date"]
        return timezone.localdate()


class SlotForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Day")
    slot = forms.ChoiceField(label="Slot")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["slot"].choices = [
            (name, DeliverySlot(date=today, name=name).window_label) for name in slot_names()
        ]

    def delivery_slot(self) -> DeliverySlot | None:
        if not self.is_valid():
            return None
        return DeliverySlot(date=self.cleaned_data["date"], name=self.cleaned_data["slot"])


class UpdateKeyFields(forms.Form):
    """What the rider's phone adds to an update: the key it made (the same key twice applies once) and when."""

    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    made_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def update_key(self):
        """The update's key, once the form is valid; None for an update without one."""
        return self.cleaned_data.get("idempotency_key")


class PickupForm(UpdateKeyFields, SlotForm):
    """Picked up all of a slot's waiting deliveries."""


class RiderMoveForm(UpdateKeyFields):
    """A rider's tap on a delivery: where it goes next, and what goes with that move."""

    to = forms.ChoiceField(choices=[(status.value, status.label) for status in RIDER_MOVES])
    cash_collected = forms.DecimalField(required=False, min_value=0, max_digits=10, decimal_places=2)
    empties_collected = forms.IntegerField(required=False, min_value=0, max_value=MAX_EMPTIES)
    failure_reason = forms.ChoiceField(required=False, choices=[("", "—"), *FailureReason.choices])
    note = forms.CharField(required=False, max_length=255)
    proof_code = forms.CharField(required=False, max_length=8, label="Delivery code")
    left_at_door = forms.BooleanField(required=False, label="Left at the door")
    door_photo = forms.FileField(required=False, label="Photo of the doorstep")

    def changes(self) -> dict:
        """The move as delivery_transition takes it: every field but the update's key and time."""
        return {name: value for name, value in self.cleaned_data.items() if name not in UpdateKeyFields.base_fields}

    def first_error(self) -> str:
        field, errors = next(iter(self.errors.items()))
        return f"{field.replace('_', ' ').capitalize()}: {errors[0]}"
