"""The grantee's side of disbursements through the test client: their grant page (statuses, conditions in plain
words, letters), who may see it, the agreement download, the link from the decision page, the approval email."""
import pytest
from sqlalchemy import select

from grants.disbursements import agreement as agreement_module
from grants.extensions import db
from grants.models import Application, Call, CourseCall, Grant, OutboxMessage, TrancheStatus, User
from grants.storage import storage

from ..fixtures.accounts import Account
from ..fixtures.disbursements import make_grant
from ..fixtures.i18n import says, translated
from ..fixtures.routes import post, signed_in_client, text
from ..fixtures.training import make_course
from .test_staff_routes import (  # noqa: F401  (call is a fixture)
    NAME_AR, NAME_LATIN, advance, call, grant_state, letters_of, tranche_ids, url,
)

FAKE_PDF = b"%PDF-1.4 agreement for tests\n%%EOF\n"


@pytest.fixture
def grantee_world(app, make_user, call):
    """An Arabic-reading grantee with a required course not completed: tranche 1 paid, tranche 2 with its letter
    issued, tranche 3 pending."""
    make_course(app, calls=[call], required_for_payment=True, title_en="Bookkeeping basics",
                title_ar="أساسيات مسك الدفاتر")
    with app.app_context():  # the course was required only after the first two tranches went out
        link = db.session.scalar(select(CourseCall))
        link.required_for_payment = False
        # No follow-up reports: the report condition is tested in tests/monitoring.
        db.session.get(Call, call).followup_months = []
        db.session.commit()
    grantee_id, grant_id = make_grant(app, make_user, call, amount=1_000_000)
    requester, approver = make_user("staff"), make_user("admin")
    first, second, third = tranche_ids(app, grant_id)
    advance(app, first, TrancheStatus.PAID, requester.id, approver.id)
    advance(app, second, TrancheStatus.LETTER_ISSUED, requester.id, approver.id)
    with app.app_context():
        db.session.scalar(select(CourseCall)).required_for_payment = True
        db.session.commit()
        application_id = db.session.get(Grant, grant_id).application_id
    return {"grantee": grantee_id, "grant": grant_id, "application": application_id,
            "tranches": (first, second, third)}


def account_of(app, user_id) -> Account:
    with app.app_context():
        return Account(user_id, db.session.get(User, user_id).email)


def test_grantee_page_in_arabic_shows_statuses_conditions_and_letters(app, make_user, grantee_world):
    grantee = account_of(app, grantee_world["grantee"])
    client = signed_in_client(app, grantee)
    first, second, third = grantee_world["tranches"]
    response = client.get(url(app, "disbursements.mine", application_id=grantee_world["application"]))
    assert response.status_code == 200
    page = text(response)
    assert 'dir="rtl"' in page
    assert says(response, app, "My grant") and says(response, app, "Not requested yet.")
    assert says(response, app, "The disbursement letter is issued; the money will be paid soon.")
    assert f'id="tranche-{first}" data-status="paid"' in page
    assert f'id="tranche-{third}" data-status="pending"' in page
    # The pending tranche's conditions in plain words: the course (in Arabic) not done yet.
    third_item = page[page.index(f'id="tranche-{third}"'):]
    assert "أساسيات مسك الدفاتر" in third_item and 'class="condition condition-unmet"' in third_item
    assert says(response, app, "not yet")
    # Letters of the paid and the issued tranche, each a link to its PDF.
    for tranche_id in (first, second):
        letter = letters_of(app, tranche_id)[0]
        assert letter.number in page and url(app, "disbursements.letter", letter_id=letter.id) in page
    assert url(app, "disbursements.agreement", grant_id=grantee_world["grant"]) in page
    assert says(response, app, "Please print the agreement, sign it and bring it to the program team.")
    assert "staff page" not in page


def test_grantee_page_in_english(app, make_user, call):
    stranger = make_user("applicant", locale="en")
    grantee_id, grant_id = make_grant(app, make_user, call, locale="en")
    with app.app_context():
        application_id = db.session.get(Grant, grant_id).application_id
    client = signed_in_client(app, account_of(app, grantee_id))
    page = text(client.get(url(app, "disbursements.mine", application_id=application_id)))
    assert 'dir="ltr"' in page and "My grant" in page and "Tranche 1 of 3" in page and "500,000" in page
    assert "The previous tranche has been paid: <strong class=\"condition-mark\">not yet</strong>" in page
    assert "Pending" in page and "Not requested yet." in page
    # Somebody else gets 404 for the same address.
    other = signed_in_client(app, stranger)
    assert other.get(url(app, "disbursements.mine", application_id=application_id)).status_code == 404


