"""A call's summary report as an A4 PDF in Arabic with English: headline figures, every dashboard table, and bar
charts of the funnel and of a few breakdowns.

The figures come from grants.monitoring.stats, read once in each language (the tables' titles and labels are
translated there); the layout below is a pure function of them, the call and the day, drawn with the letters'
bilingual layout (grants.disbursements.letter_pdf) on reportlab's invariant canvas: same data, same bytes.
Tables and charts run right to left like the Arabic: the row labels stand on the right.
"""
from dataclasses import dataclass

from babel.numbers import format_decimal
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from ..disbursements.letter_pdf import (
    GREEN, INK, MARGIN, MUTED, PAGE_WIDTH, RULE, Flow, Text, both, call_names, dates, draw_text, letterhead,
    pdf_bytes, stack_height,
)
from ..models import Call
from ..pdf import FONT, FONT_BOLD
from ..training.signin_sheet import fitted
from . import stats

BAR = colors.HexColor("#2f8f6f")
SHADE = colors.HexColor("#eef2f5")
CELL_PADDING = 3
# The tables drawn as bar charts too, and the column each is charted by: the funnel's numbers, and the submitted
# applications of a breakdown (its columns are the funnel's stages, after the label).
SUBMITTED = 1 + stats.STAGES.index("submitted")
CHARTED = {"funnel": 1, "by_gender": SUBMITTED, "by_age_band": SUBMITTED, "by_district": SUBMITTED}
NOT_APPLICABLE = "—"


@dataclass(frozen=True)
class BilingualTable:
    """One stats.Table read in Arabic and in English: the same figures, titles and labels in both languages."""

    key: str
    title: tuple[str, str]
    columns: list[tuple[str, str]]
    rows: list[list]  # [(label in Arabic, label in English), value, value, ...]
    note: tuple[str, str] = ("", "")


def bilingual_tables(arabic: list[stats.Table], english: list[stats.Table]) -> list[BilingualTable]:
    english_by_key = {table.key: table for table in english}
    result = []
    for table in arabic:
        other = english_by_key.get(table.key, table)
        result.append(BilingualTable(
            key=table.key, title=(table.title, other.title), columns=list(zip(table.columns, other.columns)),
            rows=[[(row[0], other_row[0]), *other_row[1:]] for row, other_row in zip(table.rows, other.rows)],
            note=(table.note, other.note)))
    return result


def figure(value) -> str:
    """1234 → "1,234" (Latin digits, read alike in both columns); None → a dash: "not applicable"."""
    return NOT_APPLICABLE if value is None else format_decimal(value, locale="en")


# --- tables ----------------------------------------------------------------------------------------------------

def _edges(count: int) -> list[tuple[float, float]]:
    """Column boxes from right to left: a wide label column, the figures sharing the rest."""
    total = PAGE_WIDTH - 2 * MARGIN
    label = total * (0.5 if count <= 3 else 0.34 if count <= 6 else 0.26)
    figure_width = (total - label) / max(count - 1, 1)
    edges, x1 = [], PAGE_WIDTH - MARGIN
    for width in [label] + [figure_width] * (count - 1):
        edges.append((x1 - width, x1))
        x1 -= width
    return edges


def _label_stack(pair: tuple[str, str], edge, *, bold=False, align="right") -> list[Text]:
    arabic, english = pair
    x0, x1 = edge[0] + CELL_PADDING, edge[1] - CELL_PADDING
    stack = [Text(arabic, x0, x1, align, FONT_BOLD if bold else FONT, 9.5, INK)]
    if english and english != arabic:
        stack.append(Text(english, x0, x1, align, FONT, 8, MUTED))
    return stack


class _FigureCell:
    """A figure in one line, shrunk to fit its cell (an amount in a narrow column)."""

    def __init__(self, value, edge, *, bold=False):
        self.font = FONT_BOLD if bold else FONT
        self.drawn, self.size = fitted(figure(value), self.font, 10, edge[1] - edge[0] - 2 * CELL_PADDING, smallest=6)
        self.edge = edge

    def height(self) -> float:
        return self.size * 1.5

    def draw(self, top, canvas) -> None:
        canvas.setFillColor(INK)
        canvas.setFont(self.font, self.size)
        canvas.drawCentredString((self.edge[0] + self.edge[1]) / 2, top - self.size * 1.1, self.drawn)


def _row_height(cells) -> float:
    return max(stack_height(c) if isinstance(c, list) else c.height() for c in cells) + 2 * CELL_PADDING


def _draw_row(cells, edges, height, top, canvas, *, shaded=False) -> None:
    if shaded:
        canvas.setFillColor(SHADE)
        canvas.rect(edges[-1][0], top - height, edges[0][1] - edges[-1][0], height, stroke=0, fill=1)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    for x0, x1 in edges:
        canvas.rect(x0, top - height, x1 - x0, height, stroke=1, fill=0)
    for cell in cells:
        if isinstance(cell, list):
            y = top - CELL_PADDING
            for item in cell:
                y = draw_text(item, y, canvas)
        else:
            cell.draw(top - CELL_PADDING, canvas)


