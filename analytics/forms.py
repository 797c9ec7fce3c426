from datetime import date, timedelta

from django import forms
from django.utils import timezone

from analytics.selectors import MAX_DAYS

DEFAULT_DAYS = 30
FIRST_YEAR = 2000  # nothing the shop sold is older; it also keeps date arithmetic far from year 1 and 9999


class ReportRangeForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, **kwargs):
        today = timezone.localdate()
        self.default = (today - timedelta(days=DEFAULT_DAYS - 1), today)
        # Without dates in the query string the form is bound to the default range, so it validates like any other.
        if not data or not (data.get("start") or data.get("end")):
            data = {"start": self.default[0].isoformat(), "end": self.default[1].isoformat()}
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start.year < FIRST_YEAR or end.year > timezone.localdate().year + 1:
                raise forms.ValidationError(f"Pick days between {FIRST_YEAR} and next year.")
            if start > end:
                raise forms.ValidationError("The first day comes after the last one.")
            if (end - start).days + 1 > MAX_DAYS:
                raise forms.ValidationError(f"Pick at most {MAX_DAYS} days.")
        return cleaned

    def range(self) -> tuple[date, date]:
        """The range asked for, or the last 30 days when the one asked for is not valid."""
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return self.default


def quick_ranges(today: date) -> list[tuple[str, date, date]]:
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)
    return [
        ("Last 7 days", today - timedelta(days=6), today),
        ("Last 30 days", today - timedelta(days=29), today),
        ("This month", first_of_month, today),
        ("Last month", last_month_end.replace(day=1), last_month_end),
        ("Last 90 days", today - timedelta(days=89), today),
    ]
