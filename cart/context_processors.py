from functools import partial

from cart.selectors import cart_item_count


def cart_count(request):
    # Lazy: only pages that draw the header pay for the query.
    return {"cart_count": partial(cart_item_count, request)}
