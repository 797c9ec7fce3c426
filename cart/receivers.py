from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from cart.models import Cart
from cart.selectors import SESSION_CART_ID
from cart.services import cart_merge


@receiver(user_logged_in, dispatch_uid="cart.merge_visitor_cart")
def merge_visitor_cart(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    cart_id = request.session.pop(SESSION_CART_ID, None)
    visitor_cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
    if visitor_cart is None:
        return
    user_cart, _ = Cart.objects.get_or_create(user=user)
    cart_merge(source=visitor_cart, target=user_cart)
