"""Function rows of the service catalog (seed 003): join wrapped lines, share rows out.

A function cell of the table is one *row*; the PDF text wrapped long cells over several lines
(``join_rows`` puts them back). Where several services' rows run on without their labels,
``split_rows`` shares them out in order by how many words each row shares with each service
name (rare words weigh more), by the last word of the name (数据采集 / 数据申报 / 反馈处理), and
by keeping alike neighbouring rows together.
"""
from __future__ import annotations

import functools
import math
import re
from collections import Counter

from seed.catalog_text import Anchor

WRAP_WIDTH = 17.5      # a function line this wide (the column is full) may go on below
# A line that can only continue the row above: it opens with 、 ， （ or ends a word before 、 or ）.
CONTINUATION = re.compile(r"[、，（]|.{1,3}、|.{1,2}）")
SHORT_TAIL = 5         # a line this short after a full line is its tail
ROW_ENDINGS = ("查询", "统计", "申请", "整改", "）", ")")   # how function names end
NEW_ROW_MIN = 6        # a following name at least this long starts a row of its own
CUT_WORD = re.compile(r"\s\S{1,2}$")   # "…审批单  引": a second name cut after a word or two
LABEL_MARK = "\t"      # separates an unnumbered service name from its function in a row
TRAILING_NOTE = re.compile(r"(（[^（）]*）|\([^()]*\))+$")

ANCHOR_EXTRA_ROW = 100.0   # cost of a second row for a service labelled on its own line
BALANCE = 0.01             # ties go to the more even split
COHERENCE = 0.5            # cost of cutting between two rows, per weight of the words they share
ENDING_BONUS = 5.0         # a row ending with its service name's last word


def _width(text: str) -> float:
    return sum(0.5 if ord(ch) < 128 else 1 for ch in text)


def _ends_row(line: str, following: str) -> bool:
    """Tell whether a full line is a whole row: it closes a function and a long one follows."""
    return line.endswith(ROW_ENDINGS) and len(re.split("[、，]", following)[0]) >= NEW_ROW_MIN


def join_rows(lines: list[str]) -> list[str]:
    """Join wrapped function lines back into table rows (one function cell each)."""
    rows: list[list[str]] = []
    for line in lines:
        if rows and LABEL_MARK not in line:
            last = rows[-1][-1]
            wrapped = CONTINUATION.match(line) is not None or last[-1] in "、，" or (
                _width(last) >= WRAP_WIDTH and not _ends_row(last, line)
                and ("、" in last or len(line) <= SHORT_TAIL or CUT_WORD.search(last) is not None))
            if wrapped:
                rows[-1].append(line)
                continue
        rows.append([line])
    return ["".join(parts) for parts in rows]


def group_entries(events: list) -> list:
    """Return the body as anchors and lists of function rows (free lines joined)."""
    entries: list = []
    for event in events:
        if isinstance(event, Anchor):
            entries.append(event)
        elif hasattr(event, "text"):
            line = f"{event.label}{LABEL_MARK}{event.text}" if event.label else event.text
            if entries and isinstance(entries[-1], list):
                entries[-1].append(line)
            else:
                entries.append([line])
    return [join_rows(entry) if isinstance(entry, list) else entry for entry in entries]


@functools.lru_cache(maxsize=None)
def _bigrams(text: str) -> frozenset[str]:
    return frozenset(text[k:k + 2] for k in range(len(text) - 1))


class Similarity:
    """Score the words a function row shares with a name, rare words weighing more (IDF)."""

    def __init__(self, rows: list[str]):
        frequency = Counter(bigram for row in rows for bigram in _bigrams(row))
        total = max(len(rows), 1)
        self.weights = {bigram: math.log(total / count) for bigram, count in frequency.items()}
        self.unseen = math.log(total)
        self._cache: dict = {}

    def __call__(self, row: str, name: str) -> float:
        if (row, name) not in self._cache:
            self._cache[row, name] = self._score(row, name)
        return self._cache[row, name]

    def _score(self, row: str, name: str) -> float:
        shared = sum(self.weights.get(bigram, self.unseen) for bigram in _bigrams(row) & _bigrams(name))
        # Functions mostly end with their service's last word: 数据采集 / 数据申报 / 反馈处理.
        ending = _core(name)[-2:]
        return shared + (ENDING_BONUS if len(ending) == 2 and _core(row).endswith(ending) else 0.0)

    def kinship(self, first: str, second: str) -> float:
        """Return the weight of the words two rows share."""
        return sum(self.weights.get(bigram, self.unseen) for bigram in _bigrams(first) & _bigrams(second))


@functools.lru_cache(maxsize=None)
def _core(text: str) -> str:
    """Strip a trailing parenthesised note such as （外贸） or （导入）."""
    return TRAILING_NOTE.sub("", text)


def split_rows(rows: list[str], owners: list[tuple[str, int, bool]],
               similarity: Similarity) -> tuple[list[list[str]], float]:
    """Split rows in order among owners ``(name, rows it already has, inline label?)``.

    Each owner ends up with at least one row; the split with the best total similarity wins,
    rows sharing words with their owner's name, cuts falling between rows that share few words.
    """
    count, size = len(owners), len(rows)
    cut_cost = [0.0] + [COHERENCE * similarity.kinship(rows[n - 1], rows[n]) for n in range(1, size)] + [0.0]
    worst = float("-inf")
    best = [[worst] * (size + 1) for _ in range(count + 1)]   # first n rows to first k owners
    cut = [[0] * (size + 1) for _ in range(count + 1)]
    best[0][0] = 0.0
    for k, (name, already, anchored) in enumerate(owners, start=1):
        for n in range(size + 1):
            gain = 0.0
            for start in range(n, -1, -1):
                taken = n - start
                if taken:
                    gain += similarity(rows[start], name)
                if already + taken < 1 or best[k - 1][start] == worst:
                    continue
                extra = max(already + taken - 1, 0) * ANCHOR_EXTRA_ROW if anchored else BALANCE * taken ** 2
                value = best[k - 1][start] + gain - extra - (cut_cost[start] if taken else 0.0)
                if value > best[k][n]:
                    best[k][n], cut[k][n] = value, start
    if best[count][size] == worst:
        return [[] for _ in owners], worst
    parts, n = [], size
    for k in range(count, 0, -1):
        parts.append(rows[cut[k][n]:n])
        n = cut[k][n]
    return parts[::-1], best[count][size]


def gaps(entries: list, slots: list) -> list[tuple[list, list[str]]]:
    """Group a page's slots with the free rows they share: (owners, rows) in page order."""
    anchored = {id(slot.anchor): index for index, slot in enumerate(slots) if slot.anchor is not None}
    result: list[tuple[list, list[str]]] = []
    owners: list = []
    rows: list[str] = []
    cursor = 0
    for entry in entries:
        if isinstance(entry, list):
            rows += entry
            continue
        index = anchored[id(entry)]
        owners += slots[cursor:index]
        if owners or rows:
            result.append((owners, rows))
        owners, rows, cursor = [slots[index]], [], index + 1
    owners += slots[cursor:]
    result.append((owners, rows))
    return result
