"""A call's summary report PDF: what it says (read back from the PDF: the call, the headline figures, every table,
Arabic shaped), its layout on several pages, the same bytes for the same data, and who may download it."""
import io
import re
from datetime import date

import pytest
from babel.numbers import format_decimal
from flask_babel import force_locale
from pypdf import PdfReader

from grants.disbursements.services import program_today
from grants.extensions import db
from grants.models import Call
from grants.monitoring import stats
from grants.monitoring.summary_pdf import CHARTED, BilingualTable, figure, render_summary, summary_document

from ..fixtures.monitoring import paid_grant
from ..fixtures.disbursements import make_grant
from ..fixtures.routes import signed_in_client
from ..fixtures.training import decided_call
from ..pdf.pdftext import extract_text, extracted_text_contains

TITLE_AR = "منح المشاريع الصغيرة للشباب"  # the factory call's Arabic title
# Presentation forms: what shaped Arabic is drawn with (reportlab draws the glyphs it is given, unjoined otherwise).
SHAPED = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")


@pytest.fixture
def call_id(app, make_user):
    call_id = decided_call(app, code="DZ24C")
    paid_grant(app, make_user, call_id, amount=1_200_000)
    make_grant(app, make_user, call_id, amount=800_000)
    return call_id


def _pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def test_the_report_shows_the_call_the_headline_figures_and_every_table(app, make_user, call_id):
    client = signed_in_client(app, make_user("staff", locale="en"))
    response = client.get(f"/staff/calls/{call_id}/summary.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    with app.app_context():
        day = program_today()
    assert response.headers["Content-Disposition"] == f'inline; filename="summary-DZ24C-{day.isoformat()}.pdf"'
    pdf = response.data
    assert pdf.startswith(b"%PDF")

    with app.test_request_context(), force_locale("en"):
        filters = stats.Filters(call_id=call_id)
        headline, tables = stats.headline(filters), stats.summary_tables(filters)
    for needle in ("DZ24C", TITLE_AR, "Summary report", "Headline figures", day.strftime("%d/%m/%Y")):
        assert extracted_text_contains(pdf, needle), needle
    for label, value in headline:
        assert extracted_text_contains(pdf, label) and extracted_text_contains(pdf, figure(value)), label
    for table in tables:
        assert extracted_text_contains(pdf, table.title), table.key
        for row in table.rows:
            assert extracted_text_contains(pdf, row[0]), (table.key, row[0])
    by_key = {table.key: table for table in tables}
    for key, index in CHARTED.items():  # each chart's caption: its table and the figure its bars show
        assert extracted_text_contains(pdf, f"{by_key[key].title}: {by_key[key].columns[index]}"), key
    assert CHARTED["by_gender"] == by_key["by_gender"].columns.index("Submitted")
    # the awards, computed here: 1,200,000 + 800,000
    assert extracted_text_contains(pdf, format_decimal(2_000_000, locale="en"))
    assert SHAPED.search(extract_text(pdf)), "Arabic is drawn in its joined forms"


def test_the_call_page_links_its_summary_report(app, make_user, call_id):
    page = signed_in_client(app, make_user("staff")).get(f"/staff/calls/{call_id}").get_data(as_text=True)
    assert re.search(rf'href="/staff/calls/{call_id}/summary.pdf" id="summary-pdf"', page)


def test_the_same_call_on_the_same_day_gives_the_same_bytes(app, make_user, call_id):
    client = signed_in_client(app, make_user("staff"))
    first = client.get(f"/staff/calls/{call_id}/summary.pdf").data
    assert client.get(f"/staff/calls/{call_id}/summary.pdf").data == first
    with app.test_request_context():
        call = db.session.get(Call, call_id)
        assert render_summary(call, program_today()) == first
        assert render_summary(call, date(2030, 1, 2)) != first  # the date is printed


def test_only_staff_download_it_and_an_unknown_call_is_not_found(app, make_user, call_id):
    assert signed_in_client(app, make_user("applicant")).get(f"/staff/calls/{call_id}/summary.pdf").status_code == 403
    assert signed_in_client(app, make_user("reviewer")).get(f"/staff/calls/{call_id}/summary.pdf").status_code == 403
    staff = signed_in_client(app, make_user("staff"))
    assert staff.get("/staff/calls/99999/summary.pdf").status_code == 404
    assert staff.get("/staff/calls/99999999999/summary.pdf").status_code == 404


# --- the layout, from data given directly ----------------------------------------------------------------------

def _layout(app, call_id, tables, headline=None) -> bytes:
    with app.test_request_context():
        call = db.session.get(Call, call_id)
        return summary_document(call=call, day=date(2026, 11, 29), tables=tables,
                                headline=headline or [(("الطلبات المقدمة", "Applications submitted"), 1234)])


def test_a_long_table_continues_on_the_next_page_under_its_header(app, call_id):
    districts = BilingualTable(
        key="by_subdistrict", title=("حسب الناحية", "By subdistrict"),
        columns=[("الناحية", "Subdistrict"), ("الطلبات", "Applied"), ("الموافق عليها", "Approved")],
        rows=[[(f"الناحية رقم {n}", f"Subdistrict {n}"), n * 1000, None if n % 7 else n] for n in range(1, 71)])
    pdf = _layout(app, call_id, [districts])
    assert _pages(pdf) >= 2
    texts = [PdfReader(io.BytesIO(pdf)).pages[i].extract_text() for i in range(_pages(pdf))]
    assert all("Approved" in page for page in texts), "each page repeats the table's header"
    for needle in ("Subdistrict 70", "70,000", "1,234", "Applications submitted", "الناحية رقم", "الطلبات المقدمة"):
        assert extracted_text_contains(pdf, needle), needle
    assert "—" in extract_text(pdf)  # a figure that does not apply is a dash, not a zero


def test_the_funnel_and_breakdowns_are_charted_with_their_labels(app, call_id):
    funnel = BilingualTable(key="funnel", title=("مراحل البرنامج", "Funnel"),
                            columns=[("المرحلة", "Stage"), ("العدد", "Count")],
                            rows=[[("قدموا طلبات", "Submitted"), 120], [("حصلوا على منحة", "Paid"), 30]])
    other = BilingualTable(key="money", title=("المبالغ", "Money"), columns=[("البند", "Item"), ("المبلغ", "Amount")],
                           rows=[[("الميزانية", "Budget"), 50_000_000]])
    charted, plain = _layout(app, call_id, [funnel]), _layout(app, call_id, [other])
    text_charted = extract_text(charted)
    # the chart repeats the labels and figures beside its bars: each label is there twice (table and chart)
    assert text_charted.count("Submitted") == 2 and text_charted.count("120") == 2
    assert extract_text(plain).count("Budget") == 1
    assert extracted_text_contains(charted, "Funnel: Count") and extracted_text_contains(charted, "مراحل البرنامج")
