"""Parse the Single Window service catalog (SPEC K-1) out of seed 003.

Used once, by ``python -m seed.make_catalog``, to write the project's data file
``seed/data/service_catalog.csv`` (see ``seed.catalog_file``); ``init`` reads that file, never the seed.

The seed is the catalog table as text extracted from a PDF (``catalog_text`` describes what the
extraction kept, ``catalog_layout`` how the rows are rebuilt, ``catalog_rows`` how function
rows are joined and shared out). Nothing of the catalog is typed in: categories, items,
services, functions and agencies all come from the seed file, and the result is checked against
the seed's own totals row (共计 19大项 99项 392项 781项); a parse that does
not reach all four figures raises ``CatalogParseError``.

Each category is ``{"seq", "name", "agency", "items"}``, each item ``{"seq", "name", "agency",
"services"}``, each service ``{"seq", "name", "agency", "functions"}`` (functions: list of str).

Choices where the text alone is ambiguous:

- Function rows whose services' labels were printed apart from them are split between those
  services in order, each getting at least one row, preferring the split whose rows share the
  most words with the service names. Which of two readings of a page to keep is decided the same
  way when the numbers of the label zone allow both.
- Names in the label zone are taken in zone order (categories, then items, then services),
  except that a category or item name printed right after a run of as many bare numbers takes
  its number, when that run agrees with the names already known.
- One service number may cover several services printed each with its own name (海南零关税设备、
  交通工具及游艇业务办理: 账户管理, 转让登记 … 特殊情况转让 share number 1). They are kept as
  separate services; ``seq`` is then the service's position within its item, not the printed
  number.
- A function is one row of the table's 功能 column (a row may list several names separated by
  、); wrapped lines are joined back.
- An agency (业务主管单位) is given to an item only when the page shows which item it belongs
  to (printed among the item's rows, or the only agency beside the page's rows); otherwise the
  item's ``agency`` is None. A category's ``agency`` lists the agencies printed beside its rows
  (on pages shared with another category only when it has no page of its own).
"""
from __future__ import annotations

from pathlib import Path

from seed import catalog_text as text_
from seed.catalog_file import count_catalog
from seed.catalog_layout import Slot, assign_names, solve_page
from seed.catalog_rows import LABEL_MARK, Similarity, gaps, group_entries, split_rows

SEED_GLOB = "003_*.txt"


class CatalogParseError(ValueError):
    """The seed could not be parsed into the catalog its totals row announces."""


class _Page:
    def __init__(self, boxes):
        body, zone = text_.split_zones(boxes)
        self.events = text_.body_events(body)
        self.entries = group_entries(self.events)
        self.tokens, self.agencies = text_.zone_tokens(zone)
        self.seqs = [token.seq for token in self.tokens if token.seq is not None]


class _Reading:
    """One page read as a chain of slots, with names and function rows."""

    def __init__(self, page: _Page, slots: list[Slot], leftover: int, penalty: int, known: dict,
                 similarity: Similarity):
        self.slots = slots
        grouped = frozenset(slot.key for owners, rows in gaps(page.entries, slots)
                            if any(LABEL_MARK in row for row in rows) for slot in owners[-1:]
                            if slot.anchor is None)
        self.names, self.extra, repeated, missing, surplus = assign_names(
            slots, page.tokens, known, leftover, grouped)
        self.functions, fit = _functions(page, slots, {**known, **self.names}, similarity, repeated)
        self.score = (leftover, missing, surplus, penalty, -fit)


def _functions(page: _Page, slots: list[Slot], names: dict, similarity: Similarity,
               repeated: set) -> tuple[dict, float]:
    """Give each slot of a page its function rows; return them and the total similarity.

    A service labelled on its own body line has one row (its label is on that row), unless the
    zone repeats its label — then it spans several rows like the services labelled there.
    """
    functions: dict = {}
    total = 0.0
    for owners, rows in gaps(page.entries, slots):
        specs = [(names.get(slot.key) or "", len(slot.anchor.functions) if slot.anchor else 0,
                  slot.anchor is not None and slot.key not in repeated)
                 for slot in owners]
        parts, score = split_rows(rows, specs, similarity)
        total += score
        for slot, part in zip(owners, parts):
            inline = slot.anchor.functions if slot.anchor is not None else []
            functions.setdefault(slot.key, []).extend(inline + part)
    return functions, total


def _solve(pages: list[_Page]) -> tuple[list[_Reading], Similarity]:
    """Choose one reading per page, backtracking across pages when a page has none."""
    chosen: list[_Reading] = []
    similarity = Similarity([row for page in pages for entry in page.entries
                             for row in (entry if isinstance(entry, list) else entry.functions)])

    def search(index, last, known) -> bool:
        if index == len(pages):
            return True
        page, seen, readings = pages[index], set(), []
        for slots, leftover, penalty in solve_page(page.entries, page.seqs, last):
            signature = tuple(slot.key for slot in slots)
            if signature not in seen:
                seen.add(signature)
                readings.append(_Reading(page, slots, leftover, penalty, known, similarity))
        for reading in sorted(readings, key=lambda reading: reading.score):
            chosen.append(reading)
            if search(index + 1, reading.slots[-1].key, {**known, **reading.names}):
                return True
            chosen.pop()
        return False

    if not search(0, (0, 0, 0), {}):
        raise CatalogParseError("seed 003: no consistent reading of the catalog table")
    return chosen, similarity


