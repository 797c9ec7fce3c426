"""GST rules: the configured slabs, HSN codes, and the tax inside a price.

Prices in the shop include GST, as Indian retail prices do. A line's taxable value is its price without the tax;
the tax is CGST and SGST in halves when the goods stay in the shop's state, IGST when they go to another.
"""

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError

CENT = Decimal("0.01")
HSN_CODE = re.compile(r"^\d{4}(\d{2}){0,2}$")


def gst_slabs() -> list[Decimal]:
    return list(settings.GST_SLABS)


def gst_slab_validator(rate) -> None:
    """A GST rate must be one of the configured slabs (0, 5, 18 and 40 % since September 2025)."""
    slabs = gst_slabs()
    if rate is None or Decimal(rate) not in slabs:
        listed = ", ".join(f"{slab.normalize():f} %" for slab in slabs)
        raise ValidationError(f"{rate} % is not a GST slab. Use one of: {listed}.", code="gst_slab")


def hsn_code_validator(code: str) -> None:
    if not HSN_CODE.match(code or ""):
        raise ValidationError("An HSN code is 4, 6 or 8 digits (0401 is fresh milk).", code="hsn_code")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineTax:
    taxable_value: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal

    @property
    def tax(self) -> Decimal:
        return self.cgst + self.sgst + self.igst


def tax_in(total: Decimal, *, rate: Decimal, same_state: bool) -> LineTax:
    """Split a tax-inclusive amount into its taxable value and tax; the parts always add up to total."""
    taxable = _cents(total * 100 / (100 + rate)) if rate else total
    tax = total - taxable
    if not same_state:
        return LineTax(taxable_value=taxable, cgst=Decimal("0.00"), sgst=Decimal("0.00"), igst=tax)
    cgst = _cents(tax / 2)
    return LineTax(taxable_value=taxable, cgst=cgst, sgst=tax - cgst, igst=Decimal("0.00"))