def test_who_may_see_a_grant(app, make_user, grantee_world):
    path = url(app, "disbursements.mine", application_id=grantee_world["application"])
    for role in ("applicant", "reviewer"):
        assert signed_in_client(app, make_user(role)).get(path).status_code == 404
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    staff = signed_in_client(app, make_user("staff", locale="en")).get(path)
    assert staff.status_code == 200 and "This is the page the grantee sees." in text(staff)
    assert url(app, "disbursements.grant", grant_id=grantee_world["grant"]) in text(staff)
    # An application without a grant, and one that does not exist: 404 alike.
    from ..fixtures.program import make_application

    applicant = make_user("applicant")
    with app.app_context():
        call_id = db.session.get(Grant, grantee_world["grant"]).call_id
    bare = make_application(app, applicant.id, call_id, submit=True)
    assert signed_in_client(app, applicant).get(url(app, "disbursements.mine", application_id=bare)).status_code \
        == 404
    assert signed_in_client(app, applicant).get("/my/applications/99999999999/grant").status_code == 404


def test_agreement_download(app, make_user, grantee_world, monkeypatch):
    monkeypatch.setattr(agreement_module, "render_agreement", lambda grant: FAKE_PDF)
    grant_id = grantee_world["grant"]
    path = url(app, "disbursements.agreement", grant_id=grant_id)
    with app.app_context():  # never made (or its file lost): the download makes it and keeps it
        db.session.get(Grant, grant_id).agreement_key = None
        db.session.commit()
    grantee = signed_in_client(app, account_of(app, grantee_world["grantee"]))
    response = grantee.get(path)
    assert response.status_code == 200 and response.data == FAKE_PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response.headers["Content-Disposition"]
    key = grant_state(app, grant_id).agreement_key
    assert key and grant_state(app, grant_id).agreement_sha256
    with app.app_context():
        assert storage().read(key) == FAKE_PDF

    # The stored file is served as it is, not made again.
    monkeypatch.setattr(agreement_module, "render_agreement", lambda grant: b"%PDF-1.4 different")
    assert grantee.get(path).data == FAKE_PDF
    assert signed_in_client(app, make_user("staff")).get(path).data == FAKE_PDF
    for role in ("applicant", "reviewer"):
        assert signed_in_client(app, make_user(role)).get(path).status_code == 404

    # A lost file is made again.
    with app.app_context():
        storage().delete(key)
    assert grantee.get(path).data == b"%PDF-1.4 different"
    assert grant_state(app, grant_id).agreement_key != key


def test_a_lost_agreement_is_made_again_and_kept(app, make_user, grantee_world):
    """With the real renderer: the agreement made at acceptance is served as stored; when its file is lost, the
    download makes it again from the grant as it is now and keeps it (the next download serves that file)."""
    import hashlib

    grant_id = grantee_world["grant"]
    grant = grant_state(app, grant_id)
    assert grant.agreement_key and grant.agreement_sha256
    grantee = signed_in_client(app, account_of(app, grantee_world["grantee"]))
    path = url(app, "disbursements.agreement", grant_id=grant_id)
    first = grantee.get(path)
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    assert hashlib.sha256(first.data).hexdigest() == grant.agreement_sha256
    with app.app_context():
        storage().delete(grant.agreement_key)
    again = grantee.get(path)
    assert again.status_code == 200 and again.data.startswith(b"%PDF")
    remade = grant_state(app, grant_id)
    assert remade.agreement_key != grant.agreement_key
    assert remade.agreement_sha256 == hashlib.sha256(again.data).hexdigest()
    assert grantee.get(path).data == again.data


def test_decision_page_links_to_the_grant(app, make_user, grantee_world, call):
    grantee = signed_in_client(app, account_of(app, grantee_world["grantee"]))
    response = grantee.get(url(app, "decisions.mine", application_id=grantee_world["application"]))
    assert response.status_code == 200 and says(response, app, "My grant")
    assert url(app, "disbursements.mine", application_id=grantee_world["application"]) in text(response)
    # An accepted award without a grant yet shows no link.
    from ..fixtures.training import make_grantee

    plain = make_grantee(app, make_user, call)
    with app.app_context():
        application_id = db.session.scalar(select(Application.id).where(Application.applicant_id == plain.id))
    page = text(signed_in_client(app, plain).get(url(app, "decisions.mine", application_id=application_id)))
    assert 'id="my-grant"' not in page


def test_approval_email_in_the_grantees_language(app, make_user, call, smtp_server):
    requester, approver = make_user("staff"), make_user("admin", locale="en")
    grantee_id, grant_id = make_grant(app, make_user, call)  # reads Arabic
    first = tranche_ids(app, grant_id)[0]
    post(signed_in_client(app, requester), url(app, "disbursements.request", tranche_id=first))
    post(signed_in_client(app, approver), url(app, "disbursements.approve", tranche_id=first))
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.template == "tranche_approved"))
        email = db.session.get(User, grantee_id).email
    assert message.locale == "ar" and message.recipient_email == email
    assert message.subject == translated(app, "Payment approved: tranche %(position)s of %(count)s of your grant",
                                         position=1, count=3)
    sent = smtp_server.to(email)
    assert len(sent) == 1
    body = smtp_server.text_of(sent[0])
    assert url(app, "disbursements.mine", application_id=grant_state(app, grant_id).application_id) in body
    assert NAME_AR not in message.subject and NAME_LATIN not in message.subject
