"""Charts as inline SVG drawn on the server: horizontal bars and a funnel, for both text directions (no script).

Geometry is worked out for left-to-right and mirrored for right-to-left: bars grow from the right and labels sit on
the right. Each text says which physical edge sits at its x (left or right); the text-anchor follows from that and
from the text's own direction (Arabic labels are laid out right to left even in an English page, so their
parentheses and numbers stay in place). Labels are escaped by markupsafe. A chart is an image with a title and a
description for screen readers; the page puts the same numbers beside it as a table.
"""
import re
from dataclasses import dataclass

from flask_babel import format_decimal
from flask_babel import gettext as _
from markupsafe import Markup

from .stats import STAGES, Table

WIDTH = 640
LABEL_WIDTH = 210     # room for the row labels, on the start side
VALUE_WIDTH = 80      # room for the numbers after the longest bar
BAR = 14              # the height of one bar
BAR_GAP = 2           # between the bars of one row
ROW_GAP = 12          # between rows
MAX_LABEL = 32        # characters; longer labels are cut (the table beside the chart has them whole)
FUNNEL_BAR = 26
_RTL_TEXT = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_LTR_TEXT = re.compile(r"[A-Za-z\u00c0-\u024f]")


@dataclass(frozen=True)
class Series:
    name: str
    values: list  # int, or None where not applicable (no bar)


@dataclass(frozen=True)
class Chart:
    """An SVG chart and the names of its series (the page shows them as a legend)."""

    svg: Markup
    series: list[str]


def _number(value) -> str:
    return "—" if value is None else format_decimal(value)


def _direction_of(text: str) -> str:
    """The direction of the first strong character: how the browser should lay this text out."""
    rtl, ltr = _RTL_TEXT.search(text), _LTR_TEXT.search(text)
    if rtl and (not ltr or rtl.start() < ltr.start()):
        return "rtl"
    return "ltr"


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1].rstrip() + "…"


class _Canvas:
    """Drawing in left-to-right coordinates; in a right-to-left chart every x is mirrored."""

    def __init__(self, rtl: bool):
        self.rtl = rtl
        self.parts: list[Markup] = []

    def x(self, x: float) -> float:
        return WIDTH - x if self.rtl else x

    def rect(self, x: float, y: float, width: float, height: float, css_class: str) -> None:
        left = self.x(x + width) if self.rtl else x
        self.parts.append(Markup('<rect class="{}" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}"/>').format(
            css_class, left, y, max(width, 0), height))

    def text(self, x: float, y: float, content: str, edge: str, css_class: str = "") -> None:
        """Text with its `edge` ("left" or "right", in left-to-right terms) at x."""
        if self.rtl:
            edge = "left" if edge == "right" else "right"
        direction = _direction_of(content)
        anchor = "end" if (edge == "right") == (direction == "ltr") else "start"
        self.parts.append(Markup(
            '<text class="{}" x="{:.1f}" y="{:.1f}" text-anchor="{}" direction="{}">{}</text>').format(
            css_class, self.x(x), y, anchor, direction, _short(content)))

    def line(self, x: float, y1: float, y2: float) -> None:
        self.parts.append(Markup('<line class="chart-axis" x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}"/>').format(
            self.x(x), self.x(x), y1, y2))

    def svg(self, chart_id: str, title: str, description: str, height: float) -> Markup:
        return Markup(
            '<svg class="chart" id="{id}" role="img" aria-labelledby="{id}-title {id}-desc" '
            'viewBox="0 0 {w} {h:.0f}" width="{w}" height="{h:.0f}" direction="{direction}" '
            'xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{title}</title>'
            '<desc id="{id}-desc">{desc}</desc>{body}</svg>').format(
            id=chart_id, w=WIDTH, h=height, direction="rtl" if self.rtl else "ltr", title=title,
            desc=description, body=Markup("").join(self.parts))


def _describe(categories: list[str], series: list[Series]) -> str:
    """The chart's numbers in one sentence for screen readers: "Female: Submitted 5, Approved 2; Male: ..."."""
    rows = []
    for index, category in enumerate(categories):
        values = _(", ").join(f"{s.name} {_number(s.values[index])}" for s in series) if len(series) > 1 \
            else _number(series[0].values[index])
        rows.append(_("%(label)s: %(values)s", label=category, values=values))
    return _("; ").join(rows)


