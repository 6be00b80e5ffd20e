"""The monitoring demo: after seed-demo the decided call has an overdue report (a partly filled draft), an approved
report and site visits with real photos; staff see them on their pages; running the demo again changes nothing."""
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from PIL import Image
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import (
    AuditEntry, Call, Grant, MonitoringFile, OutboxMessage, ProgressReport, ReportStatus, SiteVisit, Tranche,
)
from grants.storage import storage

MODELS = (ProgressReport, SiteVisit, MonitoringFile, Tranche, AuditEntry, OutboxMessage)
ARABIC = re.compile(r"[\u0600-\u06FF]")


def counts() -> dict:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in MODELS}



def test_the_demo_leaves_overdue_and_approved_reports_and_visits_with_photos_and_is_idempotent(app):
    from grants.demo import DEMO_PASSWORD, seed_demo
    from grants.monitoring.demo import CALL_CODE, seed_monitoring_demo

    today = datetime.now(ZoneInfo(app.config["TIMEZONE"])).date()
    with app.app_context():
        assert seed_monitoring_demo() is False  # nothing to build on yet
        seed_demo()
        db.session.commit()
        call = db.session.scalar(select(Call).where(Call.code == CALL_CODE))
        grants = db.session.scalars(select(Grant).where(Grant.call_id == call.id).order_by(Grant.id)).all()
        reports = db.session.scalars(select(ProgressReport).join(Grant).where(Grant.call_id == call.id)
                                     .order_by(ProgressReport.grant_id, ProgressReport.number)).all()

        approved = [r for r in reports if r.status == ReportStatus.APPROVED]
        overdue = [r for r in reports if r.status == ReportStatus.DUE and r.due_on < today]
        assert approved and overdue
        draft = overdue[0]
        assert (draft.grant_id, draft.number) == (grants[0].id, 2)
        # partly filled: some answers kept, but not enough to submit
        assert draft.business_status is not None and draft.jobs_total == 4 and draft.money_bought == ""

        visits = db.session.scalars(select(SiteVisit).order_by(SiteVisit.id)).all()
        assert len(visits) == 3 and {v.grant_id for v in visits} == {grants[0].id, grants[1].id}
        assert all(ARABIC.search(v.findings) and v.files for v in visits)
        assert all(v.visited_on <= today for v in visits)
        for file in (f for v in visits for f in v.files):
            data = storage().read(file.storage_key)
            assert file.content_type == "image/png" and file.size_bytes == len(data)
            image = Image.open(io.BytesIO(data))
            image.load()  # decodes every pixel: a real PNG, not just its signature
            assert image.size == (120, 80)
        # the disbursements demo's promises hold: the first grant's second tranche still waits for its payment
        assert [t.status.value for t in grants[0].tranches] == ["paid", "letter_issued", "pending"]

        first = counts()
        draft_changed = draft.updated_at
        assert seed_monitoring_demo() is False
        seed_demo()
        db.session.commit()
        assert counts() == first
        assert db.session.get(ProgressReport, draft.id).updated_at == draft_changed
        draft_id, approved_id, visit_id, photo_id = draft.id, approved[0].id, visits[1].id, visits[1].files[0].id

    client = app.test_client()
    client.post("/login", data={"email": "staff@example.org", "password": DEMO_PASSWORD})
    page = client.get("/staff/reports?status=overdue").get_data(as_text=True)
    assert f'<tr id="report-{draft_id}"' in page
    assert client.get(f"/staff/reports/{approved_id}").status_code == 200
    visit_page = client.get(f"/staff/visits/{visit_id}").get_data(as_text=True)
    assert f"/monitoring/files/{photo_id}" in visit_page
    assert client.get(f"/monitoring/files/{photo_id}").status_code == 200
