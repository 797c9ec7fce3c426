from django import forms


class QuantityForm(forms.Form):
    qty = forms.IntegerField(
        label="Quantity",
        min_value=1,
        error_messages={
            "required": "Enter a quantity of at least 1.",
            "invalid": "Enter a whole number of at least 1.",
            "min_value": "Enter a quantity of at least 1.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "step": 1}),
    )
