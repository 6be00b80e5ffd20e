"""The ranking as a file: CSV (UTF-8 with a byte-order mark, for Excel) and XLSX, with the page's columns."""
import csv
import io

from flask_babel import get_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from ..i18n import text_direction
from .ranking import Ranking, table_headers, table_values

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE}

# A spreadsheet runs a cell that starts with one of these as a formula; an applicant's business name must not.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(value):
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def filename(ranking: Ranking, fmt: str) -> str:
    return f"ranking-{ranking.call.code}-{ranking.by}.{fmt}"


def to_csv(ranking: Ranking) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_safe_text(h) for h in table_headers(ranking)])
    for row in ranking.rows:
        writer.writerow(["" if v is None else (f"{v:.2f}" if isinstance(v, float) else _safe_text(v))
                         for v in table_values(ranking, row)])
    # The byte-order mark tells Excel the file is UTF-8, so Arabic names open readable.
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def to_xlsx(ranking: Ranking) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Ranking")[:31]
    sheet.sheet_view.rightToLeft = text_direction(get_locale() or "ar") == "rtl"
    for values in [table_headers(ranking), *(table_values(ranking, row) for row in ranking.rows)]:
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, float):
                cell.number_format = "0.00"
            elif isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # openpyxl would otherwise store it as a formula
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "C2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export(ranking: Ranking, fmt: str) -> bytes:
    return to_csv(ranking) if fmt == "csv" else to_xlsx(ranking)
