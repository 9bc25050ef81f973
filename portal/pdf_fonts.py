"""The fonts of every PDF: one CJK font, then a fallback chain for the characters it lacks (P-1, P-3).

WenQuanYi Micro Hei (`PDF_FONT_PATH`) draws Latin text and the CJK characters of the Basic
Multilingual Plane. Real names also use CJK Extension B (王𠮷, U+20BB7) and users type symbols and
emoji, so each character it lacks is drawn by the first font of `PDF_FALLBACK_FONTS` that has it:
DejaVu Sans (Greek, Cyrillic, other Latin), Hanazono Mincho A and B (CJK Extensions A to F) and
Symbola (symbols and emoji, drawn in black). All are TrueType files of Debian packages that
reportlab can embed; colour-bitmap emoji fonts (Noto Color Emoji) and CFF-outline fonts (Noto CJK,
Unifont .otf) cannot be embedded and are not used. A fallback font that is not installed is left out.

`FontChain.missing` names the characters no font of the chain has: saving such text is refused
(`portal.print_guard`), and text saved before is printed with 〓 in their place, never a 500.
Default-ignorable code points (variation selectors, zero-width joiners) are dropped when printing.

reportlab writes the ToUnicode map of a character outside the BMP with five hex digits, which PDF
readers truncate (𠮷 is extracted as ₻); `fix_to_unicode_maps` replaces that function with one that
writes UTF-16 surrogate pairs, so `pdftotext` extracts what was printed.

`registered_font` registers each font of the chain with reportlab once per process; `portal.pdf` names
them to xhtml2pdf under their CSS families (swcjk, swfb1 …), so the documents declare no @font-face,
which xhtml2pdf copies to a temporary file and hashes on every render (5 MB for WenQuanYi, 22 MB for
Hanazono A: a fifth of a certificate's time).
"""
from __future__ import annotations

import logging
import os
import re
import threading
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from flask import current_app, has_app_context

log = logging.getLogger(__name__)

DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
DEFAULT_FALLBACK_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",             # fonts-dejavu-core
    "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf",             # fonts-hanazono
    "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",             # fonts-hanazono (Extension B and later)
    "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf",  # fonts-symbola (symbols, emoji)
)
# Printed in place of a character no installed font has (text saved before the check existed).
MISSING_GLYPH = "〓"
# Default-ignorable characters (Unicode DerivedCoreProperties): no glyph of their own, dropped when printed.
IGNORABLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
                       "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
                       "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]")
# Characters that are never printed as glyphs (line breaks, tabs and other controls).
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class FontMissing(RuntimeError):
    """The primary CJK font is not installed."""


def _ranges_class(codepoints) -> str:
    """Return a regex character class body for a set of code points, as ranges."""
    parts, start, previous = [], None, None
    for code in sorted(codepoints):
        if start is None:
            start = previous = code
        elif code == previous + 1:
            previous = code
        else:
            parts.append((start, previous))
            start = previous = code
    if start is not None:
        parts.append((start, previous))
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in parts)


def _cmap(path: Path) -> frozenset[int]:
    from reportlab.pdfbase.ttfonts import TTFontFile
    return frozenset(TTFontFile(str(path), subfontIndex=0, validate=0).charToGlyph)


@dataclass
class FontChain:
    """The primary font and its fallbacks, each with the characters it covers (read when first needed)."""

    paths: tuple[Path, ...]
    _covers: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def families(self) -> tuple[str, ...]:
        """CSS family / reportlab font names: swcjk for the primary, swfb1… for the fallbacks."""
        return ("swcjk",) + tuple(f"swfb{n}" for n in range(1, len(self.paths)))

    def covers(self, index: int) -> frozenset[int]:
        """Return the code points font `index` has a glyph for."""
        if index not in self._covers:
            with self._lock:
                if index not in self._covers:
                    self._covers[index] = _cmap(self.paths[index])
        return self._covers[index]

    @property
    def outside_primary(self) -> re.Pattern:
        """A pattern matching one character the primary font lacks (controls and ignorables excluded)."""
        if "outside" not in self._covers:
            covered = set(self.covers(0)) | set(range(0x20)) | {0x7f}
            self._covers["outside"] = re.compile(f"[^{_ranges_class(covered)}]")
        return self._covers["outside"]

    def font_for(self, char: str) -> int | None:
        """Return the index of the first font that has `char`, or None."""
        code = ord(char)
        for index in range(len(self.paths)):
            if code in self.covers(index):
                return index
        return None

    def missing(self, text: str) -> list[str]:
        """Return, in order and once each, the characters of `text` that no font of the chain has."""
        found: list[str] = []
        for match in self.outside_primary.finditer(text):
            char = match.group()
            if char not in found and not IGNORABLE.match(char) and not CONTROL.match(char) \
                    and self.font_for(char) is None:
                found.append(char)
        return found

    def prepare(self, text: str) -> tuple[str, set[int]]:
        """Return `text` ready to print (ignorables dropped, unknown characters as 〓) and the fallbacks it needs."""
        needed: set[int] = set()
        if not self.outside_primary.search(text):
            return text, needed

        def replace(match: re.Match) -> str:
            char = match.group()
            if IGNORABLE.match(char):
                return ""
            index = self.font_for(char)
            if index is None:
                log.warning("PDF: no installed font has U+%04X; printed as %s", ord(char), MISSING_GLYPH)
                return MISSING_GLYPH
            needed.add(index)
            return char
        return self.outside_primary.sub(replace, text), needed

    def runs(self, text: str) -> list[tuple[str, int]]:
        """Split prepared text into (run, font index) pieces, each drawn by one font."""
        if not self.outside_primary.search(text):
            return [(text, 0)]
        pieces: list[tuple[str, int]] = []
        for char in text:
            index = 0 if ord(char) in self.covers(0) else (self.font_for(char) or 0)
            if pieces and pieces[-1][1] == index:
                pieces[-1] = (pieces[-1][0] + char, index)
            else:
                pieces.append((char, index))
        return pieces


