"""Printing every row in linear time (P-3), real names in every font (P-1), amounts as on screen."""
from __future__ import annotations

import re
import time
from decimal import Decimal

from sqlalchemy import delete, insert, select

from portal.extensions import db
from portal.models import ListHead, ListItem
from tests.collection import builders_lists as b
from tests.collection.test_lists import create
from tests.test_pdf import pdf_fonts, pdf_text

ROWS = 3000


def _list_with_items(make, client, count: int, name=lambda n: f"商品{n}号") -> ListHead:
    """Create a list through the API, then give it `count` items directly (set-up only)."""
    who, _filing, volume = b.ready(make, client)
    center_no = create(client, who, b.body(volume.customs_volume_no))
    head = db.session.scalar(select(ListHead).where(ListHead.center_no == center_no))
    db.session.execute(delete(ListItem).where(ListItem.list_id == head.id))
    db.session.execute(insert(ListItem), [
        {"list_id": head.id, "enterprise_id": head.enterprise_id, "seq": n, "filing_seq": 1, "hs_code": "8471300000",
         "name": name(n), "spec": f"型号A{n}", "qty": Decimal("1.5"), "unit": "001",
         "unit_price": Decimal("3601.5"), "total": Decimal("20000"), "currency": "USD", "country": "CHN"}
        for n in range(1, count + 1)])
    db.session.commit()
    return head


def test_p3_list_with_3000_items_prints_all_3000(make, client):
    from portal.collection.print import render_list_pdf
    head = _list_with_items(make, client, ROWS)
    started = time.perf_counter()
    data = render_list_pdf(db.session, head)
    elapsed = time.perf_counter() - started
    text = pdf_text(data)
    printed = [int(n) for n in re.findall(r"商品(\d+)号", text)]
    assert sorted(printed) == list(range(1, ROWS + 1))  # each row once, none missing
    assert "另有" not in text and "未打印" not in text
    assert f"共{ROWS}项，全部列于本文件后附的“附表：表体”" in text
    assert elapsed < 30  # linear: about 2 s here; the old single xhtml2pdf table needed minutes


def test_p3_list_amounts_print_as_the_screen_shows_them(make, client):
    from portal.collection.print import render_list_pdf
    from portal.collection_pages.lists import saved_rows
    head = _list_with_items(make, client, 2)
    text = pdf_text(render_list_pdf(db.session, head))
    screen = saved_rows(head)[0]
    assert (screen["total"], screen["unit_price"], screen["qty"]) == ("20000.00", "3601.50", "1.5")
    assert "3601.5020000.00" in text  # unit price then total, as on the screen


def test_p3_appendix_pages_print_extension_b_names(make, client):
    from portal.collection.print import render_list_pdf
    from portal.pdf import INLINE_ROWS
    head = _list_with_items(make, client, INLINE_ROWS + 5, name=lambda n: f"王𠮷牌{n}号")
    data = render_list_pdf(db.session, head)
    text = pdf_text(data)
    assert all(f"王𠮷牌{n}号" in text for n in range(1, INLINE_ROWS + 6))
    assert any("HanaMin" in row[0] and row[-5] == "yes" for row in pdf_fonts(data))
