from allauth.account.adapter import get_adapter
from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.urls import reverse
from django.utils.html import format_html

from accounts.models import Address, User
from accounts.services import address_delete, address_save
from billing.models import BillingAccount
from subscriptions.services import SubscriptionError, subscriptions_zone_for_address


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's log-in, checked through allauth's adapter as the shop's log-in is, so it gets the same limits on
    failed attempts (5 per address in 5 minutes, 10 per IP address a minute). Django's own admin log-in has none:
    it would take unlimited password guesses for a staff account."""

    def clean(self):
        email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if email is not None and password:
            adapter = get_adapter(self.request)
            self.user_cache = adapter.authenticate(self.request, email=email, password=password)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


admin.site.login_form = AdminLoginForm


class AddressAdminForm(forms.ModelForm):
    """Saved through accounts.services.address_save, whose refusals (an unserved PIN code for an address that
    receives subscriptions) show on the form."""

    class Meta:
        model = Address
        fields = [
            "user",
            "label",
            "line1",
            "line2",
            "area",
            "city",
            "pincode",
            "landmark",
            "instructions",
            "is_default",
        ]

    def _post_clean(self):
        super()._post_clean()
        if self.instance.pk and "pincode" in self.changed_data and "pincode" not in self.errors:
            try:
                subscriptions_zone_for_address(address=self.instance)
            except SubscriptionError as error:
                self.add_error("pincode", str(error))


class AddressInline(admin.StackedInline):
    model = Address
    form = AddressAdminForm
    extra = 0


class ShopUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class ShopUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "name", "phone")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = ShopUserChangeForm
    add_form = ShopUserCreationForm
    ordering = ["email"]
    list_display = ["email", "name", "phone", "is_staff", "is_active", "created_at"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "name", "phone"]
    readonly_fields = ["last_login", "created_at", "updated_at", "monthly_account"]
    inlines = [AddressInline]

    @admin.display(description="How they pay")
    def monthly_account(self, user):
        account = BillingAccount.objects.filter(user=user).first() if user.pk else None
        if account is None:
            return "Prepaid (no monthly account)"
        url = reverse("admin:billing_billingaccount_change", args=[account.pk])
        return format_html('<a href="{}">{}</a>', url, account)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Address:
            return super().save_formset(request, form, formset, change)
        for address in formset.save(commit=False):
            address_save(address=address, make_default=address.is_default)
        for address in formset.deleted_objects:
            address_delete(address=address)

    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal info", {"fields": ["name", "phone", "monthly_account"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "created_at", "updated_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "name", "phone", "password1", "password2"]}),
    ]


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    form = AddressAdminForm

    def save_model(self, request, obj, form, change):
        address_save(address=obj, make_default=obj.is_default)

    list_display = ["user", "label", "area", "city", "pincode", "is_default"]
    list_filter = ["city", "is_default"]
    search_fields = ["user__email", "line1", "area", "pincode"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
