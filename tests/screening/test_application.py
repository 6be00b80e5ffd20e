"""The staff page of one application, the eligibility override, internal comments, tags and batch actions."""
import re

import pytest
from sqlalchemy import select

from grants import permissions
from grants.extensions import db
from grants.models import Application, ApplicationStatus, ApplicationTag, Comment, Disability, ScreeningStatus, utcnow

from ..fixtures.i18n import says
from ..fixtures.program import flag_duplicates, make_application, make_call
from .helpers import audit_rows, error_beside, flashes, reference, submit, update

INELIGIBLE_REASONS = [
    {"code": "age", "ar": "العمر في تاريخ الإغلاق خارج المدى المسموح",
     "en": "Age on the closing date is outside the range"},
    {"code": "place", "ar": "المنطقة غير مشمولة بالدعوة", "en": "The place is not covered by the call"},
]


@pytest.fixture
def ineligible(app, make_user, call_id):
    application_id = submit(app, make_user, call_id, disability=Disability.YES)
    update(app, application_id, eligible=False, eligibility_reasons=INELIGIBLE_REASONS)
    return application_id


def row(app, application_id) -> Application:
    with app.app_context():
        application = db.session.get(Application, application_id)
        db.session.expunge(application)
        return application


# --- the detail page --------------------------------------------------------------------------------------

def test_the_page_shows_everything_the_applicant_entered(app, client, staff, make_user, ineligible):
    other = submit(app, make_user, row(app, ineligible).call_id)
    flag_duplicates(app, ineligible, other)
    with app.app_context():
        db.session.add(ApplicationTag(application_id=ineligible, tag="visit the shop"))
        db.session.add(Comment(application_id=ineligible, author_id=staff.id, body="Called the applicant."))
        db.session.commit()
        application = db.session.get(Application, ineligible)
        documents = [(d.id, d.original_name) for d in application.documents]
    response = client.get(f"/staff/applications/{ineligible}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in ("أحمد عبد الرحمن الخلف", "Ahmad Abdulrahman Al-Khalaf", "08011234567", "+963944111222",
                 "ورشة الخلف لتصليح الدراجات", "عدة تصليح", "قطع غيار", "إيجار ثلاثة أشهر",
                 "Trade and retail", "Al-Busayrah", "Deir ez-Zor", "Secondary school", "عامل مياومة",
                 "1,200,000", "2,000,000", "1,800,000",  # a line, the budget total, the amount requested
                 "Age on the closing date is outside the range", "The place is not covered by the call",
                 "Same national ID", reference(app, other), "visit the shop", "Called the applicant."):
        assert text in html, text
    assert "العمر في تاريخ الإغلاق" not in html  # reasons in the reader's language
    assert ">Yes<" in html  # disability: staff see it
    if "applications.document" in app.view_functions:
        for document_id, _name in documents:
            assert f'href="/applications/{ineligible}/documents/{document_id}"' in html


def test_the_page_speaks_arabic_to_arabic_readers(app, client, auth, make_user, ineligible):
    auth.login(make_user("staff"))
    response = client.get(f"/staff/applications/{ineligible}")
    assert "العمر في تاريخ الإغلاق خارج المدى المسموح" in response.get_data(as_text=True)
    assert says(response, app, "Possible duplicates")


def test_the_page_shows_the_audit_trail(app, client, staff, ineligible):
    client.post(f"/staff/applications/{ineligible}/eligibility",
                data={"override-action": "override", "override-reason": "Born a day late; the rule was misread."})
    html = client.get(f"/staff/applications/{ineligible}").get_data(as_text=True)
    assert "screening.eligibility_overridden" in html and "Rania Officer" in html


def test_drafts_and_unknown_applications_are_404(app, client, staff, make_user, call_id):
    draft = make_application(app, make_user().id, call_id)
    assert client.get(f"/staff/applications/{draft}").status_code == 404
    assert client.get("/staff/applications/987654").status_code == 404
    assert client.get(f"/staff/applications/{10**25}").status_code == 404
    assert client.post(f"/staff/applications/{draft}/comments", data={"comment-body": "x"}).status_code == 404


