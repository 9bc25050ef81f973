"""Read an admin form page as a browser would post it: every input, select and textarea with its value."""
from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id: str | None):
        super().__init__()
        self.form_id, self.inside, self.values = form_id, form_id is None, {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.form_id is not None:
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.values[attrs["name"]] = attrs.get("value", "y")
            elif kind not in ("submit", "button", "file"):
                self.values[attrs["name"]] = attrs.get("value", "")
        elif tag == "select":
            self._select = attrs["name"]
            self.values.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.values[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def form_values(html: str, form_id: str | None = None) -> dict[str, str]:
    """Return name → value of the fields a page's form would post (checked boxes and selected options only)."""
    reader = _FormReader(form_id)
    reader.feed(html)
    return reader.values


def field_errors(html: str, name: str) -> str:
    """Return the text of the error block Flask-Admin prints under the input `name` ('' when none)."""
    import re
    match = re.search(rf'name="{name}".*?(?=<div class="form-group|</form>)', html, re.S)
    block = match.group(0) if match else ""
    errors = re.findall(r'<(?:ul|div) class="[^"]*(?:invalid-feedback|help-block|input-errors)[^"]*">(.*?)</(?:ul|div)>',
                        block, re.S)
    return re.sub(r"<[^>]+>", " ", " ".join(errors)).strip()
