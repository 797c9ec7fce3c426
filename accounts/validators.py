import re

from django.core.exceptions import ValidationError

INDIAN_MOBILE = re.compile(r"^(?:\+91|91|0)?([6-9]\d{9})$")
PINCODE = re.compile(r"^[1-9]\d{5}$")


def normalize_phone(value: str) -> str:
    """Return an Indian mobile number as +91XXXXXXXXXX, or raise ValidationError."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    match = INDIAN_MOBILE.match(digits)
    if not match:
        raise ValidationError(
            "Enter a 10-digit Indian mobile number starting with 6, 7, 8 or 9 (for example 98765 43210).",
            code="invalid_phone",
        )
    return f"+91{match.group(1)}"


def validate_phone(value: str) -> None:
    normalize_phone(value)


PINCODE_MESSAGE = "Enter a 6-digit PIN code that does not start with 0 (for example 560001)."


def validate_pincode(value: str) -> None:
    if not PINCODE.match(value or ""):
        raise ValidationError(PINCODE_MESSAGE, code="invalid_pincode")
