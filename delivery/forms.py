from datetime import date

from django import forms
from django.utils import timezone

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


class RiderMoveForm(forms.Form):
    """A rider's tap on a delivery: where it goes next, and what goes with that move."""

    to = forms.ChoiceField(choices=[(status.value, status.label) for status in RIDER_MOVES])
    cash_collected = forms.DecimalField(required=False, min_value=0, max_digits=10, decimal_places=2)
    failure_reason = forms.ChoiceField(required=False, choices=[("", "—"), *FailureReason.choices])
    note = forms.CharField(required=False, max_length=255)

    def first_error(self) -> str:
        field, errors = next(iter(self.errors.items()))
        return f"{field.replace('_', ' ').capitalize()}: {errors[0]}"
