"""The delivery admin's proof of delivery: the code, wrong tries, left at the door, the photo, and new tries."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from delivery.proofs import proof_tries_left, proof_tries_reset

# Shown read-only on a delivery's page: staff may read the code to a customer who has lost it.
PROOF_FIELDS = ["proof_code", "code_tries", "left_at_door", "door_photo_link"]


class DeliveryProofAdmin:
    """Mixed into DeliveryAdmin, which lists PROOF_FIELDS and the reset_code_tries action."""

    @admin.display(description="Wrong codes")
    def code_tries(self, delivery):
        left = proof_tries_left(delivery)
        return f"{delivery.proof_attempts} ({'locked' if not left else f'{left} left'})"

    @admin.display(description="Doorstep photo")
    def door_photo_link(self, delivery):
        if not delivery.door_photo:
            return "—"
        url = reverse("delivery:staff_door_photo", args=[delivery.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">View the photo</a>', url)

    @admin.action(description="Allow new tries of the delivery code for selected")
    def reset_code_tries(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda delivery: proof_tries_reset(delivery=delivery, by=request.user),
            "allowed new tries of the delivery code",
        )
