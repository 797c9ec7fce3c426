from django import forms
from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.html import format_html

from catalog.models import Category, DailySupply, MovementKind, Product, StockMovement
from catalog.services import product_update, products_set_active
from catalog.stock import StockError, stock_record, supply_set
from subscriptions.models import MissedDelivery

LOW_STOCK = 10


class StockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("out", "Out of stock (packaged)"), ("low", f"Low (under {LOW_STOCK})"), ("in", "In stock")]

    def queryset(self, request, queryset):
        match self.value():
            case "out":
                return queryset.filter(perishable=False, stock=0)
            case "low":
                return queryset.filter(perishable=False, stock__gt=0, stock__lt=LOW_STOCK)
            case "in":
                return queryset.filter(perishable=False, stock__gt=0)
        return queryset


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class ProductAdminForm(forms.ModelForm):
    opening_stock = forms.IntegerField(
        required=False, min_value=0, help_text="Packaged goods: units on hand now, recorded as received."
    )

    class Meta:
        model = Product
        fields = ["name", "slug", "category", "unit", "price", "perishable", "daily_supply", "is_active"]
        fields += ["subscribable", "container", "hsn_code", "gst_rate", "description", "image"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "thumbnail",
        "name",
        "unit",
        "category",
        "price",
        "hsn_code",
        "gst_rate",
        "stock_or_supply",
        "is_active",
        "subscribable",
        "updated_at",
    ]
    list_display_links = ["thumbnail", "name"]
    list_editable = ["price", "is_active"]
    list_filter = ["category", "is_active", "perishable", StockFilter, "subscribable", "container", "gst_rate"]
    list_select_related = ["category"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name", "unit"]}
    readonly_fields = ["stock", "image_preview", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "category", "unit", "price", "is_active", "subscribable", "container"]}),
        ("GST", {"fields": ["hsn_code", "gst_rate"]}),
        ("Stock", {"fields": ["perishable", "daily_supply", "stock"]}),
        (None, {"fields": ["description", "image", "image_preview", "created_at", "updated_at"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["name", "slug", "category", "unit", "price", "is_active", "subscribable", "container"]}),
        ("GST", {"fields": ["hsn_code", "gst_rate"]}),
        ("Stock", {"fields": ["perishable", "daily_supply", "opening_stock"]}),
        (None, {"fields": ["description", "image"]}),
    ]
    actions = ["activate", "deactivate"]
    list_per_page = 50

    form = ProductAdminForm

    def get_fieldsets(self, request, obj=None):
        return self.fieldsets if obj else self.add_fieldsets

    def save_model(self, request, obj, form, change):
        """Only the fields this form changed are written: a page opened before a sale cannot undo it."""
        if change:
            product_update(product=obj, fields=form.changed_data)
            return
        super().save_model(request, obj, form, change)
        if opening := form.cleaned_data.get("opening_stock"):
            try:
                stock_record(
                    product=obj, kind=MovementKind.RECEIVED, qty=opening, by=request.user, note="Opening stock"
                )
            except StockError as error:
                self.message_user(request, str(error), messages.WARNING)

    @admin.display(description="Stock")
    def stock_or_supply(self, product):
        return f"{product.daily_supply} a day" if product.perishable else product.stock

    @admin.display(description="")
    def thumbnail(self, product):
        if not product.image:
            return ""
        return format_html('<img src="{}" alt="" width="48" height="36">', product.image.url)

    @admin.display(description="Preview")
    def image_preview(self, product):
        if not product.image:
            return "No image yet."
        return format_html('<img src="{}" alt="{}" width="320" height="240">', product.image.url, product.name)

    @admin.action(description="Show selected products in the shop")
    def activate(self, request, queryset):
        changed = products_set_active(products=queryset, active=True)
        self.message_user(request, f"{changed} product(s) activated.", messages.SUCCESS)

    @admin.action(description="Hide selected products from the shop")
    def deactivate(self, request, queryset):
        changed = products_set_active(products=queryset, active=False)
        self.message_user(request, f"{changed} product(s) deactivated.", messages.SUCCESS)


def _with_request(form_class, request):
    """The admin's form class, knowing who is recording (the stock services note who did what)."""
    return type(form_class.__name__, (form_class,), {"request": request})


