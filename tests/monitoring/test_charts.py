"""The SVG charts: bars and the funnel in both directions (mirrored coordinates, anchors that keep labels beside the
axis), accessible names, escaped labels, and which chart each statistics table gets."""
import xml.etree.ElementTree as ET

import pytest
from flask_babel import force_locale

from grants import create_app
from grants.monitoring.charts import LABEL_WIDTH, WIDTH, Series, bar_chart, charts_for, funnel_chart
from grants.monitoring.stats import Table

from ..conftest import TEST_CONFIG

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def english():
    """Charts need only a locale (numbers are formatted for the reader), not a database."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.test_request_context(), force_locale("en"):
        yield


def parse(chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))


def rects(svg):
    return [(float(r.get("x")), float(r.get("width")), r.get("class")) for r in svg.iter(f"{SVG}rect")]


def texts(svg):
    return [(t.text, float(t.get("x")), t.get("text-anchor"), t.get("direction")) for t in svg.iter(f"{SVG}text")]


GENDER = dict(categories=["Female", "Male"], series=[Series("Submitted", [10, 4]), Series("Approved", [5, None])])


def test_bars_grow_from_the_start_side_in_each_direction(english):
    ltr = parse(bar_chart("c", "By gender", GENDER["categories"], GENDER["series"], rtl=False))
    rtl = parse(bar_chart("c", "By gender", GENDER["categories"], GENDER["series"], rtl=True))
    assert ltr.get("direction") == "ltr" and rtl.get("direction") == "rtl"
    # left to right: every bar starts at the axis; the longest fills the plot
    bars = rects(ltr)
    assert [x for x, _w, _c in bars] == [LABEL_WIDTH] * 3
    widths = [w for _x, w, _c in bars]
    assert widths[0] == pytest.approx(2 * widths[1]) and widths[2] == pytest.approx(0.4 * widths[0])
    # right to left: the same bars, mirrored: they end at the axis on the right
    mirrored = rects(rtl)
    assert [(WIDTH - (x + w), w) for x, w, _c in bars] == [(x, w) for x, w, _c in mirrored]
    assert all(x + w == pytest.approx(WIDTH - LABEL_WIDTH) for x, w, _c in mirrored)
    # no bar where the value does not apply; its dash is still written
    assert len(bars) == 3 and "—" in [t[0] for t in texts(ltr)]
    assert [c for _x, _w, c in bars] == ["chart-bar series-0", "chart-bar series-1", "chart-bar series-0"]


def test_labels_and_numbers_sit_beside_the_axis(english):
    ltr = texts(parse(bar_chart("c", "t", GENDER["categories"], GENDER["series"], rtl=False)))
    rtl = texts(parse(bar_chart("c", "t", GENDER["categories"], GENDER["series"], rtl=True)))
    label_ltr, label_rtl = ltr[0], rtl[0]
    assert label_ltr[0] == label_rtl[0] == "Female"
    # the label's right edge at the axis (LTR) / its left edge at the axis (RTL): a Latin label swaps its anchor
    assert label_ltr[1] < LABEL_WIDTH and label_ltr[2] == "end"
    assert label_rtl[1] > WIDTH - LABEL_WIDTH and label_rtl[2] == "start"
    assert label_rtl[1] == pytest.approx(WIDTH - label_ltr[1])
    # numbers after the bar's end: left of it in RTL
    number_ltr, number_rtl = ltr[1], rtl[1]
    assert number_ltr[0] == number_rtl[0] == "10"
    assert number_ltr[2] == "start" and number_rtl[2] == "end"
    assert number_rtl[1] == pytest.approx(WIDTH - number_ltr[1])


def test_arabic_labels_are_laid_out_right_to_left(english):
    svg = parse(bar_chart("c", "حسب المنطقة", ["البصيرة (دير الزور)", "Hajin"], [Series("Submitted", [3, 2])],
                          rtl=True))
    arabic, latin = texts(svg)[0], texts(svg)[2]
    assert arabic[3] == "rtl" and arabic[2] == "end"    # an RTL text ends on its left: at the axis
    assert latin[3] == "ltr" and latin[2] == "start"
    assert arabic[1] == latin[1] == WIDTH - LABEL_WIDTH + 8


def test_charts_are_named_images_with_their_numbers(english):
    chart = bar_chart("chart-x", "Jobs <planned>", ["Women & girls"], [Series("Planned", [1234])], rtl=False)
    markup = str(chart.svg)
    svg = parse(chart)
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "chart-x-title chart-x-desc"
    assert svg.find(f"{SVG}title").text == "Jobs <planned>"
    assert svg.find(f"{SVG}desc").text == "Women & girls: 1,234"
    assert "Jobs &lt;planned&gt;" in markup and "Women &amp; girls" in markup and "<planned>" not in markup
    assert chart.series == ["Planned"]


def test_labels_are_escaped_and_long_ones_cut(english):
    long = "A very long sector name that would run into the bars"
    chart = bar_chart("c", "t", ["<script>alert(1)</script>", long], [Series("n", [1, 2])], rtl=False)
    assert "<script>" not in str(chart.svg) and "&lt;script&gt;" in str(chart.svg)
    shown = [t[0] for t in texts(parse(chart))]
    assert any(text.endswith("…") and long.startswith(text[:-1]) for text in shown)
    # the description keeps the whole label
    assert long in parse(chart).find(f"{SVG}desc").text


def test_funnel_bars_are_centred_and_proportional(english):
    stages = [("Started", 20), ("Submitted", 10), ("Paid", 0)]
    for rtl in (False, True):
        svg = parse(funnel_chart("f", "Funnel", stages, rtl=rtl))
        bars = rects(svg)
        centres = {round(x + w / 2, 1) for x, w, _c in bars}
        assert len(centres) == 1
        centre = centres.pop()
        assert centre < WIDTH / 2 if rtl else centre > WIDTH / 2  # the plot is on the end side
        assert bars[0][1] == pytest.approx(2 * bars[1][1]) and bars[2][1] == 0
        labels = [t for t in texts(svg) if t[0] in ("Started", "Submitted", "Paid")]
        assert all((x > WIDTH / 2) == rtl for _t, x, _a, _d in labels)


def test_empty_charts_draw_no_bars(english):
    svg = parse(bar_chart("c", "t", ["Female"], [Series("Submitted", [0])], rtl=False))
    assert rects(svg)[0][1] == 0
    assert charts_for(Table("survival", "Survival", ["Follow-up", "a", "b", "c", "d", "e"], []), rtl=False) == []


def test_each_table_gets_its_chart(english):
    stage_columns = ["Gender", "Started", "Submitted", "Eligible", "Reviewed", "Approved", "Accepted", "Trained",
                     "Paid"]
    by_gender = Table("by_gender", "By gender", stage_columns,
                      [["Female", 9, 8, 7, 6, 5, 4, 3, 2], ["Not stated", 1, 1, 1, 0, 0, 0, 0, 0]])
    [chart] = charts_for(by_gender, rtl=False)
    assert chart.series == ["Submitted", "Approved", "Paid"]
    assert [t[0] for t in texts(parse(chart))][:4] == ["Female", "8", "5", "2"]

    money = Table("money", "Money", ["Call", "Budget", "Requested", "Awarded", "Paid", "Remaining"],
                  [["A (SYP)", 100, 50, 40, 20, 80], ["B (USD)", None, 5, 4, 2, None],
                   ["Total in SYP", 100, 50, 40, 20, 80], ["Total in USD", None, 5, 4, 2, None]],
                  keys=[("call", 1, "SYP"), ("call", 2, "USD"), ("total", None, "SYP"), ("total", None, "USD")])
    syp, usd = charts_for(money, rtl=False)
    assert syp.series == ["Budget", "Awarded", "Paid"] and usd.series == ["Awarded", "Paid"]
    assert parse(syp).find(f"{SVG}title").text == "Money in SYP"
    assert [t[0] for t in texts(parse(usd))][0] == "B (USD)"

    training = Table("training", "Training", ["Course", "Enrolled", "Waiting", "Completed"],
                     [["Bookkeeping", 4, 1, 2], ["Any course (each person once)", 4, 1, 2]], keys=[1, None])
    [chart] = charts_for(training, rtl=True)
    assert chart.series == ["Enrolled", "Completed"]
    assert "Any course" not in str(chart.svg)

    funnel = Table("funnel", "Funnel", ["Stage", "Number", "%"], [["Started", 5, None], ["Submitted", 4, 100]])
    [chart] = charts_for(funnel, rtl=False)
    assert len(rects(parse(chart))) == 2
