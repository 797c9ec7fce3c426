from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.models import Address
from orders.forms import AddressChoiceField
from subscriptions.models import SUBSCRIPTION_PAYMENT_METHODS, WEEKDAY_NAMES, Frequency

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The dates a customer can mean. Near the calendar's ends (year 1, year 9999) the schedule's day-before and
# month-ahead arithmetic overflows (a server error), so dates outside these are refused as typos.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


def plausible(day: date) -> bool:
    return EARLIEST <= day <= LATEST


class DateField(forms.DateField):
    def validate(self, value):
        super().validate(value)
        if value and not plausible(value):
            raise ValidationError(f"Enter a date between {EARLIEST.year} and {LATEST.year}.", code="implausible")


class SubscribeForm(forms.Form):
    qty = forms.IntegerField(label="Quantity each delivery", min_value=1, max_value=10, initial=1)
    frequency = forms.ChoiceField(choices=Frequency.choices, widget=forms.RadioSelect, initial=Frequency.DAILY)
    weekdays = forms.TypedMultipleChoiceField(
        label="Weekdays (for weekly deliveries)",
        choices=list(enumerate(WEEKDAY_NAMES)),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    start_date = DateField(label="First delivery", widget=DATE_INPUT)
    end_date = DateField(label="Last delivery (optional)", required=False, widget=DATE_INPUT)
    slot = forms.ChoiceField(label="Delivery slot", widget=forms.RadioSelect)
    address = AddressChoiceField(queryset=Address.objects.none(), widget=forms.RadioSelect, empty_label=None)
    payment_method = forms.ChoiceField(
        label="Payment",
        choices=SUBSCRIPTION_PAYMENT_METHODS,
        widget=forms.RadioSelect,
        initial=SUBSCRIPTION_PAYMENT_METHODS[0][0],
    )

    def __init__(self, *args, user, first_date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address"].queryset = Address.objects.filter(user=user)
        default = self.fields["address"].queryset.filter(is_default=True).first()
        self.fields["address"].initial = default.pk if default else None
        self.fields["slot"].choices = [
            (name, f"{name.title()} {start}–{end}") for name, (start, end) in settings.DELIVERY_SLOTS.items()
        ]
        self.fields["slot"].initial = next(iter(settings.DELIVERY_SLOTS))
        self.fields["start_date"].initial = first_date
        self.fields["start_date"].widget.attrs["min"] = first_date.isoformat()
        self.fields["end_date"].widget.attrs["min"] = first_date.isoformat()

    def clean(self):
        data = super().clean()
        if data.get("frequency") == Frequency.WEEKLY and not data.get("weekdays"):
            self.add_error("weekdays", "Choose at least one weekday for weekly deliveries.")
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The last delivery must be on or after the first.")
        return data

    def terms(self) -> dict:
        data = self.cleaned_data
        return {
            "qty": data["qty"],
            "frequency": data["frequency"],
            "weekdays": sum(1 << day for day in data.get("weekdays") or []),
            "start_date": data["start_date"],
            "end_date": data.get("end_date"),
            "slot": data["slot"],
            "address": data["address"],
            "payment_method": data["payment_method"],
        }


class DayChangeForm(forms.Form):
    qty = forms.IntegerField(label="Quantity that day", min_value=0, max_value=20)


class VacationForm(forms.Form):
    start = DateField(label="First day away", widget=DATE_INPUT)
    end = DateField(label="Last day away", widget=DATE_INPUT)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The last day must be on or after the first.")
        if data.get("start") and data.get("end") and data["end"] - data["start"] > timedelta(days=90):
            self.add_error("end", "A vacation can last at most 90 days; pause the subscription for longer breaks.")
        return data


class EndVacationForm(forms.Form):
    last_day = DateField(label="Last day away (new)", widget=DATE_INPUT)
