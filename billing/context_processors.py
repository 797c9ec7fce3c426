from django.utils.functional import SimpleLazyObject

from billing.ledger import is_postpaid
from delivery.receivers import NAV_SESSION_KEY


def monthly_account(request):
    """Whether to show the "Monthly account" menu link: looked up only when a page's menu is drawn, and never for
    staff or riders (households are the ones with monthly accounts)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_staff or request.session.get(NAV_SESSION_KEY):
        return {}
    return {"has_monthly_account": SimpleLazyObject(lambda: is_postpaid(user=user))}
