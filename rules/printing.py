"""Text that is printed must be printable with the installed fonts (P-1, P-3).

A character that no font of the PDF font chain has (`portal.pdf_fonts`) would print as a box, so
saving it is refused, naming the field and the character. Which characters the fonts have is
passed in: this module reads no font file.
"""
from __future__ import annotations

from typing import Callable, Iterable

from rules.violations import Violation


def unprintable_violations(values: Iterable[tuple[str, object]], missing: Callable[[str], list[str]],
                           rule: str = "P-1") -> list[Violation]:
    """Return one violation per field whose text has characters `missing` reports (no font has them)."""
    violations = []
    for field, value in values:
        if not isinstance(value, str) or not value:
            continue
        absent = missing(value)
        if absent:
            shown = "、".join(f"“{char}”（U+{ord(char):04X}）" for char in absent[:5])
            violations.append(Violation(rule, field, f"{field} 含有系统字体无法打印的字符 {shown}，"
                                                     "请改用其他写法后再保存"))
    return violations