# --- eligibility override -------------------------------------------------------------------------------

def test_override_needs_a_justification_shown_beside_the_field(app, client, staff, ineligible):
    response = client.post(f"/staff/applications/{ineligible}/eligibility",
                           data={"override-action": "override", "override-reason": "   "})
    assert response.status_code == 200
    assert error_beside(response, "override-reason") == "Write the justification: it is kept in the record."
    assert not row(app, ineligible).eligibility_overridden
    assert audit_rows(app, subject_id=ineligible, action="screening.eligibility_overridden") == []


def test_override_and_revoke(app, client, staff, ineligible):
    response = client.post(f"/staff/applications/{ineligible}/eligibility", data={
        "override-action": "override", "override-reason": "The birth certificate shows 35 on the closing day."})
    assert response.status_code == 302
    application = row(app, ineligible)
    assert application.eligibility_overridden and application.is_eligible
    assert application.override_reason == "The birth certificate shows 35 on the closing day."
    assert application.override_by_id == staff.id and application.override_at is not None
    [entry] = audit_rows(app, subject_id=ineligible, action="screening.eligibility_overridden")
    assert entry.actor_id == staff.id and entry.details["reason"].startswith("The birth certificate")
    assert entry.details["rule_reasons"] == ["age", "place"]
    html = client.get(response.location).get_data(as_text=True)
    assert "Ruled eligible by Rania Officer" in html and "Take the override back" in html
    # listed as overridden
    listing = client.get(f"/staff/calls/{application.call_id}/applications", query_string={"eligibility": "overridden"})
    assert application.reference in listing.get_data(as_text=True)

    # overriding twice is refused; revoking needs its own reason
    again = client.post(f"/staff/applications/{ineligible}/eligibility",
                        data={"override-action": "override", "override-reason": "again"})
    assert "This application is already ruled eligible." in again.get_data(as_text=True)
    missing = client.post(f"/staff/applications/{ineligible}/eligibility",
                          data={"override-action": "revoke", "override-reason": ""})
    assert error_beside(missing, "override-reason")
    assert row(app, ineligible).eligibility_overridden
    revoked = client.post(f"/staff/applications/{ineligible}/eligibility",
                          data={"override-action": "revoke", "override-reason": "The certificate was forged."})
    assert revoked.status_code == 302
    application = row(app, ineligible)
    assert not application.eligibility_overridden and application.override_reason is None
    [entry] = audit_rows(app, subject_id=ineligible, action="screening.override_revoked")
    assert entry.details["previous_reason"].startswith("The birth certificate")


def test_an_eligible_application_cannot_be_overridden(app, client, staff, make_user, call_id):
    eligible = submit(app, make_user, call_id)
    response = client.post(f"/staff/applications/{eligible}/eligibility",
                           data={"override-action": "override", "override-reason": "Why not"})
    assert response.status_code == 302
    assert "fails the call’s rules" in flashes(client.get(response.location))
    assert not row(app, eligible).eligibility_overridden
    assert "override-reason" not in client.get(f"/staff/applications/{eligible}").get_data(as_text=True)


def test_a_withdrawn_application_cannot_be_overridden(app, client, staff, ineligible):
    update(app, ineligible, status=ApplicationStatus.WITHDRAWN, withdrawn_at=utcnow())
    response = client.post(f"/staff/applications/{ineligible}/eligibility",
                           data={"override-action": "override", "override-reason": "Why not"})
    assert response.status_code == 302 and not row(app, ineligible).eligibility_overridden


# --- internal comments ----------------------------------------------------------------------------------

def test_staff_comment_internally(app, client, staff, ineligible):
    empty = client.post(f"/staff/applications/{ineligible}/comments", data={"comment-body": "  "})
    assert empty.status_code == 200 and error_beside(empty, "comment-body") == "Write the comment."
    response = client.post(f"/staff/applications/{ineligible}/comments",
                           data={"comment-body": "Visited the workshop: it exists."})
    assert response.status_code == 302
    assert "Visited the workshop: it exists." in client.get(f"/staff/applications/{ineligible}").get_data(as_text=True)
    with app.app_context():
        [comment] = db.session.scalars(select(Comment)).all()
        assert comment.author_id == staff.id and comment.application_id == ineligible
    assert audit_rows(app, subject_id=ineligible, action="screening.comment_added")


