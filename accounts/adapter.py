from allauth.account.adapter import DefaultAccountAdapter

from accounts.services import user_register


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.name = form.cleaned_data["name"]
        user.phone = form.cleaned_data.get("phone") or ""
        if commit:
            user_register(user=user)
        return user
