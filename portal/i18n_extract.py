"""Babel extraction methods (babel.cfg) for the texts shown through `portal.i18n.translate` (X-4).

`extract_module`: the strings marked with `_()`/`_l()`/`N_()`, every violation message, and the Chinese
texts of constants (UPPER_CASE), `*_names`/`labels` tables and model `__label__`s.
`extract_rules`: every Chinese text of the pure rules. A composed message (f-string or `+`) becomes a
msgid with %(name)s placeholders that `translate` matches at run time.
"""
from __future__ import annotations

import ast
import io
import re

from babel.messages.extract import extract_python

HAN = re.compile(r"[\u4e00-\u9fff]")
# Constants, name/label tables and the models' `__label__` (the admin's register names).
TABLE_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$|(?:^|_)(?:names|labels)$|^__label__$")
VERB_METHODS = {"get", "join", "isoformat", "strip", "format", "upper", "lower"}


def extract_module(fileobj, keywords, comment_tags, options):
    """Yield a portal module's marked strings, violation messages and name tables."""
    source = fileobj.read()
    yield from extract_python(io.BytesIO(source), keywords, comment_tags, options)
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node.func) == "Violation":
            message = node.args[2] if len(node.args) > 2 else next(
                (k.value for k in node.keywords if k.arg == "message"), None)
            yield from _texts_of(message)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and TABLE_NAME.search(t.id) for t in targets):
                for value in ast.walk(node.value):
                    if _is_han_constant(value):
                        yield value.lineno, None, value.value, []


def extract_rules(fileobj, keywords, comment_tags, options):
    """Yield every Chinese text of a rules module (messages, labels, name tables); docstrings excepted."""
    tree = ast.parse(fileobj.read())
    skipped = {id(body[0].value) for node in ast.walk(tree)
               if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
               and (body := node.body) and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if _is_composed(node):
            skipped.update(id(part) for part in ast.walk(node))
            yield from _texts_of(node)
        elif _is_han_constant(node):
            yield node.lineno, None, node.value, []


def _texts_of(node):
    """Yield the msgid of a message expression: a constant, a composition, or row-labelled text."""
    if node is None:
        return
    if _is_han_constant(node):
        yield node.lineno, None, node.value, []
    elif _is_composed(node):
        msgid = composed_msgid(node)
        if msgid and HAN.search(msgid):
            yield node.lineno, None, msgid, []
    elif isinstance(node, ast.Call) and node.args:  # where.label(f"...") and similar wrappers
        yield from _texts_of(node.args[0])


def composed_msgid(node) -> str:
    """Turn an f-string or string concatenation into a msgid: literal parts, %(name)s for each value."""
    pieces: list = []
    _flatten(node, pieces)
    names: dict[str, str] = {}
    out = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece.replace("%", "%%"))
            continue
        source = ast.unparse(piece)
        if source not in names:
            base = _value_name(piece)
            name, n = base, 2
            while name in names.values():
                name, n = f"{base}_{n}", n + 1
            names[source] = name
        out.append(f"%({names[source]})s")
    return "".join(out)


def _flatten(node, pieces: list) -> None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        pieces.append(node.value)
    elif isinstance(node, ast.JoinedStr):
        for value in node.values:
            pieces.append(value.value if isinstance(value, ast.Constant) else value.value)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        _flatten(node.left, pieces)
        _flatten(node.right, pieces)
    else:
        pieces.append(node)


def _value_name(node) -> str:
    """Name a placeholder after its expression: `label`, `valid_until`, `qualification_name` …"""
    if isinstance(node, ast.Name):
        return node.id.lower()
    if isinstance(node, ast.Attribute):
        return node.attr.lower()
    if isinstance(node, ast.Subscript):
        return _value_name(node.value)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in VERB_METHODS:
            return "values" if isinstance(func.value, ast.Constant) else _value_name(func.value)
        return _value_name(func)
    if isinstance(node, ast.BinOp):
        return _value_name(node.left)
    return "value"


def _is_composed(node) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and HAN.search(v.value) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        pieces: list = []
        _flatten(node, pieces)
        return any(isinstance(p, str) and HAN.search(p) for p in pieces)
    return False


def _is_han_constant(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(HAN.search(node.value))


def _call_name(func) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None