def primary_font_path() -> Path:
    """Return the configured CJK font file, or raise a clear error when it is missing."""
    configured = current_app.config.get("PDF_FONT_PATH") if has_app_context() else None
    path = Path(configured or os.environ.get("PDF_FONT_PATH") or DEFAULT_FONT_PATH)
    if not path.is_file():
        raise FontMissing(
            f"PDF 中文字体文件不存在：{path}。请安装 Debian 软件包 fonts-wqy-microhei，或设置 PDF_FONT_PATH "
            f"指向一个 TrueType（.ttf/.ttc）中文字体。(PDF CJK font not found: {path}; "
            "apt-get install fonts-wqy-microhei or set PDF_FONT_PATH.)")
    if path.suffix.lower() not in {".ttf", ".ttc"}:
        raise FontMissing(f"PDF 中文字体必须是 TrueType 字体（.ttf/.ttc）：{path}")
    return path.resolve()


def fallback_font_paths() -> tuple[Path, ...]:
    """Return the installed fallback fonts, in order (`PDF_FALLBACK_FONTS`, colon-separated)."""
    configured = current_app.config.get("PDF_FALLBACK_FONTS") if has_app_context() else None
    listed = configured if configured is not None else os.environ.get("PDF_FALLBACK_FONTS")
    names = [n for n in listed.split(":") if n] if listed is not None else list(DEFAULT_FALLBACK_FONTS)
    return tuple(Path(n).resolve() for n in names if Path(n).is_file() and Path(n).suffix.lower() in {".ttf", ".ttc"})


@lru_cache(maxsize=8)
def _chain(paths: tuple[Path, ...]) -> FontChain:
    return FontChain(paths)


def font_chain() -> FontChain:
    """Return the chain of the current configuration (cached per process)."""
    return _chain((primary_font_path(),) + fallback_font_paths())


_registered: dict[str, str] = {}
_register_lock = threading.Lock()


def registered_font(chain: FontChain, index: int) -> str:
    """Register font `index` of the chain with reportlab once per process, every weight and style drawn
    with the one face; return the reportlab font name."""
    path = str(chain.paths[index])
    name = f"sw-{zlib.crc32(path.encode()):08x}"
    if name not in _registered:
        with _register_lock:
            if name not in _registered:
                from reportlab.lib.fonts import addMapping
                from reportlab.pdfbase import pdfmetrics
                from reportlab.pdfbase.ttfonts import TTFont
                pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
                for bold in (0, 1):
                    for italic in (0, 1):
                        addMapping(name, bold, italic, name)
                _registered[name] = path
    return name


def _to_unicode_cmap(fontname, subset):
    """Write reportlab's ToUnicode CMap with UTF-16 (surrogate pairs for characters outside the BMP)."""
    def utf16(code: int) -> str:
        return chr(code).encode("utf-16-be", "surrogatepass").hex().upper()
    return "\n".join([
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap", "/CIDSystemInfo",
        f"<< /Registry ({fontname})", f"/Ordering ({fontname})", "/Supplement 0", ">> def",
        f"/CMapName /{fontname} def", "/CMapType 2 def", "1 begincodespacerange",
        "<00> <%02X>" % (len(subset) - 1), "endcodespacerange", "%d beginbfchar" % len(subset),
        *("<%02X> <%s>" % (i, utf16(v)) for i, v in enumerate(subset)),
        "endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"])


def fix_to_unicode_maps() -> None:
    """Make reportlab's embedded TrueType subsets extract non-BMP characters correctly (idempotent)."""
    from reportlab.pdfbase import ttfonts
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap
