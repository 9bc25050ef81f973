"""Contains-search on names through a bigram side table the database keeps itself.

Every name column listed in NAME_SOURCES has its lower-cased bigrams in `name_grams`
(source, gram, row_id), plus one start gram "^" + first character. Triggers written by the
migrations maintain them on every write path (ORM, INSERT … SELECT, COPY, imports, admin edits):
row triggers on SQLite, statement triggers with transition tables on PostgreSQL.

A search term of at least MIN_CJK non-ASCII or MIN_LATIN characters is a *contains* search: the
rarest of its bigrams (counted up to COUNT_CAP postings) picks the candidate rows through the
table's primary key, and the row's own `lower(name) LIKE '%' || lower(term) || '%'` decides, so the
result is exactly that LIKE (case-insensitive as SQLite's LIKE and PostgreSQL's ILIKE; `%` and `_`
match themselves). Shorter terms are prefix searches served by the start gram.
"""
from __future__ import annotations

from sqlalchemy import (Column, Integer, MetaData, PrimaryKeyConstraint, SmallInteger, String, Table, and_, any_,
                        bindparam, false, func, literal, select)
from sqlalchemy.dialects.postgresql import ARRAY

# source id -> (table, column). Ids are stored in name_grams: never renumber or reuse, only append.
NAME_SOURCES = {
    1: ("enterprises", "name_zh"),
    2: ("enterprises", "name_en"),
    3: ("products", "name"),
    4: ("bonded_book_items", "name"),
    5: ("list_items", "name"),
    # 6 was declaration_items.name, retired by migration search_0002 (the month-end wrote its grams).
    7: ("management_personnel", "name"),
    8: ("declaration_personnel", "name"),
    9: ("investors", "name"),
    10: ("users", "name"),
}
SOURCE_OF = {place: source for source, place in NAME_SOURCES.items()}
MIN_CJK = 2      # a term with a non-ASCII character searches anywhere from this length
MIN_LATIN = 3    # an all-ASCII term searches anywhere from this length
COUNT_CAP = 5000  # postings counted per gram: up to this many, the rarest gram drives the search
RARE_ENOUGH = 200  # a gram this rare ends the counting (the others would not be read anyway)
# As one arm of an OR, a gram held by at least one row in this many is walked in the page's order
# (a page of 21 fills within about 21 × this many rows) instead of its postings being fetched first.
WALK_PER_MATCH = 200
START = "^"       # the start gram: START + first character
MAX_POSITIONS = 300  # longest name column (SQLite reads bigram positions from a table of 1..300)


def grams_table(metadata: MetaData) -> tuple[Table, Table]:
    """Declare name_grams and the positions table SQLite's triggers read bigram offsets from."""
    grams = Table("name_grams", metadata,
                  Column("source", SmallInteger, nullable=False),
                  Column("gram", String(2), nullable=False),
                  Column("row_id", Integer, nullable=False),
                  PrimaryKeyConstraint("source", "gram", "row_id", name="pk_name_grams"),
                  sqlite_with_rowid=False)
    positions = Table("name_gram_positions", metadata,
                      Column("n", Integer, primary_key=True, autoincrement=False))
    return grams, positions


def searches_anywhere(term: str) -> bool:
    """Tell whether a term is long enough for a contains search (else it is a prefix search)."""
    return len(term) >= (MIN_LATIN if term.isascii() else MIN_CJK)


def bigrams(lowered: str) -> list[str]:
    """The distinct bigrams of an already lower-cased term, in order."""
    return list(dict.fromkeys(lowered[i:i + 2] for i in range(len(lowered) - 1)))


