"""Forms for monthly accounts: they shape the input; the rules are in billing.ledger and orders.workflows."""

from decimal import Decimal

from django import forms

from billing.ledger import account_set_terms, account_terms_refusal
from billing.models import AccountKind, BillingAccount
from payments.models import PaymentMethod

AMOUNT_ERRORS = {
    "invalid": "Enter an amount in rupees, like 1250.50.",
    "max_decimal_places": "Give the amount in rupees and paise: two decimal places at most.",
    "max_digits": "That amount is too large; check it.",
}


def _amount_field(**kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label="Amount (₹)", max_digits=10, decimal_places=2, error_messages=AMOUNT_ERRORS, **kwargs
    )


class AccountPayForm(forms.Form):
    """The customer pays towards their monthly account online."""

    amount = _amount_field(min_value=Decimal("1.00"))
    method = forms.ChoiceField(
        label="Pay by",
        choices=[(PaymentMethod.UPI, "UPI"), (PaymentMethod.CARD, "Card")],
        widget=forms.RadioSelect,
        initial=PaymentMethod.UPI,
    )


class CashPaymentForm(forms.Form):
    """Cash handed to a rider or to the shop towards a monthly account."""

    amount = _amount_field()
    note = forms.CharField(label="Note", max_length=200, required=False)


class BillingAccountForm(forms.ModelForm):
    """The admin's form; its save goes through billing.ledger.account_set_terms (see BillingAccountAdmin)."""

    class Meta:
        model = BillingAccount
        fields = ["user", "kind", "credit_limit", "payment_days"]

    def __init__(self, *args, by=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.by = by
        self.fields["kind"].choices = AccountKind.choices
        if self.instance.pk:
            self.fields["user"].disabled = True

    def clean(self):
        cleaned = super().clean()
        user, kind = cleaned.get("user"), cleaned.get("kind")
        if user is not None and kind and "credit_limit" in cleaned:
            refusal = account_terms_refusal(user=user, kind=kind, credit_limit=cleaned["credit_limit"], by=self.by)
            if refusal:
                raise forms.ValidationError(refusal)
        return cleaned

    def _post_clean(self):
        # Not the model's own checks: account_set_terms saves it, and account_terms_refusal has said what is wrong.
        pass

    def save(self, commit=True):
        return account_set_terms(
            user=self.cleaned_data["user"],
            kind=self.cleaned_data["kind"],
            credit_limit=self.cleaned_data["credit_limit"],
            payment_days=self.cleaned_data.get("payment_days"),
            by=self.by,
        )

    def save_m2m(self):
        pass
