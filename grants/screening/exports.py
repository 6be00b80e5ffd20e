"""The filtered applications list as a file: CSV (UTF-8 with a byte-order mark, for Excel) and XLSX.

Disability and national ID are personal data and are left out.
"""
import csv
import io

from flask_babel import get_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from ..formatting import to_program_time
from ..i18n import text_direction
from ..models import Application, Call, PlaceKind

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE}

# A spreadsheet runs a cell that starts with one of these as a formula; an applicant's name must not.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(value):
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def headers() -> list[str]:
    return [_("Reference"), _("Name in Arabic"), _("Name in Latin letters"), _("Gender"), _("Age at the closing date"),
            _("District"), _("Subdistrict"), _("Sector"), _("Stage"), _("Amount requested"), _("Own contribution"),
            _("Eligible"), _("Screening status"), _("Duplicate flags"), _("Submitted at")]


def _eligible_text(application: Application) -> str:
    if application.eligibility_overridden:
        return _("Yes (ruled by staff)")
    return _("Yes") if application.eligible else _("No")


def _district_and_subdistrict(application: Application) -> tuple[str, str]:
    place = application.place
    if place is None:
        return "", ""
    if place.kind == PlaceKind.SUBDISTRICT:
        return (place.parent.name if place.parent else ""), place.name
    if place.kind == PlaceKind.DISTRICT:
        return place.name, ""
    return "", ""


def _flags_text(marks) -> str:
    return "; ".join(f"{mark.kind.title} ({mark.other_reference or mark.other_id})" for mark in marks)


def row(application: Application, marks) -> list:
    """One application as export values: numbers stay numbers; the time is program wall-clock, naive."""
    district, subdistrict = _district_and_subdistrict(application)
    submitted = (to_program_time(application.submitted_at).replace(tzinfo=None, microsecond=0)
                 if application.submitted_at else None)
    return [
        application.reference or "",
        application.full_name_ar or "",
        application.full_name_latin or "",
        str(application.gender.title) if application.gender else "",
        application.age_at_close,
        district,
        subdistrict,
        application.sector.name if application.sector else "",
        str(application.stage.title) if application.stage else "",
        application.requested_amount,
        application.own_contribution,
        _eligible_text(application),
        str(application.screening_status.title),
        _flags_text(marks),
        submitted,
    ]


def to_csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers())
    for values in rows:
        writer.writerow(["" if v is None else (v.strftime("%Y-%m-%d %H:%M:%S") if hasattr(v, "strftime")
                                              else _safe_text(v)) for v in values])
    # The byte-order mark tells Excel the file is UTF-8, so Arabic names open readable.
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def to_xlsx(rows: list[list], title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.sheet_view.rightToLeft = text_direction(get_locale() or "ar") == "rtl"
    sheet.append(headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append([_safe_text(v) for v in values])
        for cell in sheet[sheet.max_row]:
            if hasattr(cell.value, "strftime"):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def filename(call: Call, fmt: str) -> str:
    return f"applications-{call.code}.{fmt}"


def export(call: Call, applications: list[Application], marks: dict, fmt: str) -> bytes:
    rows = [row(application, marks.get(application.id, [])) for application in applications]
    return to_csv(rows) if fmt == "csv" else to_xlsx(rows, call.code)
