"""Tokenize seed 003, the service catalog table as text extracted from a PDF.

The extraction lost the table's geometry. What survives, page by page (pages are separated by
two or more blank lines, text boxes by one):

- the *body*: rows whose cells fitted on one line come out as ``N name function`` lines
  (``anchors``, sometimes with the item and category in front: ``3 运输工具 1 水运 1 船舶备案管理``);
  function cells of rows whose labels did not fit come out as bare lines (``free`` lines);
- the *label zone* at the end of the page: the merged, vertically centred cells (category, item
  and service labels spanning several rows, and the responsible agencies) as bare numbers and
  names, column by column but not reliably row by row.

This module turns a page into a list of body events and a list of label tokens; ``catalog.py``
puts them back together.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# Table header and footer text: structure, not catalog content.
HEADER_LINES = frozenset({
    "服务功能", "序", "号", "服务类别", "系统名称", "服务名称 功能", "一级目录 二级目录 三级目录",
    "业务主管单", "位", "共", "计",
})
TITLE_MARK = "服务目录"
TOTALS = re.compile(r"(\d+)大项")
TOTALS_MARK = "<totals>"   # stands for the totals row, which closes the table body
NUMBER = re.compile(r"\d{1,2}")
# Government bodies: a Chinese name ending in a ministry/bureau/office suffix.
AGENCY = re.compile(r"[\u4e00-\u9fff]{2,8}(?:部|局|署|办|会|银行|部门)(?:（[\u4e00-\u9fff]+）)?")
AGENCY_PREFIX = re.compile(r"([\u4e00-\u9fff]+?)(\d.*)")
# A function line led by an unnumbered service name: "账户管理 账户新建、账户修改".
LABELLED_ROW = re.compile(r"([^\s、]{2,9}) (\S.*)")
# A label line: optional name, then "N name" pairs, optionally ending with a bare number.
PAIR_LINE = re.compile(r"(?:\S+ )?\d{1,2} \S+(?: \d{1,2} \S+)*(?: \d{1,2})?")
NAME_COLUMN_WIDTH = 8   # characters per line of the item/service name columns
NAME_MAX_LINES = 3


def is_agency(text: str) -> bool:
    """Tell whether ``text`` names a government body (签署 is a verb, not a 署)."""
    return bool(AGENCY.fullmatch(text)) and not text.endswith("签署")


def name_continues(lines: list[str]) -> bool:
    """Tell whether a wrapped name goes on past its last line (the line is full)."""
    last = lines[-1]
    if last.endswith("）"):
        return False
    if len(lines) == 1:
        return len(last) >= NAME_COLUMN_WIDTH
    return len(last) >= min(len(lines[0]), NAME_COLUMN_WIDTH) >= 4


def split_pages(text: str) -> tuple[list[list[list[str]]], dict]:
    """Return the pages as lists of boxes of cleaned lines, and the totals row's figures."""
    totals: dict = {}
    pages = []
    for page_text in re.split(r"\n{3,}", text.strip("\n")):
        boxes = []
        for box_text in re.split(r"\n\n", page_text):
            lines = []
            for line in (raw.strip() for raw in box_text.split("\n")):
                if match := TOTALS.search(line):
                    figures = sorted(int(n) for n in re.findall(r"\d+", line) if n != match.group(1))
                    totals = {"categories": int(match.group(1)), "items": figures[0],
                              "services": figures[1], "functions": figures[2]}
                    lines.append(TOTALS_MARK)
                    continue
                if not line or line.startswith("http") or line in HEADER_LINES or TITLE_MARK in line:
                    continue
                prefix = AGENCY_PREFIX.fullmatch(line)
                if prefix and is_agency(prefix.group(1)):
                    lines += [prefix.group(1), prefix.group(2)]
                else:
                    lines.append(line)
            if lines:
                boxes.append(lines)
        pages.append(boxes)
    return pages, totals


def _agency_box(box: list[str]) -> list[str] | None:
    if all(is_agency(line) for line in box):
        return box
    if is_agency("".join(box)):
        return ["".join(box)]
    return None


def _label_compatible(box: list[str]) -> bool:
    if box == [TOTALS_MARK]:
        return False
    if _agency_box(box) or is_agency(box[0]) or all(NUMBER.fullmatch(line) for line in box):
        return True
    return len(box) <= NAME_MAX_LINES and all(
        PAIR_LINE.fullmatch(line) or NUMBER.fullmatch(line) or len(line) <= NAME_COLUMN_WIDTH + 1
        for line in box)


def split_zones(boxes: list[list[str]]) -> tuple[list[list[str]], list[list[str]]]:
    """Split a page into its body boxes and its label-zone boxes (the label-only tail)."""
    start = len(boxes)
    while start > 0 and _label_compatible(boxes[start - 1]):
        start -= 1
    # The zone opens with a number, a label line or an agency, never with a bare name.
    while start < len(boxes) and not (NUMBER.match(boxes[start][0]) or is_agency(boxes[start][0])):
        start += 1
    body = [box for box in boxes[:start] if box != [TOTALS_MARK]]
    return body, boxes[start:]


@dataclass
class Anchor:
    """A body line that names its row: ``pairs`` are (seq, name), the last one the service."""
    pairs: list
    functions: list = field(default_factory=list)
    agency: str | None = None


@dataclass
class Free:
    """A body line holding (part of) a function cell whose row label is not on the line.

    ``label`` is set for ``name function`` lines: a service name printed before its function,
    its number sitting in a cell merged over several such rows.
    """
    text: str
    label: str | None = None


