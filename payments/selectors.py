from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.shortcuts import get_object_or_404

from accounts.models import User
from milkshop.money import to_money
from payments.models import Payment, WalletEntry


def wallet_balance(*, user: User) -> Decimal:
    total = WalletEntry.objects.filter(wallet__user=user).aggregate(total=Sum("amount"))["total"]
    return to_money(total or 0)


def wallet_entries_for_user(*, user: User) -> QuerySet[WalletEntry]:
    return WalletEntry.objects.filter(wallet__user=user).select_related("order")


def payments_for_user(*, user: User) -> QuerySet[Payment]:
    return Payment.objects.filter(user=user).select_related("order")


def payment_for_user(*, user: User, payment_id: int) -> Payment:
    return get_object_or_404(Payment.objects.select_related("order"), pk=payment_id, user=user)
