"""The monitoring demo: progress reports and site visits on the decided call's (DZ24C) grants.

The disbursements demo pays the first grant's first tranche 200 days ago, which schedules its reports at 3 and 6
months, and has report 1 submitted and approved (the condition of tranche 2). Report 2 is therefore overdue. This
demo adds, through the same verbs as real use and without moving any tranche or award the disbursements demo
leaves for trying its pages:

- report 2 of the first grant saved by the grantee as a partly filled draft (still overdue: "what the money
  bought" is not answered yet, so it cannot be submitted);
- two site visits to the first grant (about 150 and 12 days ago, the later one by the field team) and one to the
  second grant before its first payment, with Arabic findings and small generated photos (PNG, made here: no
  binary files in the repository).

Needs the disbursements demo first (does nothing without the call's grants). Each part runs once: a grant that
has visits gets no more, and the draft is written only while report 2 is untouched. Flushes; the caller commits.
"""
import struct
import zlib
from datetime import timedelta

from sqlalchemy import exists, select

from ..accounts.services import find_user_by_email
from ..applications.uploads import Upload
from ..disbursements.services import program_today
from ..extensions import db
from ..models import BusinessStatus, Call, Grant, ProgressReport, ReportStatus, SiteVisit, User
from . import services

CALL_CODE = "DZ24C"
SECOND_REPORT_DRAFT = {"business_status": "operating", "revenue_band": "1m_3m", "jobs_women_full": "2",
                       "jobs_women_part": "1", "jobs_men_part": "1"}
FIELD_TEAM = "فريق المتابعة الميدانية"
# (which grant of the call, days ago, visitor (None: the staff member), business status, findings, photo names)
VISITS = [
    (0, 150, None, BusinessStatus.OPERATING,
     "المشغل يعمل في غرفة مستأجرة قرب السوق. تم شراء ماكينة الخياطة الصناعية وطاولة القص كما في الموازنة، "
     "والفواتير محفوظة لدى المستفيدة. تعمل معها امرأة واحدة بدوام كامل.",
     ["المشغل-من-الداخل.png"]),
    (0, 12, FIELD_TEAM, BusinessStatus.OPERATING,
     "زيارة متابعة: الطلبيات زادت بعد التعاقد مع محل ألبسة في المدينة، وانضمت عاملة ثانية بدوام جزئي. "
     "الانقطاع الطويل للكهرباء ما زال يؤخر التسليم؛ نوصي بالنظر في مولد صغير ضمن الدفعة الثالثة.",
     ["الماكينات.png", "الطلبيات-الجاهزة.png"]),
    (1, 20, None, None,
     "زيارة تحقق قبل الدفعة الأولى: المحل المذكور في الطلب موجود وجاهز، وعقد الإيجار ساري. "
     "لم يبدأ العمل بعد بانتظار شراء المعدات.",
     ["المحل-قبل-التجهيز.png"]),
]


def seed_monitoring_demo() -> bool:
    """Add the draft report and the site visits that are missing; returns whether anything was added."""
    staff = find_user_by_email("staff@example.org")
    call = db.session.scalar(select(Call).where(Call.code == CALL_CODE))
    if staff is None or call is None:
        return False
    grants = list(db.session.scalars(select(Grant).where(Grant.call_id == call.id).order_by(Grant.id)))
    if not grants:
        return False
    added = _second_report_draft(grants[0])
    for index, visits in _visits_by_grant().items():
        if index < len(grants):
            added = _visit(staff, grants[index], visits) or added
    return added


def _second_report_draft(grant: Grant) -> bool:
    """Report 2 partly answered by the grantee and left as a draft; only while nobody has touched it."""
    report = db.session.scalar(select(ProgressReport).where(ProgressReport.grant_id == grant.id,
                                                            ProgressReport.number == 2))
    if report is None or report.status != ReportStatus.DUE or report.business_status is not None:
        return False
    services.save_report(grant.application.applicant, report, SECOND_REPORT_DRAFT)
    return True


def _visits_by_grant() -> dict[int, list]:
    by_grant: dict[int, list] = {}
    for index, *visit in VISITS:
        by_grant.setdefault(index, []).append(visit)
    return by_grant


def _visit(staff: User, grant: Grant, visits) -> bool:
    if db.session.scalar(select(exists().where(SiteVisit.grant_id == grant.id))):
        return False
    today = program_today()
    for days_ago, visitor, status, findings, photos in visits:
        visit = services.record_visit(staff, grant, visited_on=today - timedelta(days=days_ago), findings=findings,
                                      business_status=status, visitor_name=visitor or "")
        for name in photos:
            services.add_file(staff, Upload(name, photo_png(name)), visit=visit)
    return True


def photo_png(name: str, width: int = 120, height: int = 80) -> bytes:
    """A small real PNG standing in for a photo: a colour gradient whose tint comes from the name, so each photo
    differs and the same name always gives the same bytes."""
    tint = zlib.crc32(name.encode())
    red, green, blue = tint & 0xFF, (tint >> 8) & 0xFF, (tint >> 16) & 0xFF
    rows = b"".join(
        b"\x00" + bytes(channel for x in range(width)
                        for channel in ((red + 2 * x) % 256, (green + 3 * y) % 256, (blue + x + y) % 256))
        for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")
