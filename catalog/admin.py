from django.contrib import admin, messages
from django.utils.html import format_html

from catalog.models import Category, Product
from catalog.services import products_set_active

LOW_STOCK = 10


class StockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("out", "Out of stock"), ("low", f"Low (under {LOW_STOCK})"), ("in", "In stock")]

    def queryset(self, request, queryset):
        match self.value():
            case "out":
                return queryset.filter(stock=0)
            case "low":
                return queryset.filter(stock__gt=0, stock__lt=LOW_STOCK)
            case "in":
                return queryset.filter(stock__gt=0)
        return queryset


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "thumbnail",
        "name",
        "unit",
        "category",
        "price",
        "stock",
        "is_active",
        "subscribable",
        "updated_at",
    ]
    list_display_links = ["thumbnail", "name"]
    list_editable = ["price", "stock", "is_active"]
    list_filter = ["category", "is_active", StockFilter, "subscribable"]
    list_select_related = ["category"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name", "unit"]}
    readonly_fields = ["image_preview", "created_at", "updated_at"]
    fields = [
        "name",
        "slug",
        "category",
        "unit",
        "price",
        "stock",
        "is_active",
        "subscribable",
        "description",
        "image",
        "image_preview",
        "created_at",
        "updated_at",
    ]
    actions = ["activate", "deactivate"]
    list_per_page = 50

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
