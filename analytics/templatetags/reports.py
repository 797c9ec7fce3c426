from django import template
from django.utils.formats import date_format

from analytics.exports import export_value
from milkshop.money import format_money, group_indian

register = template.Library()


@register.filter
def cell(row: dict, column) -> str:
    """A report cell as the page shows it."""
    value = row[column.key]
    if value is None:
        return "—"
    if column.kind == "money":
        return format_money(value)
    if column.kind == "percent":
        return f"{value}%"
    if column.kind == "date":
        return date_format(value, "D j M")
    if column.kind == "int":
        return group_indian(str(value))
    return str(value)


@register.filter
def raw(row: dict, column) -> str:
    """The same cell as the exports write it (the page keeps it in data-value)."""
    return str(export_value(row[column.key]))


@register.filter
def get_table(tables: dict, key: str):
    return tables[key]
