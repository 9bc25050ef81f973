"""Time printing (P-3): a list of N items, ours against one xhtml2pdf table of the same rows, and the certificate.

    .venv/bin/python bench/pdf.py                          # 100, 500, 1,000, 2,000 and 5,000 rows
    .venv/bin/python bench/pdf.py --baseline-max 2000      # skip the (quadratic) baseline above 2,000 rows
    .venv/bin/python bench/pdf.py --sizes ""               # the certificate only

Both sides render the real template `pdf/list.html` with the same head and the same rows through
`portal.pdf.render_pdf`: "ours" prints the item table as 附表 pages (portal/pdf_table.py) joined to
the form with pypdf; the baseline makes every table inline, so xhtml2pdf lays out one table of N
rows, as the portal did before. Each figure is the median of `--repeat` warm renders (the first
render in the process, which loads the fonts, is not counted), as wall seconds and as CPU seconds of
the process; a render is single-threaded, so CPU seconds ≤ wall seconds (at most one core) and the
CPU seconds are what the render costs on an idle core — on a loaded machine the wall time also
counts the time other processes hold the cores, so the targets are judged on CPU seconds.
Every PDF is checked with pypdf: all N rows present.
The certificate is the real `pdf/certificate.html` (one page), median of 20 warm renders.
No database is needed: the templates get plain values.
"""
from __future__ import annotations

import argparse
import dataclasses
import io
import os
import re
import statistics
import sys
import time
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SIZES = (100, 500, 1000, 2000, 5000)
TARGET_PER_100 = 0.1  # seconds per 100 rows
CERTIFICATE_TARGET = 0.060


def list_context(rows: int) -> dict:
    """Return the template values of an import list with `rows` items (names as real clerks type them)."""
    from portal.collection.print import ITEM_COLUMNS
    from portal.pdf import PrintedTable
    head = SimpleNamespace(center_no="C53002026120000001", status=2, filing_no="B53002026000001",
                           declare_date="2026-12-01", vessel_name="COSCO STAR", voyage_no="V001",
                           bill_no="COSU1234567", packages=rows, license_no="")
    items = [{"seq": n, "filing_seq": n % 99 + 1, "hs_code": "8471300000", "name": f"联想笔记本电脑{n}号",
              "spec": f"ThinkPad X1 Carbon 第{n % 12}代 16G/1T 英特尔酷睿 i7", "qty": "1.5", "unit": "001 台",
              "unit_price": "3601.50", "total": "5402.25", "currency": "USD 美元", "country": "CHN 中国"}
             for n in range(1, rows + 1)]
    return {"tables": {"items": PrintedTable("表体", ITEM_COLUMNS, items)}, "landscape": True,
            "caption": f"进口一般贸易集报清单 {head.center_no}", "head": head, "type_name": "进口一般贸易集报清单",
            "status_name": "已申报", "enterprise_name": "深圳市华南进出口贸易有限公司", "customs": "5300 深圳海关",
            "transport": "2 水路运输", "trade_mode": "0110 一般贸易", "gross_weight": "1000", "net_weight": "900",
            "receipts": [], "printed_at": "2026-12-07 10:00:00"}


def certificate_context() -> dict:
    """Return the template values of a one-page certificate."""
    enterprise = SimpleNamespace(name_zh="深圳市华南进出口贸易有限公司", uscc="91440300MA5FXXXX1X")
    return {"certificate": SimpleNamespace(certificate_no="BGZM20261207000001"), "enterprise": enterprise,
            "registration_code": "4403960001", "customs_name": "深圳海关", "legal_rep": "王𠮷",
            "address": "深圳市南山区科技园南区深南大道1号",
            "qualifications": [{"name": "进出口货物收发货人", "filed": "2020-03-01", "valid_until": "长期"},
                               {"name": "报关企业", "filed": "2021-04-01", "valid_until": "长期"}],
            "issued_on": "2026年12月7日", "printed_at": "2026-12-07 10:00"}


def rows_printed(data: bytes, rows: int) -> bool:
    """Whether every item name 1..rows is in the PDF's text (pypdf)."""
    from pypdf import PdfReader
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return sorted(int(n) for n in re.findall(r"联想笔记本电脑(\d+)号", re.sub(r"\s+", "", text))) == \
        list(range(1, rows + 1))


def timed(render, repeat: int) -> tuple[float, float, bytes]:
    """Return (median wall seconds, median CPU seconds, the last PDF) of `repeat` renders."""
    walls, cpus = [], []
    data = b""
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        data = render()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), data


def main() -> int:
    """Print the table and the certificate; exit status 1 when a target is not met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--baseline-max", type=int, default=max(SIZES), help="largest size the baseline renders")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from portal import create_app, pdf, pdf_table
    from portal.pdf import render_pdf
    closed_policy = pdf.resource_policy
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "bench"})
    inline_rows = pdf_table.INLINE_ROWS
    with app.app_context():
        render_pdf("pdf/list.html", **list_context(30))  # warm: fonts loaded, templates compiled
        missed = 0
        print(f"{'rows':>6} {'ours wall s':>11} {'CPU s':>7} {'CPU s/100 rows':>14} {'xhtml2pdf wall s':>16} "
              f"{'CPU s':>8} {'CPU ratio':>9}  target ≤ {TARGET_PER_100} s / 100 rows")
        for rows in (int(n) for n in args.sizes.split(",") if n):
            context = list_context(rows)
            ours, ours_cpu, data = timed(lambda: render_pdf("pdf/list.html", **context), args.repeat)
            assert rows_printed(data, rows), f"ours lost rows at {rows}"
            base = base_cpu = None
            if rows <= args.baseline_max:
                pdf_table.INLINE_ROWS = 10 ** 9  # every table inline: one xhtml2pdf table, as before
                # The portal's policy stops a render after 60 s; the baseline is let run to the end.
                pdf.resource_policy = lambda: dataclasses.replace(closed_policy(), max_render_seconds=None)
                try:
                    base, base_cpu, data = timed(lambda: render_pdf("pdf/list.html", **context), 1)
                finally:
                    pdf_table.INLINE_ROWS = inline_rows
                    pdf.resource_policy = closed_policy
                assert rows_printed(data, rows), f"baseline lost rows at {rows}"
            per_100 = ours_cpu / rows * 100
            missed += per_100 > TARGET_PER_100
            print(f"{rows:>6} {ours:>11.3f} {ours_cpu:>7.3f} {per_100:>14.3f} "
                  + (f"{base:>16.2f} {base_cpu:>8.2f} {base_cpu / ours_cpu:>8.1f}×" if base
                     else f"{'not run':>16} {'':>8} {'':>9}")
                  + ("  met" if per_100 <= TARGET_PER_100 else "  NOT MET"), flush=True)
        context = certificate_context()
        render_pdf("pdf/certificate.html", **context)
        median, cpu, _ = timed(lambda: render_pdf("pdf/certificate.html", **context), 20)
        print(f"certificate (one page, legal representative 王𠮷, warm median of 20): wall {median * 1000:.1f} ms, "
              f"CPU {cpu * 1000:.1f} ms — target ≤ {CERTIFICATE_TARGET * 1000:.0f} ms: "
              f"{'met' if cpu <= CERTIFICATE_TARGET else 'NOT MET'}")
        print(f"load average while measuring: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
              f"on {os.cpu_count()} cores")
    return 1 if missed or cpu > CERTIFICATE_TARGET else 0


if __name__ == "__main__":
    sys.exit(main())
