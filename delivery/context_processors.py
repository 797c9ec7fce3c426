from django.urls import reverse

from delivery.receivers import NAV_SESSION_KEY


def delivery_nav(request):
    """The "Deliveries" menu link: the rider page for riders, the daily manifest for staff."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if request.session.get(NAV_SESSION_KEY):
        return {"deliveries_url": reverse("delivery:rider")}
    if user.is_staff:
        return {"deliveries_url": reverse("delivery:manifest")}
    return {}
