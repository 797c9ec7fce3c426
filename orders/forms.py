from django import forms

from accounts.models import Address
from delivery.slots import DeliverySlot
from payments.models import PaymentMethod


class AddressChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, address):
        return f"{address.label or 'Address'}: {address}"


class CheckoutForm(forms.Form):
    address = AddressChoiceField(queryset=Address.objects.none(), widget=forms.RadioSelect, empty_label=None)
    slot = forms.CharField(widget=forms.RadioSelect, label="Delivery slot")
    method = forms.ChoiceField(widget=forms.RadioSelect, label="Payment")

    def __init__(self, *args, user, slot_options, methods, slot_notes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address"].queryset = Address.objects.filter(user=user)
        default = self.fields["address"].queryset.filter(is_default=True).first()
        self.fields["address"].initial = default.pk if default else None
        notes = slot_notes or {}
        slot_choices = [
            (
                option.slot.key,
                f"{option.slot.label}" + (f" ({notes[option.slot.key]})" if option.slot.key in notes else ""),
            )
            for option in slot_options
        ]
        self.fields["slot"].widget.choices = slot_choices
        self.fields["slot"].initial = slot_choices[0][0] if slot_choices else None
        self.fields["method"].choices = methods
        self.fields["method"].initial = PaymentMethod.CASH

    def clean_slot(self):
        try:
            return DeliverySlot.from_key(self.cleaned_data["slot"])
        except ValueError:
            raise forms.ValidationError("Pick a delivery slot.") from None
