"""The admin home's chart of work in and out per day, drawn on the server as SVG (no script, no CDN).

Work in: a record entered a status in which it waits for a decision (an application submitted, a list
declared …); work out: it left such a status (decided, refused, withdrawn). Both are read from the
receipts register, which holds every status change with its time (Q-21), grouped by day in SQL.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext
from markupsafe import Markup, escape
from sqlalchemy import func, select

from portal import clock
from portal.models import Receipt

DAYS = 14
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 200, 34, 22, 26
IN_COLOUR, OUT_COLOUR = "#1f5fa8", "#2e7d32"  # the portal's blue; green with 5.1:1 on white


@dataclass(frozen=True)
class Day:
    day: dt.date
    came_in: int
    went_out: int


def daily_flow(session, waiting: dict[str, tuple], days: int = DAYS, today: dt.date | None = None) -> list[Day]:
    """Return, for each of the last `days` days, how many records came into and went out of the queues.

    `waiting` maps a register (table name) to the statuses (as text) in which its records wait for a decision."""
    today = today or clock.now_naive().date()
    first = today - dt.timedelta(days=days - 1)
    day = func.date(Receipt.at)
    rows = session.execute(
        select(day, Receipt.record_type, Receipt.from_status, Receipt.to_status, func.count())
        .where(Receipt.at >= dt.datetime.combine(first, dt.time()), Receipt.record_type.in_(list(waiting)))
        .group_by(day, Receipt.record_type, Receipt.from_status, Receipt.to_status)).all()
    came_in, went_out = {}, {}
    for when, register, before, after, count in rows:
        when = when if isinstance(when, dt.date) else dt.date.fromisoformat(str(when)[:10])
        statuses = {str(status) for status in waiting[register]}
        was, waits = str(before) in statuses, str(after) in statuses
        if waits and not was:
            came_in[when] = came_in.get(when, 0) + count
        elif was and not waits:
            went_out[when] = went_out.get(when, 0) + count
    return [Day(d, came_in.get(d, 0), went_out.get(d, 0))
            for d in (first + dt.timedelta(days=n) for n in range(days))]


def _ticks(top: int) -> list[int]:
    step = max(1, -(-top // 4))
    return list(range(0, top + 1, step))


def svg(flow: list[Day]) -> Markup:
    """Draw the flow as grouped bars (in, out) per day with a value axis, dates and a legend."""
    top = max([1] + [max(d.came_in, d.went_out) for d in flow])
    ticks = _ticks(top)
    top = max(ticks[-1], top)
    plot_w, plot_h = WIDTH - LEFT - 6, HEIGHT - BOTTOM - TOP
    slot = plot_w / len(flow)
    bar = max(2.0, slot * 0.36)
    label_in, label_out = gettext("进入待办"), gettext("完成处理")
    parts = [f'<svg class="sw-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(gettext("每日待办进出"))}" xmlns="http://www.w3.org/2000/svg">',
             f'<rect x="{LEFT}" y="6" width="10" height="10" fill="{IN_COLOUR}"/>'
             f'<text x="{LEFT + 14}" y="15">{escape(label_in)}</text>',
             f'<rect x="{LEFT + 120}" y="6" width="10" height="10" fill="{OUT_COLOUR}"/>'
             f'<text x="{LEFT + 134}" y="15">{escape(label_out)}</text>']
    for tick in ticks:
        y = TOP + plot_h - plot_h * tick / top
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - 6}" y1="{y:.1f}" y2="{y:.1f}" class="sw-chart-grid"/>'
                     f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    for index, day in enumerate(flow):
        x = LEFT + index * slot + (slot - 2 * bar) / 2
        for offset, value, colour, label in ((0, day.came_in, IN_COLOUR, label_in),
                                             (bar, day.went_out, OUT_COLOUR, label_out)):
            h = plot_h * value / top
            parts.append(f'<rect x="{x + offset:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{colour}"><title>{day.day:%Y-%m-%d} {escape(label)} {value}</title></rect>')
        parts.append(f'<text x="{LEFT + index * slot + slot / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle">'
                     f'{day.day:%m-%d}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
