"""Monthly accounts: their terms, what they owe, and the ledger entries that change it.

The balance is the sum of the ledger: positive is owed, negative is credit the household holds. The exposure adds
what is on its way and not yet delivered (confirmed monthly-account orders): the credit limit is checked against
it, in one place (account_refusal), by checkout and by the nightly subscription run alike.

Writes only billing rows; orders.workflows calls these with the account locked (Locks.accounts).
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from billing.models import AccountKind, BillingAccount, EntryKind, LedgerEntry, Statement
from milkshop.money import format_money, to_money
from orders.models import Order, OrderStatus
from payments.models import PaymentMethod, PaymentStatus

ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("99999999.99")  # what the amount columns hold
CREDIT_KINDS = (EntryKind.RETURN, EntryKind.CREDIT, EntryKind.DEPOSIT_REFUND)
# Orders that are charged when delivered and count against the limit until then.
_NOT_ON_THE_WAY = (OrderStatus.CANCELLED, OrderStatus.DELIVERED, OrderStatus.RETURNED)


class BillingError(Exception):
    """A change to a monthly account that is not allowed; the message is for people."""


def accounts_lock(*, user_ids: list[int]) -> dict[int, BillingAccount]:
    """Lock the customers' monthly accounts in pk order; customers without an account row are left out."""
    accounts = BillingAccount.objects.select_for_update().filter(user_id__in=user_ids).order_by("pk")
    return {account.user_id: account for account in accounts}


# Reading


def account_for(*, user: User) -> BillingAccount | None:
    """The customer's monthly account, or None for a prepaid household (with no row, or moved back to prepaid)."""
    if user is None or not user.is_authenticated:
        return None
    account = BillingAccount.objects.filter(user=user).first()
    return account if account is not None and account.is_postpaid else None


def is_postpaid(*, user: User) -> bool:
    return account_for(user=user) is not None


def account_balance(*, account: BillingAccount) -> Decimal:
    """What the household owes (positive) or holds in credit (negative): the sum of its ledger."""
    return to_money(LedgerEntry.objects.filter(account=account).aggregate(total=Sum("amount", default=ZERO))["total"])


def _on_the_way(user_ids) -> Q:
    return Q(
        user_id__in=user_ids,
        payment_method=PaymentMethod.POSTPAID,
        payment_status=PaymentStatus.PENDING,
    ) & ~Q(status__in=_NOT_ON_THE_WAY)


def account_unbilled_orders(*, account: BillingAccount) -> Decimal:
    """Monthly-account orders confirmed and not yet delivered: charged to the ledger when they are."""
    return to_money(
        Order.objects.filter(_on_the_way([account.user_id]))
        .exclude(status=OrderStatus.CREATED)
        .aggregate(total=Sum("total_amount", default=ZERO))["total"]
    )


def account_exposure(*, account: BillingAccount) -> Decimal:
    """The balance with what is on its way: what the household will owe once today's orders are delivered."""
    return account_balance(account=account) + account_unbilled_orders(account=account)


def accounts_exposure(*, accounts: list[BillingAccount]) -> dict[int, Decimal]:
    """account_exposure for many accounts at once (two queries), by user id."""
    if not accounts:
        return {}
    by_account = dict(
        LedgerEntry.objects.filter(account__in=accounts)
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    )
    user_ids = [account.user_id for account in accounts]
    on_the_way = dict(
        Order.objects.filter(_on_the_way(user_ids))
        .exclude(status=OrderStatus.CREATED)
        .values("user_id")
        .annotate(total=Sum("total_amount"))
        .values_list("user_id", "total")
        .order_by()
    )
    return {
        account.user_id: to_money((by_account.get(account.pk) or ZERO) + (on_the_way.get(account.user_id) or ZERO))
        for account in accounts
    }


