from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Address, User


def addresses_for_user(*, user: User) -> QuerySet[Address]:
    return Address.objects.filter(user=user)


def address_for_user(*, user: User, address_id: int) -> Address:
    """The user's own address, or 404: another customer's address does not exist for them."""
    return get_object_or_404(Address, pk=address_id, user=user)
