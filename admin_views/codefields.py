"""Code fields of the admin forms: a searchable select over the field's code table (Q-9).

Options are the active rows of the code table as the pages and `GET /api/v1/codes/<table>` show them
(`portal.codes.choices`: "code name" with pinyin initials); portal.js turns every `select.sw-search`
into a select2 that matches code, Chinese name or pinyin initials, as on the enterprise pages. A
posted code that is not in the table is refused with the field's rule id, next to the field.
"""
from __future__ import annotations

from flask import g
from flask_babel import gettext, lazy_gettext
from wtforms import SelectChoice, SelectField
from wtforms.validators import ValidationError
from wtforms.widgets import Select

from admin_views.formrules import violation_text
from portal.codes import CODE_TABLE_LABELS
from portal.codes import choices as code_choices
from rules.qualification_basic import code_value_violations


def _options(table: str) -> list[tuple[str, str, str]]:
    """Return (code, label, pinyin) of a code table, read once per request."""
    cache = g.setdefault("_admin_code_options", {})
    if table not in cache:
        cache[table] = code_choices(table)
    return cache[table]


class CodeSelectWidget(Select):
    """A <select> portal.js makes searchable (the admin's templates pass their own class, so add ours)."""

    def __call__(self, field, **kwargs):
        kwargs["class"] = f"{kwargs.get('class', 'form-control')} sw-search".strip()
        return super().__call__(field, **kwargs)


class CodeSelectField(SelectField):
    """A code column as a searchable select; blank is None, an unknown code a rule violation."""

    widget = CodeSelectWidget()

    def __init__(self, label=None, validators=None, table: str = "", rule: str = "Q-9", **kwargs):
        kwargs.pop("coerce", None)
        kwargs.pop("choices", None)
        super().__init__(label, validators, choices=self._choices, validate_choice=False, **kwargs)
        self.table = table
        self.rule = rule
        self.render_kw = {"data-code-table": table,
                          "data-placeholder": lazy_gettext("输入代码、名称或拼音首字母"), **(self.render_kw or {})}

    def _choices(self):
        options = [SelectChoice("", "")]
        options += [SelectChoice(code, label, render_kw={"data-pinyin": pinyin or ""})
                    for code, label, pinyin in _options(self.table)]
        if self.data and self.data not in {code for code, _label, _pinyin in _options(self.table)}:
            # a stored code no longer in the table stays visible (and is refused on save)
            options.append(SelectChoice(self.data, gettext("%(code)s（不在参数表中）", code=self.data)))
        return options

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = (valuelist[0] or "").strip() or None

    def process_data(self, value):
        self.data = str(value) if value not in (None, "") else None

    def pre_validate(self, form):
        codes = {code for code, _label, _pinyin in _options(self.table)}
        label = CODE_TABLE_LABELS.get(self.table, self.table)
        violations = code_value_violations(self.data, codes, self.name, str(self.label.text or label), self.rule)
        if violations:
            raise ValidationError(violation_text(violations))
