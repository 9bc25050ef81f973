"""Time the bulk list import (C-15): a 10,000-item CSV (100 lists × 100 items) through POST /api/v1/lists/import.

    .venv/bin/python bench/import.py                      # SQLite in a temporary file
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/import.py
                                                          # PostgreSQL: creates and drops bench_import

The bench builds its own database (migrated, reference codes loaded), an enterprise with an
approved filing and an approved 99-item volume, and a card login; it then uploads the CSV through
the Flask test client (multipart parsing, every save and declare check, center numbers, inserts,
commit; with --declare also each list's declaration) and prints the seconds and items per second for each run (the first run is cold).
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import func, select  # noqa: E402
from bench.benchdb import scratch_database  # noqa: E402

BENCH_DB = "bench_import"
PIN = "246810"
HEADER = ["list_ref", "list_type", "customs_code", "filing_no", "transport_mode", "packages", "gross_weight",
          "net_weight", "filing_seq", "qty", "unit_price", "currency", "country", "spec"]


def database_url() -> tuple[str, callable]:
    """Return the bench database URL and a function that removes it afterwards."""
    return scratch_database(BENCH_DB)


def prepare(db) -> str:
    """Create the enterprise, its card, an approved filing and an approved 99-item volume; return the 备案号."""
    from portal import numbering
    from portal.auth.passwords import hash_secret
    from portal.models import Card, CollectionFiling, Enterprise, Product, ProductVolume, User
    from rules.identifiers import make_id_card, make_uscc
    enterprise = Enterprise(uscc=make_uscc("91440300", 7), name_zh="导入压测有限公司", customs_code="5300",
                            registration_code="4403900007", region_code="440304")
    db.session.add(enterprise)
    db.session.flush()
    user = User(username="bench_importer", password_hash=hash_secret("Bench1234"), name="压测员", role="ent_admin",
                enterprise_id=enterprise.id, id_type="ID_CARD", id_no=make_id_card("440304", "19900101", 7))
    db.session.add(user)
    db.session.flush()
    db.session.add(Card(card_no="BENCHCARD0001", card_type="OPERATOR", user_id=user.id, enterprise_id=enterprise.id,
                        holder_name=user.name, holder_id_type="ID_CARD", holder_id_no=user.id_no,
                        pin_hash=hash_secret(PIN)))
    filing = CollectionFiling(center_no=numbering.next_number(db.session, "filing"), enterprise_id=enterprise.id,
                              customs_code="5300", enterprise_customs_code=enterprise.registration_code,
                              enterprise_name=enterprise.name_zh, goods_nature="GENERAL", status="APPROVED")
    db.session.add(filing)
    db.session.flush()
    volume = ProductVolume(volume_no=numbering.next_number(db.session, "volume"), filing_id=filing.id,
                           enterprise_id=enterprise.id, status="APPROVED",
                           customs_volume_no=numbering.next_number(db.session, "customs_volume"))
    db.session.add(volume)
    db.session.flush()
    db.session.add_all([Product(volume_id=volume.id, enterprise_id=enterprise.id, seq=seq, hs_code=f"84713{seq:05d}",
                                name=f"笔记本电脑{seq}", unit="001", spec="品牌:BENCH|型号:X1") for seq in range(1, 100)])
    db.session.commit()
    return volume.customs_volume_no


def build_csv(filing_no: str, lists: int, items: int) -> bytes:
    """Return a CSV of `lists` lists × `items` items (one row per item)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for number in range(1, lists + 1):
        for position in range(1, items + 1):
            writer.writerow([f"L{number:05d}", "IMPORT_GENERAL", "5300", filing_no, "4", "10", "1000", "900",
                             (position - 1) % 99 + 1, position % 7 + 1, f"{position % 50 + 1}.25",
                             "USD" if position % 2 else "CNY", "AUS" if position % 3 else "USA", ""])
    return out.getvalue().encode("utf-8")


def run(url: str, options) -> int:
    from portal import create_app
    from portal.extensions import db
    from portal.models import ListItem
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret", "FAST_HASHES": True,
                      "MAX_CONTENT_LENGTH": 64 * 1024 * 1024})
    with app.app_context():
        from flask_migrate import upgrade
        from seed.load import load_reference
        upgrade()
        load_reference(db.session)
        db.session.commit()
        filing_no = prepare(db)
        content = build_csv(filing_no, options.lists, options.items)
        total_items = options.lists * options.items
        client = app.test_client()
        token = client.post("/api/v1/tokens", json={"card_no": "BENCHCARD0001", "pin": PIN}).json["token"]
        database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"{database}: {options.lists} lists × {options.items} items = {total_items} items, "
              f"CSV {len(content) / 1024:.0f} KiB")
        for attempt in range(1, options.repeat + 1):
            started = time.perf_counter()
            form = {"file": (io.BytesIO(content), "bench.csv"), "declare": "true" if options.declare else "false"}
            response = client.post("/api/v1/lists/import", data=form,
                                   content_type="multipart/form-data", headers={"Authorization": f"Bearer {token}"})
            elapsed = time.perf_counter() - started
            assert response.status_code == 201, response.get_data(as_text=True)[:500]
            assert len(response.json["created"]) == options.lists
            assert len(response.json["declared"]) == (options.lists if options.declare else 0)
            print(f"  run {attempt}: {elapsed:.2f} s, {total_items / elapsed:,.0f} items/s")
        stored = db.session.scalar(select(func.count()).select_from(ListItem))
        assert stored == total_items * options.repeat, stored
        db.session.remove()
        db.engine.dispose()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", type=int, default=100)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--declare", action="store_true", help="import and declare (status 2, receipts)")
    options = parser.parse_args()
    url, cleanup = database_url()
    try:
        return run(url, options)
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