def draw_table(flow: Flow, columns: list[tuple[str, str]], rows: list[list]) -> None:
    """A bordered table whose header row is drawn again at the top of each page it continues on."""
    edges = _edges(len(columns))
    header = [_label_stack(pair, edge, bold=True, align="right" if index == 0 else "centre")
              for index, (pair, edge) in enumerate(zip(columns, edges))]
    header_height = _row_height(header)

    def place_header():
        flow.place(header_height, lambda top, canvas: _draw_row(header, edges, header_height, top, canvas,
                                                                 shaded=True))

    place_header()
    for values in rows:
        cells = [_label_stack(values[0], edges[0])] + [_FigureCell(v, e) for v, e in zip(values[1:], edges[1:])]
        height = _row_height(cells)
        if flow.y - height < flow.bottom:
            flow.new_page()
            place_header()
        flow.place(height, lambda top, canvas, cells=cells, height=height: _draw_row(cells, edges, height, top,
                                                                                       canvas))
    flow.space(6)


# --- charts ----------------------------------------------------------------------------------------------------

BAR_ROW = 24
BAR_HEIGHT = 11


def draw_bar_chart(flow: Flow, caption: tuple[str, str], bars: list[tuple[tuple[str, str], int | None]]) -> None:
    """Horizontal bars growing leftwards from the labels on the right, each with its figure at its end."""
    bars = [(label, value or 0) for label, value in bars]
    if not bars:
        return
    right = PAGE_WIDTH - MARGIN
    label_x0 = right - 150
    figure_room = max(stringWidth(figure(value), FONT, 9) for _, value in bars) + 8
    bar_right = label_x0 - 6
    bar_span = bar_right - (MARGIN + figure_room)
    biggest = max(value for _, value in bars) or 1
    caption_stack = [Text(caption[0], MARGIN, right, "right", FONT_BOLD, 9.5, GREEN)]
    if caption[1] != caption[0]:
        caption_stack.append(Text(caption[1], MARGIN, right, "left", FONT, 8.5, MUTED))
    caption_height = stack_height(caption_stack)

    def draw(top, canvas):
        y = top
        for item in caption_stack:
            y = draw_text(item, y, canvas)
        for label, value in bars:
            row_top = y
            lines = [(label[0], 8.5, INK, row_top - 9)]
            if label[1] != label[0]:
                lines.append((label[1], 7, MUTED, row_top - 19))
            for text, size, color, baseline in lines:  # one line each, shrunk to the label room
                drawn, size = fitted(text, FONT, size, right - label_x0, smallest=5.5)
                canvas.setFillColor(color)
                canvas.setFont(FONT, size)
                canvas.drawRightString(right, baseline, drawn)
            width = bar_span * value / biggest
            middle = row_top - BAR_ROW / 2
            canvas.setFillColor(BAR)
            canvas.rect(bar_right - width, middle - BAR_HEIGHT / 2, width, BAR_HEIGHT, stroke=0, fill=1)
            canvas.setFillColor(INK)
            canvas.setFont(FONT, 9)
            canvas.drawRightString(bar_right - width - 4, middle - 3, figure(value))
            y -= BAR_ROW
        canvas.setStrokeColor(MUTED)
        canvas.setLineWidth(0.6)
        canvas.line(bar_right, top - caption_height, bar_right, y)

    flow.place(caption_height + BAR_ROW * len(bars) + 4, draw)
    flow.space(6)


def _chart_of(table: BilingualTable) -> None | tuple[tuple[str, str], list]:
    index = CHARTED.get(table.key)
    if index is None or index >= len(table.columns):
        return None
    column = table.columns[index]
    caption = (f"{table.title[0]}: {column[0]}", f"{table.title[1]}: {column[1]}")
    return caption, [(row[0], row[index]) for row in table.rows]


# --- the document ----------------------------------------------------------------------------------------------

def summary_document(*, call: Call, day, headline: list[tuple[tuple[str, str], int]],
                     tables: list[BilingualTable]) -> bytes:
    """The PDF from its data: the call, the day it describes, the headline figures and the tables."""
    flow = Flow(f"{call.code} · {day.isoformat()}")
    title = both(_l("Summary report"))
    letterhead(flow, title)
    flow.field(both(_l("Call")), call_names(call), font=FONT_BOLD)
    flow.field(both(_l("Date")), dates(day))
    flow.rule()

    flow.heading(both(_l("Headline figures")))
    draw_table(flow, [both(_l("Figure")), both(_l("Value"))], [[label, value] for label, value in headline])

    for table in tables:
        flow.ensure(110)  # a table's title, header and first rows stay together
        flow.heading(table.title, size=11)
        draw_table(flow, table.columns, table.rows)
        if any(table.note):
            arabic, english = table.note
            flow.paragraph((arabic, english if english != arabic else ""), size=8.5, color=MUTED)
        chart = _chart_of(table)
        if chart:
            draw_bar_chart(flow, *chart)
    return pdf_bytes(f"{title[0]} {call.code}", flow)


def render_summary(call: Call, day) -> bytes:
    """The call's summary as it stands: the statistics read in Arabic and in English, then laid out."""
    filters = stats.Filters(call_id=call.id)
    with force_locale("ar"):
        arabic = stats.dashboard(filters)
    with force_locale("en"):
        english = stats.dashboard(filters)
    headline = [((ar, en), value) for (ar, value), (en, _) in zip(arabic.headline, english.headline)]
    return summary_document(call=call, day=day, headline=headline,
                            tables=bilingual_tables(arabic.tables, english.tables))


def filename(call: Call, day) -> str:
    return f"summary-{call.code}-{day.isoformat()}.pdf"
