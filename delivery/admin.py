from django.contrib import admin

from delivery.models import DeliveryZone, SlotBooking


@admin.register(DeliveryZone)
class DeliveryZoneAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "pincode_count"]
    list_filter = ["is_active"]
    search_fields = ["name", "pincodes"]

    @admin.display(description="PIN codes")
    def pincode_count(self, zone):
        return len(zone.pincodes.split())


@admin.register(SlotBooking)
class SlotBookingAdmin(admin.ModelAdmin):
    list_display = ["date", "slot", "booked"]
    list_filter = ["slot", "date"]
    date_hierarchy = "date"
    readonly_fields = ["date", "slot", "booked"]

    def has_add_permission(self, request):
        return False
