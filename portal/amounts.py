"""How amounts are written wherever people read them: pages, PDFs and exports of module C (C-24, P-3).

One helper per kind of number, so a screen and the PDF of the same record print the same text:
money (总价, 单价) with at least two decimals (20000.00, 3601.50, 12.3456) and quantities and weights
without trailing zeros (1.5, 20).
"""
from __future__ import annotations

from decimal import Decimal

CENTS = Decimal("0.01")


def money_text(value) -> str:
    """Write an amount of money with at least two decimals and no exponent: 20000 → 20000.00."""
    if value is None or value == "":
        return ""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    normal = number.normalize()
    if normal.as_tuple().exponent > -2:
        normal = number.quantize(CENTS)
    return format(normal, "f")


def quantity_text(value) -> str:
    """Write a quantity or weight without trailing zeros and no exponent: 1.5000 → 1.5."""
    if value is None or value == "":
        return ""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return format(number.normalize(), "f")
