from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Address, User
from accounts.signals import user_registered
from subscriptions.services import SubscriptionError, subscriptions_rezone


def user_register(*, user: User) -> User:
    """Save a new customer and announce it once the sign-up has committed."""
    with transaction.atomic():
        user.full_clean(exclude=["password"])
        user.save()
        transaction.on_commit(partial(user_registered.send, sender=User, user_id=user.pk))
    return user


def user_create(*, email: str, password: str, name: str, phone: str = "") -> User:
    user = User(email=User.objects.normalize_email(email).lower(), name=name, phone=phone)
    user.set_password(password)
    return user_register(user=user)


def user_update_profile(*, user: User, name: str, phone: str) -> User:
    user.name = name
    user.phone = phone
    user.full_clean(exclude=["password"])
    user.save(update_fields=["name", "phone", "updated_at"])
    return user


@transaction.atomic
def address_save(*, address: Address, make_default: bool = False) -> Address:
    """Create or update an address; the first one, or one asked for, becomes the default."""
    user = address.user
    # Lock the user's row so two saves cannot both end up default.
    User.objects.select_for_update().get(pk=user.pk)
    others = Address.objects.filter(user=user).exclude(pk=address.pk)
    if make_default or not others.filter(is_default=True).exists():
        others.filter(is_default=True).update(is_default=False)
        address.is_default = True
    address.full_clean()
    try:
        subscriptions_rezone(address=address)
    except SubscriptionError as error:
        raise ValidationError({"pincode": [str(error)]}) from error
    address.save()
    return address


@transaction.atomic
def address_delete(*, address: Address) -> None:
    """Delete an address; if it was the default, the oldest remaining one takes over."""
    User.objects.select_for_update().get(pk=address.user_id)
    was_default = address.is_default
    user_id = address.user_id
    address.delete()
    if was_default:
        successor = Address.objects.filter(user_id=user_id).order_by("created_at").first()
        if successor:
            successor.is_default = True
            successor.save(update_fields=["is_default", "updated_at"])
