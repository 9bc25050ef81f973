"""Rebuild the rows of the service catalog table, page by page (seed 003).

Every row of the table is a *slot* ``(category, item, service)``. On a page the slots form a
chain: each one continues the last slot of the previous page or follows it — the next service,
the first service of the next item, or the first item of the next category. Each slot's
service label is either on a body line (an ``Anchor``) or hidden in the label zone; the labels of
the items and categories present on the page are likewise on a body line or in the zone. So a
chain is right when it walks through every body anchor in order, puts a hidden slot only where
free function lines are left to hold it, and uses up exactly the numbers of the label zone
(give or take labels printed twice, on a body line and in the zone).

``solve_page`` enumerates such chains with a depth-first search; ``assign_names`` gives each new
label its name from the zone (names come column by column: categories, items, services).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from seed.catalog_text import Anchor

MAX_CHAINS = 2000      # readings kept per page (a page has a handful)


@dataclass(frozen=True)
class Slot:
    """One table row: category, item and service numbers, and its body anchor if any."""
    category: int
    item: int
    service: int
    anchor: Anchor | None = None

    @property
    def key(self):
        return (self.category, self.item, self.service)


def _anchor_fits(anchor: Anchor, key) -> bool:
    pairs = anchor.pairs
    return all(pairs[-depth][0] == key[3 - depth] for depth in range(1, min(len(pairs), 3) + 1))


def solve_page(entries: list, seqs: list[int], last: tuple) -> list[tuple]:
    """Return candidate chains for one page as (slots, leftover numbers, penalty).

    ``spare`` counts free rows not yet owned by a hidden slot: each hidden slot needs one, the
    rest go to the slot before them. ``hungry`` marks an anchor still waiting for its first
    function row. The penalty counts free rows left to an anchor that had its function inline.
    """
    inline = Counter(pair[0] for entry in entries if isinstance(entry, Anchor) for pair in entry.pairs)
    chains: list[tuple] = []

    def spill(slots, spare):
        anchor = slots[-1].anchor if slots else None
        return int(spare > 0 and anchor is not None and bool(anchor.functions))

    def walk(position, previous, remaining, labelled, slots, spare, hungry, penalty):
        if len(chains) >= MAX_CHAINS:
            return
        entry = entries[position] if position < len(entries) else None
        if isinstance(entry, list):
            reserve = 1 if hungry else 0
            walk(position + 1, previous, remaining, labelled, slots, spare + len(entry) - reserve,
                 False, penalty)
            return
        if entry is None:
            leftover = +remaining
            if slots and not hungry and all(inline[seq] >= count for seq, count in leftover.items()):
                chains.append((list(slots), sum(leftover.values()), penalty + spill(slots, spare)))
        category, item, service = previous
        options = [(category, item, service)] if not slots and service else []
        options += [(category, item, service + 1), (category, item + 1, 1), (category + 1, 1, 1)]
        # An anchor needs the previous anchor fed, and no rows may precede the page's first slot.
        can_anchor = entry is not None and not hungry and not (spare and not slots)
        for key in options:
            if can_anchor and entry.pairs[-1][0] == key[2] and _anchor_fits(entry, key):
                left, seen = _take_labels(key, remaining, labelled, len(entry.pairs))
                if left is not None:
                    slots.append(Slot(*key, entry))
                    walk(position + 1, key, left, seen, slots, 0, not entry.functions,
                         penalty + spill(slots[:-1], spare))
                    slots.pop()
            if spare > 0 and remaining[key[2]] > 0:
                left, seen = _take_labels(key, remaining, labelled, 0)
                if left is not None and left[key[2]] > 0:
                    left[key[2]] -= 1
                    slots.append(Slot(*key))
                    walk(position, key, left, seen, slots, spare - 1, False, penalty)
                    slots.pop()

    walk(0, last, Counter(seqs), frozenset(), [], 0, False, 0)
    return chains


def _take_labels(key, remaining: Counter, labelled: frozenset, inline_pairs: int):
    """Use up the zone numbers labelling the item and category of ``key`` on this page."""
    left = Counter(remaining)
    seen = set(labelled)
    for scope, seq, depth in ((key[:2], key[1], 2), (key[:1], key[0], 3)):
        if scope in seen:
            if inline_pairs >= depth:
                return None, None
            continue
        seen.add(scope)
        if inline_pairs >= depth:
            continue
        if left[seq] <= 0:
            return None, None
        left[seq] -= 1
    return left, frozenset(seen)


def page_labels(slots: list[Slot]):
    """Return the labels a page's zone must give (categories, items, services) and inline names."""
    categories, items, services, inline = [], [], [], {}
    seen = set()
    for slot in slots:
        anchor = slot.anchor
        for scope, depth, store in ((slot.key[:1], 3, categories), (slot.key[:2], 2, items)):
            if scope in seen:
                continue
            seen.add(scope)
            if anchor is not None and len(anchor.pairs) >= depth:
                inline[scope] = anchor.pairs[-depth][1]
            else:
                store.append(scope)
        if anchor is not None:
            inline[slot.key] = anchor.pairs[-1][1]
        elif slot.key not in services:
            services.append(slot.key)
    return categories, items, services, inline


def assign_names(slots: list[Slot], tokens: list, known: dict, leftover: int = 0,
                 grouped: frozenset = frozenset()) -> tuple[dict, dict, set, int, int]:
    """Name the page's labels from the zone.

    Returns the names by key, the extra names of ``grouped`` slots (a slot whose rows turned out
    to hold several unnumbered services), the keys whose inline label the zone repeats, how many
    known names were missing from the zone, and how many zone names were left over or lacking.
    """
    categories, items, services, inline = page_labels(slots)
    # A run whose hints contradict a name already known is not trusted.
    untrusted = {token.run for token in tokens for key in categories + items
                 if token.run and key in known and token.name == known[key] and token.hint != key[-1]}
    stream = [(token.name, token.seq, None if token.run in untrusted else token.hint)
              for token in tokens if token.name]
    names = dict(inline)
    missing = 0
    for key in categories + items + services:
        if key in known:
            names[key] = known[key]
            hit = next((n for n, (name, _, _) in enumerate(stream) if name == known[key]), None)
            if hit is None:
                missing += 1
            else:
                stream.pop(hit)
    # Labels printed both on a body line and in the zone: as many as numbers were left over.
    repeated = set()
    for key, name in list(inline.items())[:leftover]:
        hit = next((n for n, (other, _, _) in enumerate(stream) if other == name), None)
        if hit is not None:
            stream.pop(hit)
            repeated.add(key)
    groups = [[key for key in group if key not in known] for group in (categories, items, services)]
    surplus = len(stream) - sum(map(len, groups))
    extra: dict = {}
    start = 0
    for level, group in enumerate(groups):
        width = len(group) + (max(surplus, 0) if level == 2 else 0)
        chunk, start = stream[start:start + width], start + width
        unnamed, rest = list(group), []
        for name, seq, hint in chunk:
            seq = seq if seq is not None or level == 2 else hint
            matches = [key for key in unnamed if seq is not None and key[-1] == seq]
            if len(matches) == 1:
                names[matches[0]] = name
                unnamed.remove(matches[0])
            else:
                rest.append(name)
        for key in unnamed:
            take = 1 + (len(rest) - len(unnamed) if key in grouped and not extra else 0)
            names[key], extra_names, rest = rest[0] if rest else None, rest[1:take], rest[take:]
            if extra_names:
                extra[key] = extra_names
    if any(extra.values()):
        surplus = 0
    return names, extra, repeated, missing, abs(surplus)
