"""The app's view of the customer's monthly account."""

from decimal import Decimal

from django.http import HttpRequest
from ninja import Router

from billing.ledger import ZERO, account_balance, account_exposure, account_for
from milkshop.apibase import COMMON_ERRORS, CamelSchema, bearer

router = Router(tags=["account"])


class AccountOut(CamelSchema):
    is_postpaid: bool
    balance: Decimal  # owed (positive) or in credit (negative)
    credit_limit: Decimal
    exposure: Decimal  # the balance with orders on their way


@router.get(
    "/account",
    response={200: AccountOut, **COMMON_ERRORS},
    auth=bearer,
    by_alias=True,
    summary="Your monthly account",
)
def account(request: HttpRequest):
    """A prepaid household answers isPostpaid false with zeros."""
    found = account_for(user=request.user)
    if found is None:
        return {"is_postpaid": False, "balance": ZERO, "credit_limit": ZERO, "exposure": ZERO}
    return {
        "is_postpaid": True,
        "balance": account_balance(account=found),
        "credit_limit": found.credit_limit,
        "exposure": account_exposure(account=found),
    }