def test_comments_are_never_shown_to_the_applicant(app, client, auth, make_user, call_id):
    owner = make_user("applicant", locale="en")
    application_id = make_application(app, owner.id, call_id, submit=True)
    with app.app_context():
        db.session.add(Comment(application_id=application_id, body="Suspicious budget, check the rent."))
        db.session.commit()
    auth.login(owner)
    for url in ("/my/applications", f"/applications/{application_id}"):
        response = client.get(url)
        assert "Suspicious budget" not in response.get_data(as_text=True), url
    assert client.get(f"/staff/applications/{application_id}").status_code == 403


@pytest.mark.parametrize("role, may_comment_setting, expected", [
    ("staff", False, True), ("admin", False, True), ("applicant", True, False), ("reviewer", True, False),
])
def test_who_may_comment(app, make_user, call_id, role, may_comment_setting, expected):
    user_account = make_user(role)
    application_id = submit(app, make_user, call_id)
    with app.app_context():
        from grants.models import Call, User

        db.session.get(Call, call_id).reviewers_may_comment = may_comment_setting
        user = db.session.get(User, user_account.id)
        application = db.session.get(Application, application_id)
        # a reviewer not assigned to the application may not comment, whatever the call allows
        assert permissions.can_comment_on_application(user, application) is expected


# --- batch actions --------------------------------------------------------------------------------------

@pytest.fixture
def three(app, make_user, call_id):
    return [submit(app, make_user, call_id) for _ in range(3)]


def test_batch_mark_screened(app, client, staff, call_id, three):
    update(app, three[2], screening_status=ScreeningStatus.SCREENED)
    response = client.post(f"/staff/calls/{call_id}/applications/batch",
                           data={"ids": [str(i) for i in three], "action": "screened", "back": "gender=male"})
    assert response.status_code == 302
    assert response.location.endswith(f"/staff/calls/{call_id}/applications?gender=male")
    assert "2 of 3 selected applications changed." in flashes(client.get(response.location))
    assert [row(app, i).screening_status for i in three] == [ScreeningStatus.SCREENED] * 3
    assert row(app, three[0]).screened_by_id == staff.id
    rows = audit_rows(app, action="screening.marked_screened")
    assert sorted(r.subject_id for r in rows) == sorted(three[:2])  # one row per changed application


def test_batch_mark_ineligible_needs_one_reason(app, client, staff, call_id, three):
    url = f"/staff/calls/{call_id}/applications/batch"
    response = client.post(url, data={"ids": [str(i) for i in three], "action": "ineligible", "reason": ""})
    assert response.status_code == 200
    assert error_beside(response, "reason") == "Write why these applications are ineligible."
    html = response.get_data(as_text=True)
    assert all(re.search(rf'id="select-{i}"\s+checked', html) for i in three)  # still selected
    assert {row(app, i).screening_status for i in three} == {ScreeningStatus.PENDING}

    response = client.post(url, data={"ids": [str(three[0]), str(three[1])], "action": "ineligible",
                                      "reason": "The business is outside the governorate."})
    assert response.status_code == 302
    for application_id in three[:2]:
        application = row(app, application_id)
        assert application.screening_status == ScreeningStatus.INELIGIBLE
        assert application.screening_reason == "The business is outside the governorate."
    assert row(app, three[2]).screening_status == ScreeningStatus.PENDING
    rows = audit_rows(app, action="screening.marked_ineligible")
    assert len(rows) == 2 and rows[0].details["reason"] == "The business is outside the governorate."


