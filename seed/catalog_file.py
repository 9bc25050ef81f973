"""The service catalog (SPEC K-1) as the project's own data file, ``seed/data/service_catalog.csv``.

The file is made once from seed 003 by ``python -m seed.make_catalog`` (its ``#`` header names
the seed, its SHA-256 and the totals) and read by ``flask --app wsgi init``; nothing outside this
repository is read at run time. One CSV row per function row of the catalog table, in order:
category, item and service each with their sequence number, name and agency (empty when none).

A catalog is a list of categories ``{"seq", "name", "agency", "items"}``, each item ``{"seq",
"name", "agency", "services"}``, each service ``{"seq", "name", "agency", "functions"}``.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

CATALOG_FILE = Path(__file__).resolve().parent / "data" / "service_catalog.csv"
COLUMNS = ("category_seq", "category", "category_agency", "item_seq", "item", "item_agency",
           "service_seq", "service", "service_agency", "function")


def count_catalog(catalog: list[dict]) -> dict[str, int]:
    """Return how many categories, items, services and functions a catalog holds."""
    items = [item for category in catalog for item in category["items"]]
    services = [service for item in items for service in item["services"]]
    return {"categories": len(catalog), "items": len(items), "services": len(services),
            "functions": sum(len(service["functions"]) for service in services)}


def catalog_csv(catalog: list[dict], header: list[str]) -> str:
    """Return the data file's text: ``#`` header lines, then one row per function."""
    out = io.StringIO()
    out.writelines(f"# {line}\n" for line in header)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for category in catalog:
        for item in category["items"]:
            for service in item["services"]:
                for function in service["functions"]:
                    writer.writerow([category["seq"], category["name"], category["agency"] or "",
                                     item["seq"], item["name"], item["agency"] or "",
                                     service["seq"], service["name"], service["agency"] or "", function])
    return out.getvalue()


def read_catalog(path: Path = CATALOG_FILE) -> list[dict]:
    """Read the data file back into categories → items → services → functions."""
    with open(path, encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    catalog: list[dict] = []
    for row in csv.DictReader(lines):
        if not catalog or catalog[-1]["seq"] != int(row["category_seq"]):
            catalog.append({"seq": int(row["category_seq"]), "name": row["category"],
                            "agency": row["category_agency"] or None, "items": []})
        items = catalog[-1]["items"]
        if not items or items[-1]["seq"] != int(row["item_seq"]):
            items.append({"seq": int(row["item_seq"]), "name": row["item"],
                          "agency": row["item_agency"] or None, "services": []})
        services = items[-1]["services"]
        if not services or services[-1]["seq"] != int(row["service_seq"]):
            services.append({"seq": int(row["service_seq"]), "name": row["service"],
                             "agency": row["service_agency"] or None, "functions": []})
        services[-1]["functions"].append(row["function"])
    return catalog
