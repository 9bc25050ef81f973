"""The benches load names without the name triggers and fill name_grams afterwards
(bench/benchdb.py grams_after_load, the migration's set-based backfill): the bigrams must be exactly
the ones the triggers write, and the triggers must work again after the load."""
from __future__ import annotations

from sqlalchemy import select

from bench.benchdb import grams_after_load
from portal.extensions import db
from portal.models import Enterprise, name_grams
from portal.name_search import SOURCE_OF
from rules.identifiers import make_uscc

NAMES = [("深圳市华南进出口贸易有限公司", "Shenzhen Huanan Import & Export Co., Ltd."), ("联想(北京)有限公司", None),
         ("哈哈哈哈Ａ全角", "AAAA"), ("华", "X")]
SOURCES = (SOURCE_OF[("enterprises", "name_zh")], SOURCE_OF[("enterprises", "name_en")])


def grams_of(ident: int) -> list[tuple[int, str]]:
    """The (source, gram) rows name_grams holds for one enterprise's names."""
    g = name_grams.c
    return sorted(tuple(row) for row in db.session.execute(
        select(g.source, g.gram).where(g.row_id == ident, g.source.in_(SOURCES))))


def added(serial: int, zh: str, en: str | None) -> int:
    """Add an enterprise in the open transaction (no commit) and return its id."""
    enterprise = Enterprise(uscc=make_uscc("91440305", 9000 + serial), name_zh=zh, name_en=en, customs_code="5300",
                            registration_code=f"44039{9000 + serial:05d}")
    db.session.add(enterprise)
    db.session.flush()
    return enterprise.id


def test_grams_filled_after_a_load_equal_the_triggers_own_and_the_triggers_come_back(make):
    by_triggers = [make.enterprise(zh, name_en=en).id for zh, en in NAMES]
    with grams_after_load(db.session.connection(), ("enterprises",)) as figures:
        loaded = [added(n, zh, en) for n, (zh, en) in enumerate(NAMES)]
        assert [grams_of(ident) for ident in loaded] == [[] for _ in NAMES]  # no trigger during the load
    assert [grams_of(ident) for ident in loaded] == [grams_of(ident) for ident in by_triggers]
    assert all(grams_of(ident) for ident in by_triggers)
    assert figures["rows"] >= 2 * sum(len(grams_of(ident)) for ident in by_triggers)
    after = added(len(NAMES), *NAMES[0])
    assert grams_of(after) == grams_of(by_triggers[0])  # the triggers write again
    db.session.commit()