def accounts_with_totals(queryset):
    """Accounts annotated with ledger_total (the balance) and on_the_way (orders not yet delivered), for lists."""
    ledger = (
        LedgerEntry.objects.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    on_the_way = (
        Order.objects.filter(
            user=OuterRef("user"),
            payment_method=PaymentMethod.POSTPAID,
            payment_status=PaymentStatus.PENDING,
        )
        .exclude(status__in=(*_NOT_ON_THE_WAY, OrderStatus.CREATED))
        .order_by()
        .values("user")
        .annotate(total=Sum("total_amount"))
        .values("total")
    )
    money = DecimalField(max_digits=12, decimal_places=2)
    return queryset.annotate(
        ledger_total=Coalesce(Subquery(ledger, output_field=money), Value(ZERO), output_field=money),
        on_the_way=Coalesce(Subquery(on_the_way, output_field=money), Value(ZERO), output_field=money),
    )


def account_refusal(*, account: BillingAccount, adding: Decimal, exposure: Decimal | None = None) -> str:
    """Why an order of `adding` cannot go on this account, or "" when it fits within the credit limit.

    The one rule for the limit: checkout, the app and the nightly run all ask here. exposure, when the caller
    already knows it (the nightly run, counting what it added), saves the queries."""
    if exposure is None:
        exposure = account_exposure(account=account)
    limit = account.credit_limit
    if exposure + adding <= limit:
        return ""
    to_pay = exposure + adding - limit
    return (
        f"Your monthly account owes {format_money(exposure)} against its {format_money(limit)} limit; "
        f"pay {format_money(to_pay)} to order again."
    )


def account_unbilled_entries(*, account: BillingAccount) -> Decimal:
    """The ledger since the last statement's month (what the next statement will bring in), charges less credits
    and payments."""
    last = (
        Statement.objects.filter(account=account, superseded_at__isnull=True)
        .order_by("-period_end")
        .values_list("period_end", flat=True)
        .first()
    )
    entries = LedgerEntry.objects.filter(account=account)
    if last is not None:
        entries = entries.filter(day__gt=last)
    return to_money(entries.aggregate(total=Sum("amount", default=ZERO))["total"])


def account_entries(*, account: BillingAccount):
    """The ledger, newest first, for the account page and the admin."""
    return LedgerEntry.objects.filter(account=account).select_related("order", "payment").order_by("-day", "-pk")


# Writing


def _limit(value) -> Decimal | None:
    try:
        limit = Decimal(str(value if value is not None else "0").strip())
    except InvalidOperation:
        return None
    return limit if limit.is_finite() else None


def account_terms_refusal(*, user: User, kind: str, credit_limit, by: User | None) -> str:
    """Why these terms cannot be set for the household, or "" when they can (the admin form asks before saving)."""
    if by is None or not (by.is_active and by.is_staff):
        return "Only the shop's staff set how a household pays."
    if kind not in AccountKind.values:
        return f"There is no kind of account {kind!r}."
    limit = _limit(credit_limit)
    if limit is None:
        return "Give the credit limit in rupees, for example 2000."
    if limit < 0:
        return "The credit limit cannot be negative."
    if limit != limit.quantize(Decimal("0.01")) or limit > MAX_AMOUNT:
        return "Give the credit limit in rupees and paise, two decimal places at most."
    if kind == AccountKind.POSTPAID and limit == 0:
        return "A monthly account needs a credit limit above ₹0: how much may the household owe?"
    account = BillingAccount.objects.filter(user=user).first()
    if kind == AccountKind.PREPAID and account is not None and account.is_postpaid:
        owed = account_exposure(account=account)
        if owed > 0:
            return (
                f"{user} still owes {format_money(owed)} on the monthly account (with deliveries not yet made); "
                "it can move back to prepaid once that is paid."
            )
        if owed < 0:
            return (
                f"{user} has {format_money(-owed)} in credit on the monthly account; it can move back to prepaid "
                "once that credit is used up by deliveries."
            )
    return ""


def account_set_terms(
    *, user: User, kind: str, credit_limit, by: User | None, payment_days: int | None = None
) -> BillingAccount:
    """Staff put a household on a monthly account with a credit limit, change the limit, or move it back to prepaid
    (only once nothing is owed). The account's row is locked while it changes."""
    with transaction.atomic():
        BillingAccount.objects.select_for_update().filter(user=user).first()
        if refusal := account_terms_refusal(user=user, kind=kind, credit_limit=credit_limit, by=by):
            raise BillingError(refusal)
        account = BillingAccount.objects.filter(user=user).first() or BillingAccount(user=user)
        account.kind = kind
        account.credit_limit = _limit(credit_limit).quantize(Decimal("0.01"))
        if payment_days is not None:
            account.payment_days = payment_days
        account.save()
    return account


def ledger_charge_delivery(
    *, account: BillingAccount, order: Order, goods: Decimal, deposit: Decimal, day, by: User | None = None
) -> list[LedgerEntry]:
    """Charge a delivered order: its goods and its container deposit, once however often DELIVERED is reported."""
    charged = set(
        LedgerEntry.objects.filter(order=order, kind__in=[EntryKind.DELIVERY, EntryKind.DEPOSIT]).values_list(
            "kind", flat=True
        )
    )
    entries = []
    for kind, amount, note in (
        (EntryKind.DELIVERY, goods, f"Order {order.number}"),
        (EntryKind.DEPOSIT, deposit, f"Container deposit, order {order.number}"),
    ):
        if amount > 0 and kind not in charged:
            entries.append(
                LedgerEntry.objects.create(
                    account=account, kind=kind, amount=amount, day=day, order=order, note=note, created_by=by
                )
            )
    return entries


def ledger_credit(
    *,
    account: BillingAccount,
    kind: str,
    amount: Decimal,
    day,
    note: str,
    order: Order | None = None,
    payment=None,
    by: User | None = None,
) -> LedgerEntry:
    """Take money off what is owed: a return or refund, a credit from the shop, a container deposit given back."""
    if kind not in CREDIT_KINDS:
        raise BillingError(f"{kind} is not a credit.")
    if amount <= 0:
        raise BillingError("A credit must be more than ₹0.")
    return LedgerEntry.objects.create(
        account=account,
        kind=kind,
        amount=-amount,
        day=day,
        order=order,
        payment=payment,
        note=note[:255],
        created_by=by,
    )


def ledger_payment(
    *, account: BillingAccount, payment, day, by: User | None = None, note: str = ""
) -> LedgerEntry | None:
    """Count a successful payment towards the account once, however often its success is reported; None when it
    was already counted. More than is owed stays on the account as credit."""
    if LedgerEntry.objects.filter(payment=payment, kind=EntryKind.PAYMENT).exists():
        return None
    how = "in cash" if payment.method == PaymentMethod.CASH else f"by {payment.get_method_display()}"
    return LedgerEntry.objects.create(
        account=account,
        kind=EntryKind.PAYMENT,
        amount=-payment.amount,
        day=day,
        payment=payment,
        note=(f"Paid {how}: {note}" if note else f"Paid {how}")[:255],
        created_by=by,
    )


def account_payment_amount(value) -> Decimal:
    """A payment towards an account: rupees and paise, more than ₹0 (more than is owed is kept as credit)."""
    try:
        amount = Decimal(str(value).strip()) if value is not None else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise BillingError("Enter the amount in rupees, for example 1250.50.")
    if amount <= 0:
        raise BillingError("A payment must be more than ₹0.")
    if amount != amount.quantize(Decimal("0.01")):
        raise BillingError("Give the amount in rupees and paise: two decimal places at most.")
    if amount > MAX_AMOUNT:
        raise BillingError(f"{format_money(amount)} is more than one payment can be; check the amount.")
    return amount.quantize(Decimal("0.01"))


def ledger_payment_refunded(*, account: BillingAccount, payment, amount: Decimal, day, note: str = "") -> LedgerEntry:
    """Part or all of a payment towards the account went back to the household (a refund made at the provider):
    it no longer settles what is owed."""
    return LedgerEntry.objects.create(
        account=account,
        kind=EntryKind.PAYMENT_REFUNDED,
        amount=amount,
        day=day,
        payment=payment,
        note=(note or f"Payment of {format_money(payment.amount)} refunded")[:255],
    )
