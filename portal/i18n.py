"""English renderings (X-4): Chinese stays the default; in English, fixed texts come from the catalogue,
composed rule messages match the catalogue's message patterns, anything else keeps rule id, field and
the Chinese original.

Rule messages are not wrapped in `_()` where they are made (`rules/` is pure); `portal/i18n_extract.py`
collects them into the catalogue, and the functions here look them up when a page or the API shows them.
"""
from __future__ import annotations

import re
import weakref
from collections.abc import Mapping

from flask import has_request_context
from flask_babel import get_locale, get_translations, gettext

from rules.lifecycle import lifecycle_of

HAN = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")
MAX_DEPTH = 3
_patterns: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # translations → compiled patterns


def N_(text: str) -> str:
    """Mark a text for the catalogue without translating it here; `translate` renders it where shown."""
    return text


def is_english() -> bool:
    """Tell whether the current request renders in English."""
    if not has_request_context():
        return False
    locale = get_locale()
    return locale is not None and locale.language == "en"


def translate(text):
    """Return a fixed or composed Chinese text in the current language (itself when no rendering exists)."""
    if not text or not isinstance(text, str) or not is_english() or not HAN.search(text):
        return text
    return _translate(text, get_translations(), 0)


def _translate(text: str, translations, depth: int) -> str:
    found = translations.gettext(text)
    if found != text or depth >= MAX_DEPTH:
        return found
    for pattern, english in _message_patterns(translations):
        match = pattern.fullmatch(text)
        if match:
            values = {name: _inline(_translate(value, translations, depth + 1), english, name)
                          if HAN.search(value) else value
                      for name, value in match.groupdict().items()}
            try:
                return english % values
            except (KeyError, TypeError, ValueError):  # a malformed msgstr: keep the original
                return text
    return text


def _inline(value: str, english: str, name: str) -> str:
    """Lower-case a translated label used mid-sentence ("cannot Delete" → "cannot delete"; "HS code" stays)."""
    at = english.find(f"%({name})s")
    before = english[:at].rstrip()
    if at <= 0 or not before or before[-1] in '.!?:"' or len(value) < 2:
        return value
    return value[0].lower() + value[1:] if value[0].isupper() and value[1].islower() else value


def _message_patterns(translations) -> list[tuple[re.Pattern, str]]:
    """Compile every translated msgid with %(name)s placeholders into a regex, most literal text first."""
    cached = _patterns.get(translations)
    if cached is None:
        found = []
        for msgid, msgstr in getattr(translations, "_catalog", {}).items():
            if isinstance(msgid, str) and "%(" in msgid and msgstr and HAN.search(PLACEHOLDER.sub("", msgid)):
                found.append((_compile(msgid), msgstr, len(PLACEHOLDER.sub("", msgid))))
        found.sort(key=lambda entry: -entry[2])
        cached = _patterns[translations] = [(pattern, msgstr) for pattern, msgstr, _ in found if pattern is not None]
    return cached


def _compile(msgid: str) -> re.Pattern | None:
    parts, seen, position = [], set(), 0
    for match in PLACEHOLDER.finditer(msgid):
        parts.append(re.escape(msgid[position:match.start()]))
        name = match.group(1)
        if name is None:
            parts.append("%")
        elif name in seen:
            parts.append(f"(?P={name})")
        else:
            seen.add(name)
            parts.append(f"(?P<{name}>.+?)")
        position = match.end()
    parts.append(re.escape(msgid[position:]))
    try:
        return re.compile("".join(parts), re.DOTALL)
    except re.error:
        return None


def violation_message(violation) -> str:
    """Render a violation's message; in English without a rendering, name the rule and field and keep the original."""
    rule, field, message = _parts(violation)
    if not message or not is_english():
        return message
    english = translate(message)
    if english != message or not HAN.search(message):
        return english
    return gettext("违反规则 %(rule)s，字段 %(field)s（%(message)s）", rule=rule, field=field, message=message)


def violation_dict(violation) -> dict:
    """Return the API shape of a violation with its message in the current language."""
    shape = dict(violation) if isinstance(violation, Mapping) else violation.as_dict()
    if is_english():
        shape["message"] = violation_message(violation)
    return shape


def refusal_text(violations) -> str:
    """Join violations into one flash message, each with its rule id: 消息（Q-4）；消息（Q-7）."""
    return gettext("；").join(gettext("%(message)s（%(rule)s）", message=violation_message(v), rule=_parts(v)[0])
                              for v in violations)


def message_of(violation) -> str:
    """Return a violation's original (Chinese) message, whether a Violation or its API dict."""
    return _parts(violation)[2]


def _parts(violation) -> tuple[str, str, str]:
    if isinstance(violation, Mapping):
        return violation.get("rule", ""), violation.get("field", ""), violation.get("message", "")
    return violation.rule, violation.field, violation.message


class LocalizedNames(Mapping):
    """A read-only code → Chinese name mapping whose names come out in the current language."""

    def __init__(self, names: Mapping):
        self._names = names

    def __getitem__(self, key):
        return translate(self._names[key])

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


class StatusNames(Mapping):
    """A register's status code → name in the current language, read from its lifecycle table."""

    def __init__(self, register: str):
        self._lifecycle = lifecycle_of(register)

    def __getitem__(self, code):
        status = self._lifecycle.status(code)
        if status is None:
            raise KeyError(code)
        return status.en if is_english() else status.zh

    def __iter__(self):
        return iter(self._lifecycle.codes)

    def __len__(self) -> int:
        return len(self._lifecycle.statuses)


def status_names(register: str) -> StatusNames:
    """Return the status names of a register (rules/lifecycle.py) in the current language."""
    return StatusNames(register)


def status_name(register: str, code) -> str:
    """Return the name of one status of a register in the current language (the code when unknown)."""
    return status_names(register).get(code, "" if code is None else str(code))


def init_app(app) -> None:
    """Expose the `tr` and `violation_text` filters to the templates."""
    app.jinja_env.filters["tr"] = lambda text: "" if text is None else translate(text)
    app.jinja_env.filters["violation_text"] = violation_message
    app.jinja_env.globals["status_name"] = status_name