def test_batch_add_a_tag(app, client, staff, call_id, three):
    url = f"/staff/calls/{call_id}/applications/batch"
    missing = client.post(url, data={"ids": [str(three[0])], "action": "tag", "tag": ""})
    assert error_beside(missing, "tag") == "Write the tag."
    response = client.post(url, data={"ids": [str(i) for i in three], "action": "tag", "tag": "  site   visit "})
    assert response.status_code == 302
    client.post(url, data={"ids": [str(three[0])], "action": "tag", "tag": "site visit"})  # already there
    with app.app_context():
        tags = db.session.execute(select(ApplicationTag.application_id, ApplicationTag.tag)).all()
    assert sorted(tags) == sorted((i, "site visit") for i in three)
    assert len(audit_rows(app, action="screening.tag_added")) == 3
    listing = client.get(f"/staff/calls/{call_id}/applications", query_string={"tag": "site visit"})
    assert "3 applications match." in listing.get_data(as_text=True)
    # and one tag can be taken off an application on its page
    removed = client.post(f"/staff/applications/{three[0]}/tags/remove", data={"tag": "site visit"})
    assert removed.status_code == 302
    assert len(audit_rows(app, action="screening.tag_removed")) == 1
    with app.app_context():
        assert db.session.get(ApplicationTag, (three[0], "site visit")) is None


def test_batch_ignores_ids_from_elsewhere(app, client, staff, make_user, call_id, three):
    other_call = make_call(app, code="DZ26B")
    foreign = submit(app, make_user, other_call)
    draft = make_application(app, make_user().id, call_id)
    response = client.post(f"/staff/calls/{call_id}/applications/batch", data={
        "ids": [str(three[0]), str(foreign), str(draft), "999999", "abc", "-4", "9" * 40, ""],
        "action": "screened"})
    assert response.status_code == 302
    assert "1 of 1 selected applications changed." in flashes(client.get(response.location))
    assert row(app, three[0]).screening_status == ScreeningStatus.SCREENED
    assert row(app, foreign).screening_status == ScreeningStatus.PENDING
    assert row(app, draft).screening_status == ScreeningStatus.PENDING


def test_batch_without_a_selection_or_an_action(app, client, staff, call_id, three):
    url = f"/staff/calls/{call_id}/applications/batch"
    nothing = client.post(url, data={"action": "screened"})
    assert nothing.status_code == 200 and "Select at least one application." in nothing.get_data(as_text=True)
    no_action = client.post(url, data={"ids": [str(three[0])], "action": "delete-everything"})
    assert no_action.status_code == 200 and error_beside(no_action, "action")
    assert {row(app, i).screening_status for i in three} == {ScreeningStatus.PENDING}


def test_withdrawn_and_duplicate_applications_keep_their_status(app, client, staff, call_id, three):
    update(app, three[0], status=ApplicationStatus.WITHDRAWN, withdrawn_at=utcnow())
    update(app, three[1], screening_status=ScreeningStatus.DUPLICATE, screening_reason="Applied twice")
    client.post(f"/staff/calls/{call_id}/applications/batch",
                data={"ids": [str(i) for i in three], "action": "ineligible", "reason": "No licence"})
    assert row(app, three[0]).screening_status == ScreeningStatus.PENDING
    assert row(app, three[1]).screening_status == ScreeningStatus.DUPLICATE
    assert row(app, three[2]).screening_status == ScreeningStatus.INELIGIBLE


def test_screening_one_application_from_its_page(app, client, staff, call_id, three):
    target = three[1]
    page = client.get(f"/staff/applications/{target}").get_data(as_text=True)
    assert f'value="application:{target}"' in page
    missing = client.post(f"/staff/calls/{call_id}/applications/batch",
                          data={"ids": [str(target)], "action": "ineligible", "back": f"application:{target}"})
    assert missing.status_code == 200 and error_beside(missing, "reason")
    assert reference(app, target) in missing.get_data(as_text=True)
    response = client.post(f"/staff/calls/{call_id}/applications/batch", data={
        "ids": [str(target)], "action": "ineligible", "reason": "No premises", "back": f"application:{target}"})
    assert response.status_code == 302 and response.location.endswith(f"/staff/applications/{target}")
    assert row(app, target).screening_status == ScreeningStatus.INELIGIBLE