@dataclass
class Agency:
    """An agency cell met in the body or the label zone."""
    names: list


def _split_pairs(line: str):
    tokens = line.split(" ")
    pairs, index = [], 0
    while index < len(tokens) and NUMBER.fullmatch(tokens[index]):
        if index + 1 < len(tokens) and not NUMBER.fullmatch(tokens[index + 1]):
            pairs.append([int(tokens[index]), tokens[index + 1]])
            index += 2
        else:
            pairs.append([int(tokens[index]), None])
            index += 1
            break
    return pairs, tokens[index:]


def _split_agency(tokens: list[str]) -> tuple[str, str | None]:
    if len(tokens) > 1 and is_agency(tokens[-1]):
        return " ".join(tokens[:-1]), tokens[-1]
    return " ".join(tokens), None


def body_events(body: list[list[str]]) -> list:
    """Turn body boxes into Anchor, Free and Agency events in reading order."""
    events: list = []
    pending: list | None = None   # name lines of an anchor whose name wraps
    for box in body:
        lines = list(box)
        if _agency_box(lines):
            events.append(Agency(_agency_box(lines)))
            continue
        if is_agency(lines[0]) and len(lines) > 1 and not NUMBER.match(lines[1]):
            events.append(Agency([lines.pop(0)]))
        for line in lines:
            if pending is not None and not NUMBER.match(line):
                pending.append(line)
                if not name_continues(pending):
                    events[-1].pairs[-1][1] = "".join(pending)
                    pending = None
                continue
            if NUMBER.match(line) and (NUMBER.fullmatch(line) or PAIR_LINE.match(line)):
                pairs, rest = _split_pairs(line)
                text, agency = _split_agency(rest)
                previous = events[-1] if events else None
                if isinstance(previous, Anchor) and not previous.functions and pending is None \
                        and previous.pairs[-1][1] is not None:
                    # An item (or category) label directly above its first service.
                    pairs = previous.pairs + pairs
                    events.pop()
                events.append(Anchor(pairs, [text] if text else [], agency))
                pending = [] if pairs[-1][1] is None else None
                continue
            text, agency = _split_agency(line.split(" "))
            labelled = LABELLED_ROW.fullmatch(text)
            if labelled:
                events.append(Free(labelled.group(2), labelled.group(1)))
            else:
                events.append(Free(text))
            if agency:
                events.append(Agency([agency]))
    return events


@dataclass
class Label:
    """A label-zone token: a bare number, a bare name, or a (seq, name) pair.

    A run of bare numbers followed by as many bare names often pairs up in order; such names get
    the number as ``hint`` and the run's id as ``run`` (a hint, since the zone order can lie).
    """
    seq: int | None
    name: str | None
    hint: int | None = None
    run: int | None = None


def _hint_runs(tokens: list[Label]) -> None:
    """Pair each run of bare numbers with the run of bare names right after it, when as long."""
    index, run = 0, 0
    while index < len(tokens):
        numbers, names = [], []
        while index < len(tokens) and tokens[index].name is None:
            numbers.append(tokens[index])
            index += 1
        while index < len(tokens) and tokens[index].name is not None:
            if tokens[index].seq is None:
                names.append(tokens[index])
            index += 1
        run += 1
        if numbers and len(numbers) == len(names):
            for number, name in zip(numbers, names):
                name.hint, name.run = number.seq, run


def _take_tail(boxes: list[list[str]], index: int, name_lines: list[str]) -> int:
    """Move the wrapped tail of a name from the next box onto ``name_lines``; return the index."""
    if index < len(boxes) and not NUMBER.match(boxes[index][0]) and not _agency_box(boxes[index]):
        name_lines.append(boxes[index].pop(0))
        if not boxes[index]:
            index += 1
    return index


def zone_tokens(zone: list[list[str]]) -> tuple[list[Label], list[list[str]]]:
    """Turn label-zone boxes into Label tokens in zone order, and the agency cells."""
    tokens: list[Label] = []
    agencies: list[list[str]] = []
    boxes = [list(box) for box in zone]
    index = 0
    while index < len(boxes):
        lines = boxes[index]
        index += 1
        if _agency_box(lines):
            agencies.append(_agency_box(lines))
            continue
        if is_agency(lines[0]):
            agencies.append([lines.pop(0)])
        position = 0
        while position < len(lines):
            line = lines[position]
            position += 1
            if NUMBER.fullmatch(line):
                name_lines = []
                while position < len(lines) and not NUMBER.match(lines[position]):
                    name_lines.append(lines[position])
                    position += 1
                if not name_lines:
                    tokens.append(Label(int(line), None))
                    continue
                if name_continues(name_lines):
                    index = _take_tail(boxes, index, name_lines)
                tokens.append(Label(int(line), "".join(name_lines)))
            elif NUMBER.match(line):
                pairs, _ = _split_pairs(line)
                tokens += [Label(seq, name) for seq, name in pairs]
            elif " " in line:
                head, tail = line.split(" ", 1)
                tokens.append(Label(None, head))
                lines.insert(position, tail)
            else:
                name_lines = [line] + lines[position:]
                position = len(lines)
                if len(name_lines) > 1 and name_continues(name_lines):
                    index = _take_tail(boxes, index, name_lines)
                tokens.append(Label(None, "".join(name_lines)))
    _hint_runs(tokens)
    return tokens, agencies
