from django.conf import settings


def shop(request):
    return {"shop_name": settings.SHOP_NAME, "currency_symbol": settings.CURRENCY_SYMBOL}
