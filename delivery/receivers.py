"""What the delivery app does when other domains announce something (after their transaction commits)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

NAV_SESSION_KEY = "delivery_nav_rider"


@receiver(user_logged_in, dispatch_uid="delivery.remember_rider_for_nav")
def remember_rider_for_nav(sender, request, user, **kwargs):
    """Whether to show riders their "Deliveries" link, kept in the session so pages need no query for it.

    Only the menu reads this; the rider pages check the Riders group on every request.
    """
    if request is not None and hasattr(request, "session"):
        request.session[NAV_SESSION_KEY] = user.is_rider
