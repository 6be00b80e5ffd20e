"""The staff side of progress reports through the test client: the program-wide list and a call's (filters, order,
days overdue, pagination, query counts, malformed arguments), the call's follow-up months, the review page
(approve, ask for changes with a required comment, read-only once reviewed, forged posts) and a grant's reports
and visits page."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import url_for
from sqlalchemy import select

from grants.applications.uploads import Upload
from grants.disbursements import services as disbursements
from grants.extensions import db
from grants.models import (
    AuditEntry, BusinessStatus, Call, Grant, OutboxMessage, ProgressReport, ReportStatus, Tranche, TrancheStatus,
    User,
)
from grants.monitoring import queries_staff, services

from ..fixtures.disbursements import make_grant
from ..fixtures.i18n import says
from ..fixtures.monitoring import COMPLETE, paid_grant, report_of
from ..fixtures.routes import counting_statements, error_of, flashes, input_value, post, signed_in_client, text
from ..fixtures.rows import detached
from ..fixtures.training import decided_call

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


# --- helpers ---------------------------------------------------------------------------------------------------

def url(app, endpoint, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def program_day(app):
    """Today where the program works, computed here rather than through the code under test."""
    return datetime.now(ZoneInfo(app.config["TIMEZONE"])).date()


def submit(app, grant_id, number, answers=COMPLETE):
    with app.app_context():
        report = report_of(grant_id, number)
        grantee = report.grant.application.applicant
        services.save_report(grantee, report, answers)
        services.submit_report(grantee, report)
        db.session.commit()
        return report.id


def reviewed(app, grant_id, number, staff_id, *, approve, comment=""):
    report_id = submit(app, grant_id, number)
    with app.app_context():
        services.review_report(db.session.get(User, staff_id), db.session.get(ProgressReport, report_id),
                               approve=approve, comment=comment)
        db.session.commit()
    return report_id


def report_state(app, report_id) -> ProgressReport:
    with app.app_context():
        report = db.session.get(ProgressReport, report_id)
        db.session.expunge(report)
        return report


def audit_rows(app, action):
    return detached(app, select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))


def row_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr id="report-(\d+)"', page)]





@pytest.fixture
def program(app, make_user, staff_en):
    """Two calls with reports in every state (all due dates relative to today):

    call A, grant 1 (paid 200 days ago): report 1 approved, report 2 overdue;
    call A, grant 2 (paid 250 days ago): report 1 submitted (awaiting review), report 2 sent back for changes and
    overdue; call A, grant 3 (paid 80 days ago): report 1 due within a few days, report 2 later;
    call B, grant 4 (paid 100 days ago): report 1 overdue, report 2 to come.
    """
    call_a, call_b = decided_call(app), decided_call(app, code="DZ23B")
    grants = {}
    for key, call, days in (("g1", call_a, 200), ("g2", call_a, 250), ("g3", call_a, 80), ("g4", call_b, 100)):
        grants[key] = paid_grant(app, make_user, call, paid_days_ago=days)[1]
    reviewed(app, grants["g1"], 1, staff_en.id, approve=True)
    submit(app, grants["g2"], 1)
    reviewed(app, grants["g2"], 2, staff_en.id, approve=False, comment="أرفق صورة الفاتورة.")
    with app.app_context():
        reports = {(key, r.number): r.id for key, grant_id in grants.items()
                   for r in db.session.scalars(select(ProgressReport).where(ProgressReport.grant_id == grant_id))}
    return {"call_a": call_a, "call_b": call_b, "grants": grants, "reports": reports}


def expected_listing(app, report_ids=None):
    """The reports as the list should show them, from the rows themselves: (id, days overdue or None) in the
    order overdue (longest first), awaiting review, still to come, approved."""
    today = program_day(app)
    with app.app_context():
        query = (select(ProgressReport.id, ProgressReport.status, ProgressReport.due_on, Grant.call_id)
                 .join(Grant, Grant.id == ProgressReport.grant_id))
        if report_ids is not None:
            query = query.where(ProgressReport.id.in_(report_ids))
        reports = db.session.execute(query).all()
    waiting = (ReportStatus.DUE, ReportStatus.CHANGES_REQUESTED)

    def days(r):
        return (today - r.due_on).days if r.status in waiting and r.due_on < today else None

    def rank(r):
        if days(r) is not None:
            return 0
        return {ReportStatus.SUBMITTED: 1, ReportStatus.APPROVED: 3}.get(r.status, 2)

    return [(r.id, days(r)) for r in sorted(reports, key=lambda r: (rank(r), r.due_on, r.id))], reports


# --- the list of reports ---------------------------------------------------------------------------------------

def test_reports_list_shows_every_report_overdue_first_in_arabic_and_english(app, make_user, staff_en, program):
    expected, reports = expected_listing(app)
    assert len(reports) == 8

    arabic = signed_in_client(app, make_user("staff")).get(url(app, "monitoring.overdue"))
    assert arabic.status_code == 200
    page = text(arabic)
    assert 'dir="rtl"' in page and "أحمد عبد الرحمن الخلف" in page
    assert says(arabic, app, "Progress reports")
    assert row_ids(page) == [report_id for report_id, _ in expected]

    english = text(signed_in_client(app, staff_en).get(url(app, "monitoring.overdue")))
    assert 'dir="ltr"' in english and "Ahmad Abdulrahman Al-Khalaf" in english
    assert row_ids(english) == [report_id for report_id, _ in expected]
    overdue = [(report_id, days) for report_id, days in expected if days is not None]
    assert {report_id for report_id, _ in overdue} == {program["reports"][("g1", 2)], program["reports"][("g2", 2)],
                                                      program["reports"][("g4", 1)]}
    for report_id, days in expected:
        row = re.search(rf'<tr id="report-{report_id}".*?</tr>', english, re.S).group(0)
        assert (f'data-overdue="{days}"' in row) == (days is not None)
        if days is not None:
            assert f"{days} days" in row and "Overdue" in row
        # links to the review page and the grant's reports and visits
        assert f'href="{url(app, "monitoring.review", report_id=report_id)}"' in row
    row = re.search(rf'<tr id="report-{program["reports"][("g4", 1)]}".*?</tr>', english, re.S).group(0)
    grant_link = url(app, "monitoring.grant_monitoring", grant_id=program["grants"]["g4"])
    assert "DZ23B" in row and f'href="{grant_link}"' in row
    assert "Report 1" in row and "3 months after payment" in row and "Ahmad Abdulrahman Al-Khalaf" in row


@pytest.mark.parametrize("standing", ["overdue", "due_soon", "submitted", "changes_requested", "approved"])
def test_reports_list_filters_by_status_and_call(app, staff_en, program, standing):
    today = program_day(app)
    expected, reports = expected_listing(app)
    waiting = (ReportStatus.DUE, ReportStatus.CHANGES_REQUESTED)
    wanted = {
        "overdue": lambda r: r.status in waiting and r.due_on < today,
        "due_soon": lambda r: r.status in waiting and today <= r.due_on <= today + timedelta(days=30),
        "submitted": lambda r: r.status == ReportStatus.SUBMITTED,
        "changes_requested": lambda r: r.status == ReportStatus.CHANGES_REQUESTED,
        "approved": lambda r: r.status == ReportStatus.APPROVED,
    }[standing]
    matching = {r.id for r in reports if wanted(r)}
    assert matching  # the program has at least one report in every state
    client = signed_in_client(app, staff_en)

    page = text(client.get(url(app, "monitoring.overdue", status=standing)))
    assert row_ids(page) == [report_id for report_id, _ in expected if report_id in matching]
    assert re.search(rf'data-standing="{standing}" aria-current="page">[^<]*<span class="muted count">'
                     rf'\({len(matching)}\)', page)
    assert re.search(r'data-standing="all">[^<]*<span class="muted count">\(8\)', page)

    in_b = {r.id for r in reports if r.call_id == program["call_b"]}
    page = text(client.get(url(app, "monitoring.overdue", status=standing, call=program["call_b"])))
    assert set(row_ids(page)) == matching & in_b
    # the call's own page is the same list with the call fixed
    page = text(client.get(url(app, "monitoring.call_reports", call_id=program["call_a"], status=standing)))
    assert set(row_ids(page)) == matching - in_b


def test_reports_list_shows_the_reports_of_one_call_and_its_empty_states(app, staff_en, program):
    client = signed_in_client(app, staff_en)
    page = text(client.get(url(app, "monitoring.overdue", call=program["call_b"])))
    assert set(row_ids(page)) == {program["reports"][("g4", 1)], program["reports"][("g4", 2)]}
    assert re.search(rf'<option value="{program["call_b"]}" selected>DZ23B', page)

    with app.app_context():
        empty_call = decided_call(app, code="DZ22E")
    page = text(client.get(url(app, "monitoring.call_reports", call_id=empty_call)))
    assert 'id="no-reports"' in page and "scheduled by the first payment" in page
    page = text(client.get(url(app, "monitoring.call_reports", call_id=program["call_b"], status="approved")))
    assert 'id="no-reports"' in page and "No report is in this state." in page


@pytest.mark.parametrize("args", [
    {"status": "<script>"}, {"status": ""}, {"call": "abc"}, {"call": "99999999999999999999"}, {"call": "-3"},
    {"call": "١"}, {"page": "abc"}, {"page": "-1"}, {"page": "0"}, {"page": "99999999999"}, {"page": "1e3"},
])
def test_malformed_list_arguments_are_ignored_not_a_500(app, staff_en, program, args):
    client = signed_in_client(app, staff_en)
    response = client.get(url(app, "monitoring.overdue", **args))
    assert response.status_code == 200
    assert len(row_ids(text(response))) == 8  # no filter: every report
    response = client.get(url(app, "monitoring.call_reports", call_id=program["call_b"], **args))
    assert response.status_code == 200 and len(row_ids(text(response))) == 2


def test_unknown_calls_reports_and_grants_are_404(app, staff_en):
    client = signed_in_client(app, staff_en)
    for path in ("/staff/calls/999999/reports", "/staff/calls/99999999999/reports", "/staff/calls/abc/reports",
                 "/staff/reports/999999", "/staff/reports/99999999999", "/staff/reports/x",
                 "/staff/grants/999999/monitoring", "/staff/grants/99999999999/monitoring"):
        assert client.get(path).status_code == 404, path
    assert client.post("/staff/calls/999999/followup", data={"followup_months": "3"}).status_code == 404
    assert client.post("/staff/reports/999999", data={"decision": "approve"}).status_code == 404


def test_reports_list_is_paginated(app, make_user, staff_en, monkeypatch):
    monkeypatch.setattr(queries_staff, "PAGE_SIZE", 4)
    call = decided_call(app)
    for days in (10, 40, 70, 100, 130):
        paid_grant(app, make_user, call, paid_days_ago=days)
    expected, _ = expected_listing(app)
    ids = [report_id for report_id, _ in expected]
    client = signed_in_client(app, staff_en)

    first = text(client.get(url(app, "monitoring.overdue")))
    assert row_ids(first) == ids[:4] and "Page 1 of 3" in first
    assert f'href="{url(app, "monitoring.overdue", page=2)}"' in first
    assert row_ids(text(client.get(url(app, "monitoring.overdue", page=2)))) == ids[4:8]
    last = text(client.get(url(app, "monitoring.overdue", page=3)))
    assert row_ids(last) == ids[8:] and "Page 3 of 3" in last
    # past the end: the last page, not an empty one
    assert row_ids(text(client.get(url(app, "monitoring.overdue", page=40)))) == ids[8:]
    # the call's page keeps the call in its page links
    page = text(client.get(url(app, "monitoring.call_reports", call_id=call)))
    assert f'href="{url(app, "monitoring.call_reports", call_id=call, page=2)}"' in page


@pytest.mark.parametrize("endpoint", ["monitoring.overdue", "monitoring.call_reports"])
def test_reports_list_query_count_does_not_grow_with_reports(app, make_user, staff_en, endpoint):
    call = decided_call(app)
    client = signed_in_client(app, staff_en)
    path = url(app, endpoint, call_id=call) if endpoint == "monitoring.call_reports" else url(app, endpoint)

    def statements(reports):
        with counting_statements(app) as seen:
            response = client.get(path)
        assert response.status_code == 200 and len(row_ids(text(response))) == reports
        return len(seen)

    grantee, first = paid_grant(app, make_user, call, paid_days_ago=200)
    reviewed(app, first, 1, staff_en.id, approve=True)
    client.get(path)  # warm up: the first request loads what every later one finds cached
    with_two = statements(2)
    for n in range(14):
        _, grant_id = paid_grant(app, make_user, call, paid_days_ago=20 * n)
        if n % 3 == 0:
            submit(app, grant_id, 1)
    assert statements(30) == with_two


# --- the call's follow-up months -------------------------------------------------------------------------------

def test_call_followup_months_are_saved_audited_and_apply_to_grants_paid_later(app, make_user, staff_en):
    call = decided_call(app)
    _, scheduled = paid_grant(app, make_user, call, followup=(3, 6))
    client = signed_in_client(app, staff_en)

    page = text(client.get(url(app, "monitoring.call_reports", call_id=call)))
    assert input_value(page, "followup_months") == "3, 6"
    assert "grants whose reports are already scheduled keep theirs" in page

    saved = post(client, url(app, "monitoring.call_followup", call_id=call), data={"followup_months": "12, ٣ ، 6, 6"})
    assert saved.status_code == 302 and saved.location.endswith(url(app, "monitoring.call_reports", call_id=call))
    assert any("The follow-up months are saved" in message for _, message in flashes(client))
    with app.app_context():
        assert db.session.get(Call, call).followup_months == [3, 6, 12]
    [row] = audit_rows(app, "monitoring.followup_months")
    assert row.actor_id == staff_en.id and row.subject_id == call
    assert row.details == {"before": [3, 6], "after": [3, 6, 12]}

    # a grant paid from now on gets three reports; the grant scheduled before keeps its two
    _, later = make_grant(app, make_user, call)
    with app.app_context():
        grant = db.session.get(Grant, later)
        services.schedule_reports(grant, program_day(app))
        db.session.commit()
        months = lambda grant_id: db.session.scalars(select(ProgressReport.months_after_payment).where(  # noqa: E731
            ProgressReport.grant_id == grant_id).order_by(ProgressReport.number)).all()
        assert months(later) == [3, 6, 12]
        assert months(scheduled) == [3, 6]


@pytest.mark.parametrize("typed, message", [
    ("", "Write the months after the first payment when reports are due"),
    ("abc", "Write the months after the first payment when reports are due"),
    ("3, six", "Write the months after the first payment when reports are due"),
    ("2.5", "Write the months after the first payment when reports are due"),
    ("-3, 6", "Write the months after the first payment when reports are due"),
    ("0, 3", "Each month must be between 1 and 60."),
    ("3, 61", "Each month must be between 1 and 60."),
    ("99999999999999999999999", "Each month must be between 1 and 60."),
    ("5" * 300, "Write at most 200 characters."),
])
def test_call_followup_months_refused_beside_the_field_with_the_text_kept(app, staff_en, typed, message):
    call = decided_call(app)
    client = signed_in_client(app, staff_en)
    response = client.post(url(app, "monitoring.call_followup", call_id=call), data={"followup_months": typed})
    assert response.status_code == 200
    page = text(response)
    assert message in error_of(page, "followup_months")
    assert input_value(page, "followup_months") == typed
    with app.app_context():
        assert db.session.get(Call, call).followup_months == [3, 6]
    assert audit_rows(app, "monitoring.followup_months") == []


def test_call_payments_page_carries_the_followup_form_and_returns_there(app, make_user, staff_en):
    call = decided_call(app)
    client = signed_in_client(app, staff_en)
    grants_page = url(app, "disbursements.call_grants", call_id=call)
    page = text(client.get(grants_page))
    assert f'action="{url(app, "monitoring.call_followup", call_id=call)}"' in page
    assert input_value(page, "followup_months") == "3, 6"
    assert f'href="{url(app, "monitoring.call_reports", call_id=call)}"' in page

    saved = post(client, url(app, "monitoring.call_followup", call_id=call),
                 data={"followup_months": "4, 8", "next": grants_page})
    assert saved.status_code == 302 and saved.location.endswith(grants_page)
    # another site is never followed
    saved = post(client, url(app, "monitoring.call_followup", call_id=call),
                 data={"followup_months": "6", "next": "//evil.example/x"})
    assert saved.location.endswith(url(app, "monitoring.call_reports", call_id=call))
    with app.app_context():
        assert db.session.get(Call, call).followup_months == [6]


# --- reviewing a report ----------------------------------------------------------------------------------------

@pytest.fixture
def submitted(app, make_user):
    """A grant paid 100 days ago (first tranche paid) whose report 1 is submitted: (grant id, report id)."""
    call = decided_call(app)
    _, grant_id = paid_grant(app, make_user, call, paid_days_ago=100)
    return grant_id, submit(app, grant_id, 1)


def test_approving_a_report_emails_the_grantee_and_makes_the_next_tranche_requestable(app, make_user, staff_en,
                                                                                      submitted):
    grant_id, report_id = submitted
    with app.app_context():
        second = db.session.get(Grant, grant_id).tranches[1]
        assert not all(condition.met for condition in disbursements.conditions(second))
        second_id = second.id
    client = signed_in_client(app, staff_en)
    path = url(app, "monitoring.review", report_id=report_id)

    arabic = signed_in_client(app, make_user("staff")).get(path)
    assert arabic.status_code == 200 and 'dir="rtl"' in text(arabic) and 'id="approve"' in text(arabic)

    page = text(client.get(path))
    assert 'id="approve"' in page and 'id="ask-for-changes"' in page
    assert COMPLETE["money_bought"] in page and 'id="answer-jobs_total">3<' in page  # slice A's answers partial
    assert "Submitted" in page and 'id="line-' in page  # the grant's reports, this one among them
    assert f'href="{url(app, "disbursements.grant", grant_id=grant_id)}"' in page

    approved = post(client, path, data={"decision": "approve", "comment": ""})
    assert approved.status_code == 302 and approved.location.endswith(path)
    assert any("The report is approved" in message for _, message in flashes(client))
    report = report_state(app, report_id)
    assert report.status == ReportStatus.APPROVED and report.reviewed_by_id == staff_en.id
    [row] = audit_rows(app, "monitoring.approve_report")
    assert row.actor_id == staff_en.id and row.details["report"] == 1
    with app.app_context():
        grantee = db.session.get(Grant, grant_id).application.applicant
        mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "report_reviewed")).all()
        assert [m.recipient_id for m in mail] == [grantee.id]

    # tranche 2 waited for report 1: its payment can now be requested
    requested = post(client, url(app, "disbursements.request", tranche_id=second_id))
    assert requested.status_code == 302
    with app.app_context():
        assert db.session.get(Tranche, second_id).status == TrancheStatus.REQUESTED

    # read-only now: no buttons, and a forged post is refused with a message, changing nothing
    page = text(client.get(path))
    assert 'id="approve"' not in page and 'id="not-reviewable"' in page and "This report is approved." in page
    assert "Rania Haddad" in page  # who reviewed it
    again = post(client, path, data={"decision": "changes", "comment": "مرة أخرى"})
    assert again.status_code == 302 and again.location.endswith(path)
    assert any("Only a submitted report can be reviewed." in message for _, message in flashes(client))
    assert report_state(app, report_id).status == ReportStatus.APPROVED
    assert len(audit_rows(app, "monitoring.approve_report")) == 1
    assert audit_rows(app, "monitoring.request_changes") == []


def test_asking_for_changes_needs_a_comment_shown_beside_it(app, make_user, staff_en, submitted):
    grant_id, report_id = submitted
    client = signed_in_client(app, staff_en)
    path = url(app, "monitoring.review", report_id=report_id)

    for comment in ("", "   \n "):
        refused = client.post(path, data={"decision": "changes", "comment": comment})
        assert refused.status_code == 200
        assert "Write what the grantee should change." in error_of(text(refused), "comment")
    arabic = signed_in_client(app, make_user("staff")).post(path, data={"decision": "changes"})
    assert says(arabic, app, "Write what the grantee should change.")

    # a forged decision or an over-long comment: the page again, the comment kept
    forged = text(client.post(path, data={"decision": "reject", "comment": "الفاتورة غير واضحة"}))
    assert "Choose whether to approve the report or ask for changes." in forged and "الفاتورة غير واضحة" in forged
    long = text(client.post(path, data={"decision": "changes", "comment": "ب" * 5001}))
    assert "Write at most 5000 characters." in error_of(long, "comment") and "ب" * 5001 in long
    assert report_state(app, report_id).status == ReportStatus.SUBMITTED
    assert audit_rows(app, "monitoring.request_changes") == []

    sent_back = post(client, path, data={"decision": "changes", "comment": "  أرفق صورة فاتورة الماكينة.  "})
    assert sent_back.status_code == 302
    assert any("sent back to the grantee" in message for _, message in flashes(client))
    report = report_state(app, report_id)
    assert report.status == ReportStatus.CHANGES_REQUESTED and report.review_comment == "أرفق صورة فاتورة الماكينة."
    [row] = audit_rows(app, "monitoring.request_changes")
    assert row.details["comment"] == "أرفق صورة فاتورة الماكينة."
    with app.app_context():
        [mail] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "report_reviewed")).all()
        assert mail.recipient_id == db.session.get(Grant, grant_id).application.applicant_id
    page = text(client.get(path))
    assert 'id="approve"' not in page and "Changes were asked for" in page and "أرفق صورة فاتورة الماكينة." in page


def test_a_report_not_yet_submitted_is_read_only_and_a_forged_review_is_refused(app, make_user, staff_en):
    call = decided_call(app)
    _, grant_id = paid_grant(app, make_user, call, paid_days_ago=120)
    with app.app_context():
        report_id = report_of(grant_id, 1).id
    client = signed_in_client(app, staff_en)
    path = url(app, "monitoring.review", report_id=report_id)
    page = text(client.get(path))
    assert 'id="approve"' not in page and "has not submitted this report yet" in page
    assert "Overdue" in page  # due 3 months after a payment 120 days ago
    for decision in ("approve", "changes"):
        refused = post(client, path, data={"decision": decision, "comment": "x"})
        assert refused.status_code == 302
        assert any("Only a submitted report can be reviewed." in m for _, m in flashes(client))
    assert report_state(app, report_id).status == ReportStatus.DUE
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.template == "report_reviewed")) is None


# --- a grant's reports and visits ------------------------------------------------------------------------------

def test_grant_monitoring_page_lists_reports_and_visits_with_photo_counts(app, make_user, staff_en):
    call = decided_call(app)
    _, grant_id = paid_grant(app, make_user, call, paid_days_ago=200)
    reviewed(app, grant_id, 1, staff_en.id, approve=True)
    today = program_day(app)
    findings = "الورشة تعمل بشكل جيد، وتم تشغيل عاملتين. " * 10
    with app.app_context():
        staff, grant = db.session.get(User, staff_en.id), db.session.get(Grant, grant_id)
        earlier = services.record_visit(staff, grant, visited_on=today - timedelta(days=40), findings="زيارة أولى",
                                        visitor_name="فريق المتابعة")
        latest = services.record_visit(staff, grant, visited_on=today - timedelta(days=2), findings=findings,
                                       business_status=BusinessStatus.OPERATING)
        for name in ("a.png", "b.png"):
            services.add_file(staff, Upload(name, PNG), visit=latest)
        db.session.commit()
        visits = (earlier.id, latest.id)
        reports = [r.id for r in db.session.scalars(select(ProgressReport).where(ProgressReport.grant_id == grant_id)
                                                    .order_by(ProgressReport.number))]
    client = signed_in_client(app, staff_en)
    path = url(app, "monitoring.grant_monitoring", grant_id=grant_id)

    arabic = signed_in_client(app, make_user("staff")).get(path)
    assert arabic.status_code == 200 and "أحمد عبد الرحمن الخلف" in text(arabic)

    page = text(client.get(path))
    assert row_ids(page) == reports
    assert re.search(rf'<tr id="report-{reports[0]}" data-status="approved">', page)
    assert re.search(rf'<tr id="report-{reports[1]}" data-status="due" data-overdue="\d+">', page)
    assert re.findall(r'<tr id="visit-(\d+)"', page) == [str(visits[1]), str(visits[0])]  # the latest first
    latest_row = re.search(rf'<tr id="visit-{visits[1]}">.*?</tr>', page, re.S).group(0)
    assert '<td class="photos">2</td>' in latest_row and "Operating" in latest_row
    assert "…" in latest_row or "..." in latest_row  # the findings are cut short in the list
    assert "Rania Haddad" in latest_row  # the visitor defaults to who recorded it
    earlier_row = re.search(rf'<tr id="visit-{visits[0]}">.*?</tr>', page, re.S).group(0)
    assert '<td class="photos">0</td>' in earlier_row and "فريق المتابعة" in earlier_row
    assert f'href="{url(app, "monitoring.new_visit", grant_id=grant_id)}"' in page
    assert f'href="{url(app, "monitoring.visit", visit_id=visits[0])}"' in page

    # the grant's payments page links here
    grant_page = text(client.get(url(app, "disbursements.grant", grant_id=grant_id)))
    assert f'href="{path}"' in grant_page and "Reports and visits" in grant_page


def test_grant_monitoring_page_query_count_does_not_grow_with_visits(app, make_user, staff_en):
    call = decided_call(app)
    _, grant_id = paid_grant(app, make_user, call, paid_days_ago=200)
    client = signed_in_client(app, staff_en)
    path = url(app, "monitoring.grant_monitoring", grant_id=grant_id)

    def add_visits(count):
        with app.app_context():
            staff, grant = db.session.get(User, staff_en.id), db.session.get(Grant, grant_id)
            for _ in range(count):
                visit = services.record_visit(staff, grant, visited_on=program_day(app), findings="تعمل")
                services.add_file(staff, Upload("p.png", PNG), visit=visit)
            db.session.commit()

    def statements():
        with counting_statements(app) as seen:
            assert client.get(path).status_code == 200
        return len(seen)

    add_visits(1)
    client.get(path)
    one = statements()
    add_visits(6)
    assert statements() == one


def test_grant_without_reports_says_when_they_come(app, make_user, staff_en):
    call = decided_call(app)
    _, grant_id = make_grant(app, make_user, call)
    page = text(signed_in_client(app, staff_en).get(url(app, "monitoring.grant_monitoring", grant_id=grant_id)))
    assert 'id="no-reports"' in page and "3, 6 months" in page and 'id="no-visits"' in page
