from django import template

from milkshop.money import format_money

register = template.Library()


@register.filter
def money(value) -> str:
    """A Decimal amount in the shop's currency: ₹1,23,456.50."""
    if value is None or value == "":
        return ""
    return format_money(value)