class DailySupplyForm(forms.ModelForm):
    """Sets a date's supply through catalog.stock.supply_set when it is validated (the admin's view runs in one
    transaction), so its refusals show on the form; saving then writes nothing more."""

    class Meta:
        model = DailySupply
        fields = ["product", "date", "supply"]

    request = None  # set by the admin (DailySupplyAdmin.get_form)
    saved = None

    def clean(self):
        cleaned = super().clean()
        product = cleaned.get("product") or (self.instance.product if self.instance.pk else None)
        day = cleaned.get("date") or (self.instance.date if self.instance.pk else None)
        if product is None or day is None or cleaned.get("supply") is None or self.errors:
            return cleaned
        try:
            self.saved = supply_set(product=product, day=day, supply=cleaned["supply"], by=self.request.user)
        except StockError as error:
            self.add_error("supply" if product.perishable else "product", str(error))
        return cleaned

    def validate_unique(self):
        """A date that has a row already is changed, not refused: supply_set finds it."""

    def validate_constraints(self):
        """As validate_unique: supply_set keeps one row per product and date."""


@admin.register(DailySupply)
class DailySupplyAdmin(admin.ModelAdmin):
    """For each date and perishable product: supply, what subscriptions and orders took, what is left, and how
    many subscription deliveries the nightly run had to miss for want of it."""

    form = DailySupplyForm
    list_display = ["date", "product", "supply", "subscribed", "ordered", "left", "shortfall"]
    list_filter = ["date", "product"]
    date_hierarchy = "date"
    search_fields = ["product__name"]
    list_select_related = ["product"]

    def get_queryset(self, request):
        missed = (
            MissedDelivery.objects.filter(
                subscription__product=OuterRef("product"),
                date=OuterRef("date"),
                reason=MissedDelivery.Reason.OUT_OF_STOCK,
            )
            .values("date")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return super().get_queryset(request).annotate(missed=Coalesce(Subquery(missed[:1]), 0))

    def get_readonly_fields(self, request, obj=None):
        return ["product", "date", "subscribed", "ordered"] if obj else ["subscribed", "ordered"]

    @admin.display(description="Left")
    def left(self, supply):
        return supply.left

    @admin.display(description="Missed by the nightly run", ordering="missed")
    def shortfall(self, supply):
        return supply.missed or "—"

    def get_form(self, request, obj=None, **kwargs):
        return _with_request(super().get_form(request, obj, **kwargs), request)

    def save_model(self, request, obj, form, change):
        obj.__dict__.update(DailySupply.objects.get(pk=form.saved.pk).__dict__)

    def has_delete_permission(self, request, obj=None):
        return False


class StockMovementForm(forms.ModelForm):
    """Records the movement through catalog.stock.stock_record when it is validated (the admin's view runs in one
    transaction), so its refusals show on the form; saving then writes nothing more."""

    kind = forms.ChoiceField(
        choices=[
            (kind.value, kind.label) for kind in (MovementKind.RECEIVED, MovementKind.WASTED, MovementKind.COUNTED)
        ]
    )
    units = forms.IntegerField(min_value=0, help_text="Received or wasted: how many. Counted: how many are left.")

    class Meta:
        model = StockMovement
        fields = ["product", "date", "kind", "units", "note"]

    request = None  # set by the admin (StockMovementAdmin.get_form)
    recorded = None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.recorded = stock_record(
                product=cleaned["product"],
                kind=cleaned["kind"],
                qty=cleaned["units"],
                day=cleaned.get("date"),
                by=self.request.user,
                note=cleaned.get("note", ""),
            )
        except StockError as error:
            raise forms.ValidationError(str(error)) from error
        if self.recorded is None:
            raise forms.ValidationError(
                f"The count matches what {cleaned['product'].name} has left: nothing to record."
            )
        return cleaned

    def _post_clean(self):
        """The movement is stock_record's to make; the form's instance is not validated as a model."""


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """Every change to stock, as it happened; staff add what was received, wasted or counted."""

    form = StockMovementForm
    list_display = ["created_at", "product", "date", "kind", "quantity", "order", "by", "note"]
    list_filter = ["kind", "date", "product"]
    date_hierarchy = "created_at"
    search_fields = ["product__name", "order__number", "note"]
    list_select_related = ["product", "order", "by"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in StockMovement._meta.fields] if obj else []

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:
            kwargs["fields"] = []
            return super().get_form(request, obj, **kwargs)
        return _with_request(super().get_form(request, obj, **kwargs), request)

    def save_model(self, request, obj, form, change):
        obj.__dict__.update(form.recorded.__dict__)
        left = Product.objects.with_left(obj.date).get(pk=obj.product_id).available
        self.message_user(request, f"{obj.product.name}: {left} left.", messages.SUCCESS)

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False