class NameSearch:
    """Build the condition 'this name column matches the term' for one query (one per search term)."""

    def __init__(self, session, grams: Table):
        self.session = session
        self.grams = grams
        self._lowered: dict[str, str] = {}
        self._counts: dict[tuple[int, str, int], int] = {}

    def lowered(self, term: str) -> str:
        """The term lower-cased by the database (the same folding the triggers and LIKE use)."""
        if term not in self._lowered:
            self._lowered[term] = self.session.scalar(select(func.lower(literal(term))))
        return self._lowered[term]

    def postings(self, source: int, gram: str, cap: int) -> int:
        """How many rows hold the gram, counted up to cap + 1 (cap + 1 means "more than cap")."""
        key = (source, gram, cap)
        if key not in self._counts:
            g = self.grams.c
            capped = select(literal(1)).where(g.source == source, g.gram == gram).limit(cap + 1).subquery()
            self._counts[key] = self.session.scalar(select(func.count()).select_from(capped))
        return self._counts[key]

    def rarest(self, source: int, grams: list[str]) -> list[tuple[int, str]]:
        """(count, gram) pairs, rarest first; a gram is only counted up to the rarest one seen so far."""
        counted, best = [], COUNT_CAP
        for gram in grams:
            count = self.postings(source, gram, best)
            counted.append((count, gram))
            best = min(best, count)
            if best <= RARE_ENOUGH:
                break
        return sorted(counted)

    def clause(self, column, term: str, alone: bool = True):
        """Return the SQL condition for `column` (a NAME_SOURCES column of a mapped model) and the term.

        `alone` says the condition is not one arm of an OR: with OR, planners cannot drive the
        query from the gram's postings, so rare matches are fetched first (at most COUNT_CAP ids), and
        dense ones are probed row by row in the page's order."""
        source = SOURCE_OF[(column.table.name, column.key)]
        lowered = self.lowered(term)
        anywhere = searches_anywhere(term)
        counted = self.rarest(source, bigrams(lowered) if anywhere else [START + lowered[:1]])
        fewest, first = counted[0]
        if fewest == 0:
            return false()
        g = self.grams.c
        ident = column.table.c.id
        recheck = self.recheck(column, lowered, anywhere)
        if fewest <= COUNT_CAP and (alone or fewest * WALK_PER_MATCH < self.rows_of(ident)):
            # A rare gram: its postings (at most COUNT_CAP) are the candidates, read by primary key.
            candidates = ident.in_(select(g.row_id).where(g.source == source, g.gram == first))
            if alone:
                return and_(candidates, recheck)
            ids = list(self.session.scalars(select(ident).where(candidates, recheck)))
            if not ids:
                return false()
            return ident == any_(bindparam(None, ids, type_=ARRAY(Integer))) if self.dialect == "postgresql" \
                else ident.in_(ids)
        # Every gram is common (over COUNT_CAP rows each, or, as one arm of an OR, held by at least one
        # row in WALK_PER_MATCH), so candidates are dense: walk the rows in the page's order and probe
        # up to three grams per row (scalar subqueries: one index probe each, never a hash of all
        # postings); a page of 20 fills early.
        probes = [select(g.row_id).where(g.source == source, g.gram == gram, g.row_id == ident)
                  .scalar_subquery().isnot(None) for _count, gram in counted[:3]]
        return and_(*probes, recheck)

    def recheck(self, column, lowered: str, anywhere: bool):
        """The row's own test: lower(name) holds the term (anywhere, or at the start).

        Written as a position test rather than LIKE: the result is the same (wildcards literal), and
        PostgreSQL's planner then guesses a third of the rows pass instead of a handful, so it walks
        the primary key in the page's order and stops after a page instead of scanning and sorting."""
        text, term = func.lower(column), literal(lowered)
        if self.dialect != "postgresql":
            return func.instr(text, term) > 0 if anywhere else func.instr(text, term) == 1
        found = func.strpos(text, term)
        # "= 1" would be guessed at 0.5 % of the rows; "< 2 and <> 0" says the same at a third.
        return found > 0 if anywhere else and_(found < 2, found != 0)

    def rows_of(self, ident) -> int:
        """About how many rows the table has: its highest id (one primary-key probe)."""
        return self.session.scalar(select(func.max(ident))) or 0

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name


