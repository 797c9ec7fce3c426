from django.contrib import admin

from milkshop.taskqueue.models import HeldTask


@admin.register(HeldTask)
class HeldTaskAdmin(admin.ModelAdmin):
    """Read-only: held tasks leave by themselves once the broker is back (release_held_tasks)."""

    list_display = ["func", "held_at", "error"]
    fields = ["func", "held_at", "error"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
