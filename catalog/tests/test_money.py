from decimal import Decimal

import pytest

from milkshop.templatetags.money import money


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("0"), "₹0.00"),
        (Decimal("32.5"), "₹32.50"),
        (Decimal("999.999"), "₹1,000.00"),
        (Decimal("123456.7"), "₹1,23,456.70"),
        (Decimal("12345678"), "₹1,23,45,678.00"),
        (Decimal("-62"), "-₹62.00"),
    ],
)
def test_money_is_shown_in_rupees_with_indian_grouping(amount, shown):
    assert money(amount) == shown
