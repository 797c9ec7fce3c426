"""Money in the shop's currency: exact Decimals with two places, shown the Indian way (₹1,23,456.50)."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings


def to_money(value) -> Decimal:
    return Decimal(value).quantize(settings.MONEY_PLACES, rounding=ROUND_HALF_UP)


def group_indian(whole: str) -> str:
    """12345678 → 1,23,45,678: the last three digits, then pairs."""
    if len(whole) <= 3:
        return whole
    head, tail = whole[:-3], whole[-3:]
    pairs = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    if head:
        pairs.insert(0, head)
    return ",".join(pairs + [tail])


def format_money(value) -> str:
    amount = to_money(value)
    sign = "-" if amount < 0 else ""
    whole, fraction = f"{abs(amount):.2f}".split(".")
    return f"{sign}{settings.CURRENCY_SYMBOL}{group_indian(whole)}.{fraction}"
