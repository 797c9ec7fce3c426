"""GSTIN: 15 characters, the state's code, the holder's PAN, an entity number, Z, and a check character.

Pure Python (the settings use it before Django has loaded the apps)."""

import re

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SHAPE = re.compile(r"^\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]$")


def gstin_check_character(first_fourteen: str) -> str:
    total = 0
    for position, character in enumerate(first_fourteen):
        product = ALPHABET.index(character) * (2 if position % 2 else 1)
        total += product // 36 + product % 36
    return ALPHABET[(36 - total % 36) % 36]


def gstin_problem(gstin: str) -> str:
    """Why this is not a GSTIN, or "" when it is one."""
    if not SHAPE.match(gstin):
        return "a GSTIN is 15 characters: the state code, a PAN, an entity number, Z and a check character"
    if gstin_check_character(gstin[:14]) != gstin[14]:
        return f"its check character should be {gstin_check_character(gstin[:14])}"
    return ""
