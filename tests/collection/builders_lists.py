"""Builders for list tests: a card-login enterprise with approved filings, volumes, books, licences, manifests.

Everything is created directly with the ORM (committed), so the list tests do not depend on the
filing and volume operations.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal

from portal import numbering
from portal.extensions import db
from portal.identity import Identity
from portal.models import (BondedBook, BondedBookItem, CollectionFiling, Licence, LicenceGood, Manifest, Product,
                           ProductVolume)

_serial = itertools.count(1)
FISH = ("0303890000", "冻鱼", "035", "品名:冻鱼|规格:整条")
LAPTOP = ("8471300000", "笔记本电脑", "001", "品牌:无|型号:A1")
STEEL = ("7208100000", "热轧钢板", "035", "材质:Q235", "4:LIC-1")
PRODUCTS = (FISH, LAPTOP, STEEL)
VESSEL = {"transport_mode": "2", "vessel_name": "COSCO STAR", "voyage_no": "V001", "bill_no": "COSU1234567",
          "packages": 10, "gross_weight": "1000", "net_weight": "900"}
ROAD = {"transport_mode": "4", "packages": 3, "gross_weight": "120.5", "net_weight": "100"}


@dataclass
class Trader:
    """A registered enterprise acting through a card login, with its API headers."""

    enterprise: object
    user: object
    card: object
    identity: Identity
    headers: dict


def trader(make, client, customs: str = "5300") -> Trader:
    """Create an enterprise holding a valid IE qualification, its admin with a card, and a card token."""
    n = next(_serial)
    enterprise = make.enterprise(registration_code=f"44039{n:05d}", customs_code=customs)
    make.qualification(enterprise, "IE")
    user = make.user(enterprise)
    card = make.card(user)
    return Trader(enterprise, user, card, Identity(user=user, login_mode="card", card=card),
                  make.token(client, card=card))


def filing(enterprise, customs: str = "5300", nature: str = "GENERAL", status: str = "APPROVED",
           valid_until=None) -> CollectionFiling:
    """Create a collection filing in `status` (approved by default)."""
    row = CollectionFiling(center_no=numbering.next_number(db.session, "filing"), enterprise_id=enterprise.id,
                           customs_code=customs, enterprise_customs_code=enterprise.registration_code,
                           enterprise_name=enterprise.name_zh, goods_nature=nature, status=status,
                           approval_valid_until=valid_until)
    db.session.add(row)
    db.session.commit()
    return row


def volume(filing_row: CollectionFiling, products=PRODUCTS, status: str = "APPROVED") -> ProductVolume:
    """Create a volume of the filing with products (hs, name, unit, spec[, licence no.]) by seq."""
    row = ProductVolume(volume_no=numbering.next_number(db.session, "volume"), filing_id=filing_row.id,
                        enterprise_id=filing_row.enterprise_id, status=status,
                        customs_volume_no=numbering.next_number(db.session, "customs_volume")
                        if status == "APPROVED" else None)
    db.session.add(row)
    db.session.flush()
    for seq, product in enumerate(products, 1):
        hs_code, name, unit, spec = product[:4]
        db.session.add(Product(volume_id=row.id, enterprise_id=row.enterprise_id, seq=seq, hs_code=hs_code,
                               name=name, unit=unit, spec=spec, license_no=product[4] if len(product) > 4 else None))
    db.session.commit()
    return row


def bonded_book(enterprise, products=(FISH, LAPTOP)) -> BondedBook:
    """Create a bonded book of the enterprise with items by seq."""
    book = BondedBook(book_no=f"E5300{next(_serial):07d}", enterprise_id=enterprise.id)
    db.session.add(book)
    db.session.flush()
    for seq, (hs_code, name, unit, spec, *_rest) in enumerate(products, 1):
        db.session.add(BondedBookItem(book_id=book.id, seq=seq, hs_code=hs_code, name=name, unit=unit, spec=spec))
    db.session.commit()
    return book


def licence(enterprise, quantity: str = "100", code: str = "4", number: str = "LIC-1",
            hs_codes=(STEEL[0],)) -> Licence:
    """Create a licence `code:number` of the enterprise covering `hs_codes`."""
    row = Licence(license_code=code, license_no=number, enterprise_id=enterprise.id, quantity=Decimal(quantity))
    db.session.add(row)
    db.session.flush()
    for hs_code in hs_codes:
        db.session.add(LicenceGood(licence_id=row.id, hs_code=hs_code))
    db.session.commit()
    return row


def manifest(bill_no: str = VESSEL["bill_no"], **values) -> Manifest:
    """Create the waterway manifest record of a B/L (matching VESSEL by default)."""
    defaults = {"vessel_name": VESSEL["vessel_name"], "voyage_no": VESSEL["voyage_no"], "packages": 10,
                "gross_weight": Decimal("1000"), "net_weight": Decimal("900")}
    defaults.update(values)
    row = Manifest(bill_no=bill_no, **defaults)
    db.session.add(row)
    db.session.commit()
    return row


def item(seq: int = 1, qty="10", price="2.5", **values) -> dict:
    """Return one list item body."""
    return {"filing_seq": seq, "qty": qty, "unit_price": price, "currency": "USD", "country": "AUS", **values}


def body(filing_no: str | None, items=None, list_type: str = "IMPORT_GENERAL", customs: str = "5300",
         transport=ROAD, **values) -> dict:
    """Return a POST /lists body that passes every declare check (given an approved filing and volume)."""
    result = {"list_type": list_type, "customs_code": customs, "filing_no": filing_no, **transport,
              "items": items if items is not None else [item(1), item(2, qty="3", price="1000")]}
    result.update(values)
    return result


def ready(make, client, customs: str = "5300"):
    """Return a trader with an approved general filing and an approved volume (FISH, LAPTOP, STEEL)."""
    who = trader(make, client, customs)
    row = filing(who.enterprise, customs)
    return who, row, volume(row)