# ---- DDL (used by the search_ migrations; keep it free of the models) ----------------------------
def sqlite_ddl(source: int, table: str, column: str) -> tuple[list[str], list[str]]:
    """Row triggers keeping one name column's bigrams (create statements, drop statements)."""
    prefix = f"ng_{table}_{column}"
    grams_of = (lambda row: f"SELECT {source}, substr('{START}' || lower({row}.{column}), n, 2), {row}.id "
                f"FROM name_gram_positions WHERE n <= length({row}.{column})")
    delete = (f"DELETE FROM name_grams WHERE source = {source} AND row_id = OLD.id AND gram IN "
              f"(SELECT substr('{START}' || lower(OLD.{column}), n, 2) FROM name_gram_positions "
              f"WHERE n <= length(OLD.{column}));")
    create = [
        f"CREATE TRIGGER {prefix}_ins AFTER INSERT ON {table} BEGIN "
        f"INSERT OR IGNORE INTO name_grams (source, gram, row_id) {grams_of('NEW')}; END",
        f"CREATE TRIGGER {prefix}_upd AFTER UPDATE OF {column} ON {table} "
        f"WHEN NEW.{column} IS NOT OLD.{column} BEGIN {delete} "
        f"INSERT OR IGNORE INTO name_grams (source, gram, row_id) {grams_of('NEW')}; END",
        f"CREATE TRIGGER {prefix}_del AFTER DELETE ON {table} BEGIN {delete} END",
    ]
    return create, [f"DROP TRIGGER IF EXISTS {prefix}_{kind}" for kind in ("ins", "upd", "del")]


PG_BIGRAMS = f"""
CREATE FUNCTION name_bigrams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr('{START}' || lower(t), i, 2)), '{{}}')
  FROM generate_series(1, length(t)) AS i
$$"""


def postgresql_ddl(source: int, table: str, column: str) -> tuple[list[str], list[str]]:
    """Statement triggers (transition tables) keeping one name column's bigrams."""
    prefix = f"ng_{table}_{column}"
    # name_bigrams() is distinct per row and ids are unique, so the rows never collide.
    insert = (f"INSERT INTO name_grams (source, gram, row_id) SELECT {source}, g, r.id "
              f"FROM new_rows r CROSS JOIN LATERAL unnest(name_bigrams(r.{column})) AS g;")
    delete = (f"DELETE FROM name_grams WHERE source = {source} AND (gram, row_id) IN "
              f"(SELECT g, r.id FROM old_rows r CROSS JOIN LATERAL unnest(name_bigrams(r.{column})) AS g);")
    changed = (f"old_rows AS (SELECT o.* FROM old_table o JOIN new_table n ON n.id = o.id "
               f"WHERE o.{column} IS DISTINCT FROM n.{column}), "
               f"new_rows AS (SELECT n.* FROM new_table n JOIN old_table o ON o.id = n.id "
               f"WHERE o.{column} IS DISTINCT FROM n.{column})")
    bodies = {
        "ins": ("INSERT", "NEW TABLE AS new_rows", insert),
        "del": ("DELETE", "OLD TABLE AS old_rows", delete),
        "upd": ("UPDATE", "OLD TABLE AS old_table NEW TABLE AS new_table",
                f"WITH {changed} {delete[:-1]};\n  WITH {changed} {insert}"),
    }
    create, drop = [], []
    for kind, (event, referencing, body) in bodies.items():
        function = f"{prefix}_{kind}"
        create.append(f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  {body}\n"
                      f"  RETURN NULL;\nEND $$")
        create.append(f"CREATE TRIGGER {function} AFTER {event} ON {table} REFERENCING {referencing} "
                      f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()")
        drop += [f"DROP TRIGGER IF EXISTS {function} ON {table}", f"DROP FUNCTION IF EXISTS {function}()"]
    return create, drop


def backfill_sql(dialect: str, source: int, table: str, column: str) -> str:
    """Fill the bigrams of rows that exist before the triggers (one INSERT … SELECT)."""
    if dialect == "postgresql":
        return (f"INSERT INTO name_grams (source, gram, row_id) SELECT {source}, g, r.id FROM {table} r "
                f"CROSS JOIN LATERAL unnest(name_bigrams(r.{column})) AS g")
    return (f"INSERT OR IGNORE INTO name_grams (source, gram, row_id) SELECT {source}, "
            f"substr('{START}' || lower(r.{column}), p.n, 2), r.id FROM {table} r "
            f"JOIN name_gram_positions p ON p.n <= length(r.{column})")
