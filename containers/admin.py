from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.db.models import Exists, F, OuterRef, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils.html import format_html

from accounts.models import RIDERS_GROUP, User
from containers.models import ContainerBalance, ContainerMovement, ContainerType, DepositRelease, MovementKind
from containers.selectors import with_deposits
from containers.services import STAFF_KINDS, ContainerError
from delivery.models import Delivery, DeliveryZone
from milkshop.money import format_money
from orders.workflows import containers_record


@admin.register(ContainerType)
class ContainerTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "deposit", "is_active", "outstanding", "products_in_it"]
    list_editable = ["deposit", "is_active"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(outstanding=Sum("balances__held")).prefetch_related("products")

    @admin.display(description="With customers", ordering="outstanding")
    def outstanding(self, container_type):
        url = reverse("admin:containers_containerbalance_changelist")
        count = container_type.outstanding or 0
        return format_html('<a href="{}?container_type__id__exact={}">{}</a>', url, container_type.pk, count)

    @admin.display(description="Products")
    def products_in_it(self, container_type):
        return ", ".join(str(product) for product in container_type.products.all()) or "—"

    def has_delete_permission(self, request, obj=None):
        return False


class HoldingFilter(admin.SimpleListFilter):
    title = "containers"
    parameter_name = "holding"

    def lookups(self, request, model_admin):
        return [("yes", "Holding some"), ("owed", "Kept beyond their deposit"), ("none", "None")]

    def queryset(self, request, queryset):
        match self.value():
            case "yes":
                return queryset.filter(held__gt=0)
            case "owed":
                return queryset.filter(held__gt=F("deposit_units"))  # annotated by with_deposits
            case "none":
                return queryset.filter(held=0)
        return queryset


class ZoneFilter(admin.SimpleListFilter):
    """Customers delivered to in a zone: a route's outstanding containers."""

    title = "zone"
    parameter_name = "zone"

    def lookups(self, request, model_admin):
        return [(zone.pk, zone.name) for zone in DeliveryZone.objects.order_by("name")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(Exists(Delivery.objects.filter(user=OuterRef("user"), zone_id=self.value())))


class RiderFilter(admin.SimpleListFilter):
    """Customers a rider delivers to."""

    title = "rider"
    parameter_name = "rider"

    def lookups(self, request, model_admin):
        riders = User.objects.filter(groups__name=RIDERS_GROUP).order_by("name")
        return [(rider.pk, rider.name or rider.email) for rider in riders]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(Exists(Delivery.objects.filter(user=OuterRef("user"), rider_id=self.value())))


@admin.register(ContainerBalance)
class ContainerBalanceAdmin(admin.ModelAdmin):
    """Outstanding containers by customer, filtered by type, zone or rider; changes are recorded as movements."""

    list_display = ["customer", "container_type", "held", "deposit_held", "owed", "updated_at", "record"]
    list_filter = [HoldingFilter, "container_type", ZoneFilter, RiderFilter]
    list_select_related = ["user", "container_type"]
    search_fields = ["user__name", "user__email", "user__phone"]
    change_list_template = "admin/containers/containerbalance/change_list.html"

    def get_queryset(self, request):
        return with_deposits(super().get_queryset(request))

    @admin.display(description="Customer", ordering="user__name")
    def customer(self, balance):
        return f"{balance.user.name} ({balance.user.email})" if balance.user.name else balance.user.email

    @admin.display(description="Deposit held", ordering="deposit_held")
    def deposit_held(self, balance):
        return format_money(max(balance.deposit_held, 0))

    @admin.display(description="Kept beyond deposit")
    def owed(self, balance):
        return max(balance.held - balance.deposit_units, 0) or "—"

    @admin.display(description="")
    def record(self, balance):
        url = reverse("admin:containers_containermovement_add")
        query = f"user={balance.user_id}&container_type={balance.container_type_id}"
        return format_html('<a href="{}?{}">Record…</a>', url, query)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            totals = changelist.queryset.aggregate(
                outstanding=Coalesce(Sum("held"), 0),
                deposits_held=Coalesce(Sum(Greatest("deposit_held", Value(Decimal("0.00")))), Value(Decimal("0.00"))),
            )
            response.context_data["outstanding"] = totals["outstanding"]
            response.context_data["deposits_held"] = format_money(totals["deposits_held"])
        return response

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ContainerMovementForm(forms.ModelForm):
    """Records containers through orders.workflows.containers_record when it is validated (the admin's view runs in
    one transaction), so its refusals show on the form; saving then writes nothing more."""

    kind = forms.ChoiceField(choices=[(kind.value, MovementKind(kind).label) for kind in STAFF_KINDS])
    units = forms.IntegerField(
        min_value=0, max_value=1000, help_text="Returned or lost: how many. Counted: how many the customer has."
    )

    class Meta:
        model = ContainerMovement
        fields = ["user", "container_type", "kind", "units", "note"]
        labels = {"user": "Customer"}

    request = None  # set by the admin (ContainerMovementAdmin.get_form)
    recorded = None
    releases = ()

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.recorded, self.releases = containers_record(
                customer=cleaned["user"],
                container_type=cleaned["container_type"],
                kind=cleaned["kind"],
                qty=cleaned["units"],
                by=self.request.user,
                note=cleaned.get("note", ""),
            )
        except ContainerError as error:
            raise forms.ValidationError(str(error)) from error
        return cleaned

    def _post_clean(self):
        """The movement is containers_record's to make; the form's instance is not validated as a model."""


@admin.register(ContainerMovement)
class ContainerMovementAdmin(admin.ModelAdmin):
    """Every change to what customers hold; staff record empties handed in, counts at the door and losses."""

    form = ContainerMovementForm
    list_display = ["created_at", "user", "container_type", "kind", "quantity", "order", "by", "note"]
    list_filter = ["kind", "container_type"]
    date_hierarchy = "created_at"
    search_fields = ["user__name", "user__email", "order__number", "note"]
    list_select_related = ["user", "container_type", "order", "by"]
    raw_id_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in ContainerMovement._meta.fields] if obj else []

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:
            kwargs["fields"] = []
            return super().get_form(request, obj, **kwargs)
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def save_model(self, request, obj, form, change):
        obj.__dict__.update(form.recorded.__dict__)
        balance = ContainerBalance.objects.get(user_id=obj.user_id, container_type_id=obj.container_type_id)
        credited = sum(release.amount for release in form.releases if release.wallet_entry_id)
        note = f" {format_money(credited)} deposit credited to their wallet." if credited else ""
        self.message_user(request, f"{obj.user}: {balance.held} × {obj.container_type} now.{note}", messages.SUCCESS)

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DepositRelease)
class DepositReleaseAdmin(admin.ModelAdmin):
    """Deposits given back to wallets or kept for lost containers, as they happened."""

    list_display = ["created_at", "user", "container_type", "kind", "qty", "amount", "order", "note"]
    list_filter = ["kind", "container_type"]
    date_hierarchy = "created_at"
    search_fields = ["user__name", "user__email", "order__number"]
    list_select_related = ["user", "container_type", "order"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
