from django import forms

from notifications.models import ESSENTIAL_KINDS, KIND_HELP, NotificationKind
from notifications.selectors import ChannelSwitches


class NotificationPreferencesForm(forms.Form):
    """An email and an SMS switch for each kind of message. Order and delivery messages keep one of the two on.

    sms_available: the shop sends SMS and the customer has a mobile number; otherwise the SMS switches are shown
    off and disabled, and email is the one that must stay on for essential kinds."""

    def __init__(self, *args, switches: dict[str, ChannelSwitches], sms_available: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.sms_available = sms_available
        for kind in NotificationKind:
            current = switches[kind]
            self.fields[f"{kind}_email"] = forms.BooleanField(required=False, initial=current.email, label="Email")
            self.fields[f"{kind}_sms"] = forms.BooleanField(
                required=False, initial=current.sms and sms_available, label="SMS", disabled=not sms_available
            )
        self.saved_sms = {kind: switches[kind].sms for kind in NotificationKind}

    def rows(self):
        """One row per kind for the template: its label, help, whether it is essential, and its two fields."""
        for kind in NotificationKind:
            yield {
                "kind": kind,
                "label": kind.label,
                "help": KIND_HELP[kind],
                "essential": kind in ESSENTIAL_KINDS,
                "email": self[f"{kind}_email"],
                "sms": self[f"{kind}_sms"],
            }

    def clean(self):
        cleaned = super().clean()
        for kind in ESSENTIAL_KINDS:
            if not cleaned.get(f"{kind}_email") and not cleaned.get(f"{kind}_sms"):
                channels = "email or SMS" if self.sms_available else "email (add a mobile number for SMS)"
                self.add_error(
                    f"{kind}_email",
                    f"{NotificationKind(kind).label} messages need one way to reach you: keep {channels} on.",
                )
        return cleaned

    def switches(self) -> dict[str, ChannelSwitches]:
        # Without SMS on offer the customer's SMS choice is left as it was, for when a number is added.
        return {
            kind: ChannelSwitches(
                email=self.cleaned_data[f"{kind}_email"],
                sms=self.cleaned_data[f"{kind}_sms"] if self.sms_available else self.saved_sms[kind],
            )
            for kind in NotificationKind
        }