def bar_chart(chart_id: str, title: str, categories: list[str], series: list[Series], *, rtl: bool) -> Chart:
    """Horizontal bars: one row per category, one bar per series in each row, numbers at the bars' ends."""
    largest = max([v for s in series for v in s.values if v is not None] + [0])
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    canvas = _Canvas(rtl)
    row_height = len(series) * BAR + (len(series) - 1) * BAR_GAP
    y = ROW_GAP / 2
    for index, category in enumerate(categories):
        canvas.text(LABEL_WIDTH - 8, y + row_height / 2 + 4, category, "right", "chart-label")
        for number, one in enumerate(series):
            value = one.values[index]
            top = y + number * (BAR + BAR_GAP)
            length = plot * value / largest if value and largest else 0
            if value is not None:
                canvas.rect(LABEL_WIDTH, top, length, BAR, f"chart-bar series-{number}")
            canvas.text(LABEL_WIDTH + length + 4, top + BAR - 3, _number(value), "left", "chart-value")
        y += row_height + ROW_GAP
    canvas.line(LABEL_WIDTH, 0, y - ROW_GAP / 2)
    return Chart(canvas.svg(chart_id, title, _describe(categories, series), y), [s.name for s in series])


def funnel_chart(chart_id: str, title: str, stages: list[tuple[str, int]], *, rtl: bool) -> Chart:
    """A funnel: one centred bar per stage, as wide as its count, the stage on the start side, the number on the
    end side."""
    largest = max([value for _label, value in stages] + [0])
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    centre = LABEL_WIDTH + plot / 2
    canvas = _Canvas(rtl)
    y = ROW_GAP / 2
    for label, value in stages:
        width = plot * value / largest if largest else 0
        canvas.text(LABEL_WIDTH - 8, y + FUNNEL_BAR / 2 + 4, label, "right", "chart-label")
        canvas.rect(centre - width / 2, y, width, FUNNEL_BAR, "chart-bar funnel-bar")
        canvas.text(WIDTH - 8, y + FUNNEL_BAR / 2 + 4, _number(value), "right", "chart-value")
        y += FUNNEL_BAR + ROW_GAP / 2
    labels = [label for label, _value in stages]
    series = [Series(title, [value for _label, value in stages])]
    return Chart(canvas.svg(chart_id, title, _describe(labels, series), y + ROW_GAP / 2), [])


# --- which chart shows which table -------------------------------------------------------------------------

def _columns(table: Table, *indices: int) -> list[Series]:
    return [Series(table.columns[i], [row[i] for row in table.rows]) for i in indices]


def _stage_column(stage: str) -> int:
    return 1 + STAGES.index(stage)


def charts_for(table: Table, *, rtl: bool) -> list[Chart]:
    """The charts drawn for a statistics table (none when it has no rows)."""
    chart_id = f"chart-{table.key}"
    if not table.rows:
        return []
    if table.key == "funnel":
        return [funnel_chart(chart_id, table.title, [(row[0], row[1]) for row in table.rows], rtl=rtl)]
    if table.key.startswith("by_"):
        series = _columns(table, *(_stage_column(s) for s in ("submitted", "approved", "paid")))
        return [bar_chart(chart_id, table.title, [row[0] for row in table.rows], series, rtl=rtl)]
    if table.key == "money":
        return _money_charts(table, rtl)
    if table.key == "training":
        return [bar_chart(chart_id, table.title, [row[0] for row in table.rows[:-1]],
                          [Series(s.name, s.values[:-1]) for s in _columns(table, 1, 3)], rtl=rtl)] \
            if len(table.rows) > 1 else []
    if table.key == "jobs":
        return [bar_chart(chart_id, table.title, [row[0] for row in table.rows], _columns(table, 1, 2), rtl=rtl)]
    if table.key == "survival":
        return [bar_chart(chart_id, table.title, [row[0] for row in table.rows], _columns(table, 3, 4, 5), rtl=rtl)]
    return []


def _money_charts(table: Table, rtl: bool) -> list[Chart]:
    """One chart per currency (amounts in different currencies are never drawn on one scale): budget (when it
    applies), awarded and paid for each call."""
    charts = []
    currencies = sorted({key[2] for key in table.keys})
    for currency in currencies:
        rows = [row for row, key in zip(table.rows, table.keys) if key[0] == "call" and key[2] == currency]
        indices = [i for i in (1, 3, 4) if any(row[i] is not None for row in rows)]
        series = [Series(table.columns[i], [row[i] for row in rows]) for i in indices]
        if rows and series:
            charts.append(bar_chart(f"chart-money-{currency.lower()}",
                                    _("%(title)s in %(currency)s", title=table.title, currency=currency),
                                    [row[0] for row in rows], series, rtl=rtl))
    return charts
