from decimal import Decimal

from django import forms

from payments.models import PaymentMethod


class TopUpForm(forms.Form):
    amount = forms.DecimalField(
        label="Amount (₹)",
        min_value=Decimal("100"),
        max_value=Decimal("20000"),
        decimal_places=2,
        initial=Decimal("500"),
        error_messages={
            "min_value": "Top up at least ₹100.",
            "max_value": "Top up at most ₹20,000 at a time.",
            "invalid": "Enter an amount in rupees, like 500.",
        },
    )
    method = forms.ChoiceField(
        label="Pay by",
        choices=[(PaymentMethod.CARD, "Card"), (PaymentMethod.UPI, "UPI")],
        widget=forms.RadioSelect,
        initial=PaymentMethod.UPI,
    )