def _split_group(name: str, extra: list[str], rows: list[str], similarity: Similarity) -> list[tuple]:
    """Split one slot's rows into the services printed under its single number."""
    segments: list[list] = []
    for row in rows:
        if LABEL_MARK in row:
            label, function = row.split(LABEL_MARK, 1)
            segments.append([label, [function]])
        elif segments and segments[-1][0] is None:
            segments[-1][1].append(row)
        else:
            segments.append([None, [row]])
    pool = [name, *extra]
    unnamed = [segment for segment in segments if segment[0] is None]
    services = []
    for segment in segments:
        if segment[0] is not None:
            services.append((segment[0], segment[1]))
            continue
        last = segment is unnamed[-1]
        names, pool = (pool, []) if last else (pool[:1], pool[1:])
        parts, _ = split_rows(segment[1], [(label, 0, False) for label in names], similarity)
        services += list(zip(names, parts))
    return services


def _agencies(pages: list[_Page], readings: list[_Reading]) -> tuple[dict, dict]:
    """Attribute agencies to items where the page leaves no doubt; return them and all by category.

    An agency printed on or between an item's own rows is that item's. An agency cell of the
    label zone is an item's only when it is the only agency in the zones of that item's pages
    (the zone order of several cells does not follow the rows).
    """
    on_rows: dict = {}
    seen: dict = {}
    by_category: dict = {}
    shared: dict = {}
    for page, reading in zip(pages, readings):
        slot_of = {id(slot.anchor): slot for slot in reading.slots if slot.anchor is not None}
        current = reading.slots[0].key[:2]
        for event in page.events:
            if id(event) in slot_of:
                current = slot_of[id(event)].key[:2]
                names = [event.agency] if event.agency else []
            else:
                names = event.names if isinstance(event, text_.Agency) else []
            if names:
                on_rows.setdefault(current, []).extend(names)
                by_category.setdefault(current[0], []).extend(names)
        cells = set("、".join(cell) for cell in page.agencies)
        categories = {slot.key[0] for slot in reading.slots}
        for slot in reading.slots:
            seen.setdefault(slot.key[:2], []).append(cells)
            # Beside rows of several categories, a cell belongs to one of them only.
            store = by_category if len(categories) == 1 else shared
            store.setdefault(slot.key[0], []).extend(sorted(cells))
    agencies = {item: "、".join(dict.fromkeys(names)) for item, names in on_rows.items()}
    for item, pages_cells in seen.items():
        single = {cell for cells in pages_cells if len(cells) == 1 for cell in cells}
        agrees = all(single <= cells for cells in pages_cells if cells)
        if item not in agencies and len(single) == 1 and agrees:
            agencies[item] = single.pop()
    for category, names in shared.items():
        if not by_category.get(category):
            by_category[category] = names
    return agencies, by_category


def _join(agencies: list[str]) -> str | None:
    return "、".join(dict.fromkeys(part for text in agencies for part in text.split("、"))) or None


def _build(pages: list[_Page], readings: list[_Reading], similarity: Similarity) -> list[dict]:
    """Assemble the page readings into categories → items → services."""
    names, functions, extra = {}, {}, {}
    for reading in readings:
        names.update(reading.names)
        extra.update(reading.extra)
        for key, rows in reading.functions.items():
            functions.setdefault(key, []).extend(rows)
    agencies, printed = _agencies(pages, readings)

    def services_of(item_key):
        services = []
        for key in sorted(key for key in names if len(key) == 3 and key[:2] == item_key):
            rows = functions.get(key, [])
            if extra.get(key) or any(LABEL_MARK in row for row in rows):
                services += _split_group(names[key], extra.get(key, []), rows, similarity)
            else:
                services.append((names[key], rows))
        return [{"seq": seq, "name": name, "agency": agencies.get(item_key), "functions": rows}
                for seq, (name, rows) in enumerate(services, start=1)]

    catalog = []
    for category_key in sorted(key for key in names if len(key) == 1):
        item_keys = sorted(key for key in names if len(key) == 2 and key[:1] == category_key)
        items = [{"seq": key[1], "name": names[key], "agency": agencies.get(key),
                  "services": services_of(key)} for key in item_keys]
        found = [item["agency"] for item in items if item["agency"]] + printed.get(category_key[0], [])
        catalog.append({"seq": category_key[0], "name": names[category_key], "agency": _join(found),
                        "items": items})
    return catalog


def _seed_file(path) -> Path:
    """Return seed 003 given as its file or as the folder holding it."""
    path = Path(path)
    if path.is_dir():
        found = sorted(path.glob(SEED_GLOB))
        if not found:
            raise FileNotFoundError(f"no {SEED_GLOB} under {path}")
        path = found[0]
    return path


def read_totals(path) -> dict[str, int]:
    """Return the totals row of seed 003 (categories, items, services, functions)."""
    _, totals = text_.split_pages(_seed_file(path).read_text(encoding="utf-8"))
    return totals


def parse_catalog(path) -> list[dict]:
    """Parse seed 003 into categories → items → services with functions and agencies (K-1)."""
    raw_pages, totals = text_.split_pages(_seed_file(path).read_text(encoding="utf-8"))
    pages = [_Page(boxes) for boxes in raw_pages]
    readings, similarity = _solve(pages)
    catalog = _build(pages, readings, similarity)
    counts = count_catalog(catalog)
    wrong = {level: (count, totals.get(level)) for level, count in counts.items()
             if count != totals.get(level)}
    if wrong:
        raise CatalogParseError(f"seed 003: parsed counts differ from its totals row (K-1): {wrong}")
    return catalog
