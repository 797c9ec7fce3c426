"""Monthly accounts: their terms, what they owe, and the ledger entries that change it."""

from billing.models import BillingAccount


def accounts_lock(*, user_ids: list[int]) -> dict[int, BillingAccount]:
    """Lock the customers' monthly accounts in pk order; customers without an account row are left out."""
    accounts = BillingAccount.objects.select_for_update().filter(user_id__in=user_ids).order_by("pk")
    return {account.user_id: account for account in accounts}
