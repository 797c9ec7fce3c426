from django import forms

from accounts.models import Address
from accounts.validators import PINCODE_MESSAGE, normalize_phone


class PhoneField(forms.CharField):
    """An Indian mobile number, stored as +91XXXXXXXXXX."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 16)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return normalize_phone(value) if value else value


class SignupDetailsForm(forms.Form):
    """The fields allauth's sign-up form gets on top of email and password."""

    name = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = PhoneField(required=False, help_text="For delivery updates by SMS. Optional.")

    def signup(self, request, user):
        """Name and phone are saved with the user by AccountAdapter.save_user."""


class ProfileForm(forms.Form):
    name = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = PhoneField(required=False)


class AddressForm(forms.ModelForm):
    make_default = forms.BooleanField(required=False, label="Make this my default address")

    class Meta:
        model = Address
        fields = ["label", "line1", "line2", "area", "city", "pincode", "landmark", "instructions"]
        widgets = {
            "line1": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "line2": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "pincode": forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric", "maxlength": 6}),
        }
        error_messages = {"pincode": {"max_length": PINCODE_MESSAGE}}

    def clean_pincode(self):
        return self.cleaned_data["pincode"].strip()
