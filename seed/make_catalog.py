"""Make ``seed/data/service_catalog.csv`` from seed 003 (run once; the file is committed).

    python -m seed.make_catalog ../shared/seeds/003_*.txt          # write the data file
    python -m seed.make_catalog ../shared/seeds/003_*.txt --check  # fail if the file differs

The seed is parsed by ``seed.catalog`` (checked against the seed's own totals row); the data
file's header names the seed file, its SHA-256 and the totals, so the file can be traced back.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from seed.catalog import _seed_file, parse_catalog
from seed.catalog_file import CATALOG_FILE, catalog_csv, count_catalog


def make_text(seed_path) -> str:
    """Return the data file's text for seed 003 at ``seed_path`` (a file or its folder)."""
    seed = _seed_file(seed_path)
    catalog = parse_catalog(seed)
    digest = hashlib.sha256(seed.read_bytes()).hexdigest()
    totals = count_catalog(catalog)
    header = [
        "Single Window service catalog (服务目录, SPEC K-1): categories, items, services and their functions.",
        f"Source: seed 003 ({seed.name}, SHA-256 {digest}),",
        "the Single Window service catalog table as text extracted from a PDF;",
        "parsed by seed/catalog.py, not typed in.",
        "Made by: python -m seed.make_catalog <seed 003>. Do not edit by hand; re-run the script instead.",
        "Totals (equal to the seed's own totals row): {categories} categories, {items} items, "
        "{services} services, {functions} functions.".format(**totals),
        "Empty agency: the seed does not show which agency (业务主管单位) the row belongs to.",
    ]
    return catalog_csv(catalog, header)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seed", help="seed 003 text file, or the folder holding 003_*.txt")
    parser.add_argument("--output", type=Path, default=CATALOG_FILE)
    parser.add_argument("--check", action="store_true", help="compare with the file instead of writing it")
    args = parser.parse_args(argv)
    text = make_text(args.seed)
    if args.check:
        same = args.output.exists() and args.output.read_text(encoding="utf-8") == text
        print(f"{args.output}: {'up to date' if same else 'DIFFERS from the seed'}")
        return 0 if same else 1
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
