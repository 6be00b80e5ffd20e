"""Letters through the test client: the PDF download (grantee and staff, void letters for staff only), the public
verification page, a call's letters as one ZIP, and emailing letters to grantees with the PDF attached."""
import io
import zipfile

import pytest
from flask import url_for
from sqlalchemy import func, select

from grants.disbursements import services
from grants.extensions import db
from grants.models import AuditEntry, Grant, Letter, OutboxMessage, User
from grants.storage import storage

from ..fixtures.accounts import Account
from ..fixtures.disbursements import make_grant
from ..fixtures.i18n import says
from ..fixtures.routes import flashes, post, signed_in_client
from ..fixtures.training import decided_call
from .test_letter_pdf import NAME_AR, NAME_LATIN, NATIONAL_ID


def url(app, endpoint, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def account(app, user_id) -> Account:
    with app.app_context():
        return Account(user_id, db.session.get(User, user_id).email)


@pytest.fixture
def call(app):
    return decided_call(app)


@pytest.fixture
def staff(make_user):
    return make_user("staff", locale="en"), make_user("admin", locale="en")


def letter_for(app, staff, grant_id, number=1) -> int:
    """Issue the letter of tranche `number` of the grant; returns the letter id."""
    requester, approver = staff
    with app.app_context():
        tranche = db.session.get(Grant, grant_id).tranches[number - 1]
        services.request_tranche(db.session.get(User, requester.id), tranche)
        services.approve_tranche(db.session.get(User, approver.id), tranche)
        letter = services.issue_letter(db.session.get(User, requester.id), tranche)
        db.session.commit()
        return letter.id


def reissue(app, staff, letter_id) -> int:
    with app.app_context():
        letter = services.reissue_letter(db.session.get(User, staff[0].id), db.session.get(Letter, letter_id),
                                         reason="The name was misspelt.")
        db.session.commit()
        return letter.id


def letter_row(app, letter_id) -> Letter:
    with app.app_context():
        letter = db.session.get(Letter, letter_id)
        db.session.expunge(letter)
        return letter


def stored_pdf(app, letter_id) -> bytes:
    with app.app_context():
        return storage().read(db.session.get(Letter, letter_id).storage_key)


@pytest.fixture
def issued(app, make_user, call, staff):
    """A grantee (reads Arabic) with the letter of tranche 1 issued."""
    grantee_id, grant_id = make_grant(app, make_user, call)
    return {"grantee": grantee_id, "grant": grant_id, "letter": letter_for(app, staff, grant_id)}


# --- the download ----------------------------------------------------------------------------------------------

def test_the_grantee_and_staff_download_the_stored_pdf(app, make_user, staff, issued):
    letter = letter_row(app, issued["letter"])
    path = url(app, "disbursements.letter", letter_id=letter.id)
    assert path.endswith(f"/disbursements/letters/{letter.id}.pdf")
    for who in (account(app, issued["grantee"]), staff[0], staff[1]):
        response = signed_in_client(app, who).get(path)
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.data == stored_pdf(app, letter.id)
        assert f'filename={letter.number}.pdf' in response.headers["Content-Disposition"]
        assert "no-store" in response.headers["Cache-Control"]
    assert signed_in_client(app, make_user("applicant")).get(path).status_code == 404
    assert app.test_client().get(path).status_code == 302  # to the sign-in page
    assert signed_in_client(app, staff[0]).get(url(app, "disbursements.letter", letter_id=999_999)).status_code == 404
    assert signed_in_client(app, staff[0]).get(f"/disbursements/letters/{2**40}.pdf").status_code == 404


def test_a_void_letter_is_for_staff_only_and_says_void_in_its_name(app, staff, issued):
    old = issued["letter"]
    new = reissue(app, staff, old)
    grantee = signed_in_client(app, account(app, issued["grantee"]))
    assert grantee.get(url(app, "disbursements.letter", letter_id=old)).status_code == 404
    assert grantee.get(url(app, "disbursements.letter", letter_id=new)).status_code == 200
    response = signed_in_client(app, staff[0]).get(url(app, "disbursements.letter", letter_id=old))
    assert response.status_code == 200
    assert f"filename={letter_row(app, old).number}-void.pdf" in response.headers["Content-Disposition"]


def test_a_missing_file_is_a_404_not_a_500(app, staff, issued):
    with app.app_context():
        storage().delete(db.session.get(Letter, issued["letter"]).storage_key)
    response = signed_in_client(app, staff[0]).get(url(app, "disbursements.letter", letter_id=issued["letter"]))
    assert response.status_code == 404


# --- the verification page -------------------------------------------------------------------------------------

def verify_path(app, letter_id) -> str:
    with app.app_context():
        token = services.letter_token(db.session.get(Letter, letter_id))
    return url(app, "disbursements.verify_letter", token=token)


def test_verification_shows_valid_number_name_amount_and_date_and_nothing_more(app, issued):
    letter = letter_row(app, issued["letter"])
    path = verify_path(app, letter.id)
    assert path.startswith("/verify/letter/")
    response = app.test_client().get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-status="valid"' in page and says(response, app, "This letter is valid: the program issued it.")
    assert '<meta name="robots" content="noindex">' in page and response.headers["X-Robots-Tag"] == "noindex"
    assert letter.number in page and NAME_AR in page and NAME_LATIN in page
    assert "500,000" in page  # tranche 1 of a 1,000,000 award
    with app.app_context():
        grantee = db.session.get(User, issued["grantee"])
        application = db.session.get(Grant, issued["grant"]).application
        hidden = [NATIONAL_ID, NATIONAL_ID[-4:], grantee.email, grantee.phone, application.phone,
                  application.reference, application.business_name]
    for secret in hidden:
        assert secret and secret not in page, secret


def test_verification_in_english(app, issued):
    response = app.test_client().get(verify_path(app, issued["letter"]), headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert "This letter is valid: the program issued it." in page and "Letter number" in page


def test_a_reissued_letter_verifies_as_void(app, staff, issued):
    old = issued["letter"]
    new = reissue(app, staff, old)
    response = app.test_client().get(verify_path(app, old))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-status="void"' in page and letter_row(app, old).number in page
    assert says(response, app, "This letter is void: it is not valid, and nothing may be paid against it.")
    assert 'data-status="valid"' in app.test_client().get(verify_path(app, new)).get_data(as_text=True)


@pytest.mark.parametrize("token", ["forged", "IkRMLTIwMjYtMDAwMDAxIg.forgedsignature000000000", "x" * 3000,
                                   "%00", "..", "IkRMLTIwMjYtOTk5OTk5Ig"])
def test_a_forged_token_cannot_be_verified(app, issued, token):
    response = app.test_client().get(f"/verify/letter/{token}")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert 'data-status="unknown"' in page
    assert says(response, app, "This letter could not be verified: the address is not one the program gave out.")
    assert NAME_AR not in page


def test_a_token_for_a_number_that_does_not_exist(app, issued):
    from itsdangerous import URLSafeSerializer

    token = URLSafeSerializer(app.config["SECRET_KEY"], salt="minha.letter-verify").dumps("DL-2000-000001")
    assert app.test_client().get(f"/verify/letter/{token}").status_code == 404


# --- the ZIP ---------------------------------------------------------------------------------------------------

def test_the_zip_holds_every_valid_letter_of_the_call(app, make_user, call, staff):
    _, first = make_grant(app, make_user, call)
    _, second = make_grant(app, make_user, call, amount=600_000)
    a = letter_for(app, staff, first)
    b = letter_for(app, staff, second)
    replaced = reissue(app, staff, b)  # b becomes void, replaced by a new number
    other_call = decided_call(app, code="ZZ24C")
    _, elsewhere = make_grant(app, make_user, other_call)
    letter_for(app, staff, elsewhere)

    response = signed_in_client(app, staff[0]).get(url(app, "disbursements.letters_zip", call_id=call))
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "letters-DZ24C.zip" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    expected = {letter_row(app, i).number + ".pdf": stored_pdf(app, i) for i in (a, replaced)}
    assert sorted(archive.namelist()) == sorted(expected)
    for name, data in expected.items():
        assert archive.read(name) == data
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "disbursements.letters_zip"))
        assert entry.actor_id == staff[0].id and entry.details["count"] == 2
    # The same letters give the same archive.
    again = signed_in_client(app, staff[1]).get(url(app, "disbursements.letters_zip", call_id=call))
    assert again.data == response.data


def test_a_call_without_letters_gives_a_message_not_an_empty_zip(app, staff, call):
    client = signed_in_client(app, staff[0])
    response = client.get(url(app, "disbursements.letters_zip", call_id=call))
    assert response.status_code == 302 and response.location.endswith(url(app, "disbursements.call_grants",
                                                                           call_id=call))
    assert flashes(client) == [("info", "No letters have been issued for this call yet.")]
    assert client.get(url(app, "disbursements.letters_zip", call_id=999_999)).status_code == 404


# --- emailing letters ------------------------------------------------------------------------------------------

def outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "letter_issued")
                                  .order_by(OutboxMessage.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_email_letters_queues_one_message_per_valid_letter_once(app, make_user, call, staff):
    _, first = make_grant(app, make_user, call)
    _, second = make_grant(app, make_user, call, amount=600_000)
    a, b = letter_for(app, staff, first), letter_for(app, staff, second)
    client = signed_in_client(app, staff[0])
    path = url(app, "disbursements.email_letters", call_id=call)
    response = post(client, path)
    assert response.status_code == 302 and response.location.endswith(url(app, "disbursements.call_grants",
                                                                           call_id=call))
    assert flashes(client) == [("success", "2 letters are on their way to their grantees.")]
    messages = outbox(app)
    assert sorted(m.dedupe_key for m in messages) == sorted([f"letter:{a}", f"letter:{b}"])
    for message in messages:
        letter = letter_row(app, int(message.dedupe_key.split(":")[1]))
        assert message.attachments == [{"filename": f"{letter.number}.pdf", "content_type": "application/pdf",
                                        "storage_key": letter.storage_key}]
        assert message.locale == "ar" and letter.number in message.body_text
    # Again: nothing new is queued, and staff are told so.
    post(client, path)
    assert flashes(client) == [("error", "Every letter of this call has already been emailed.")]
    assert len(outbox(app)) == 2
    # A re-issued letter is a new letter: it goes out; the void one is not sent again.
    c = reissue(app, staff, a)
    post(client, path)
    assert flashes(client) == [("success", "1 letter is on its way to its grantee.")]
    assert [m.dedupe_key for m in outbox(app)][-1] == f"letter:{c}"
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.details).where(
            AuditEntry.action == "disbursements.email_letters").order_by(AuditEntry.id)).all()
    assert [d["count"] for d in actions] == [2, 1]


def test_email_letters_of_a_call_without_letters_is_refused(app, staff, call):
    client = signed_in_client(app, staff[0])
    response = post(client, url(app, "disbursements.email_letters", call_id=call))
    assert response.status_code == 302
    assert flashes(client) == [("error", "No letters have been issued for this call yet.")]
    assert post(client, url(app, "disbursements.email_letters", call_id=999_999)).status_code == 404


def test_email_one_letter_with_the_pdf_attached_through_smtp(app, make_user, staff, issued, smtp_server):
    letter = letter_row(app, issued["letter"])
    client = signed_in_client(app, staff[0])
    response = post(client, url(app, "disbursements.email_letter", letter_id=letter.id))
    assert response.status_code == 302 and response.location.endswith(url(app, "disbursements.grant",
                                                                           grant_id=issued["grant"]))
    assert flashes(client) == [("success", f"Letter {letter.number} is on its way to the grantee.")]
    with app.app_context():
        email = db.session.get(User, issued["grantee"]).email
    sent = smtp_server.to(email)
    assert len(sent) == 1
    attachments = [part for part in sent[0].iter_attachments()]
    assert [(part.get_filename(), part.get_content_type()) for part in attachments] == [
        (f"{letter.number}.pdf", "application/pdf")]
    assert attachments[0].get_content() == stored_pdf(app, letter.id)
    body = smtp_server.text_of(sent[0])
    assert letter.number in body and verify_path(app, letter.id) in body
    # Once only: a second press is refused and sends nothing.
    post(client, url(app, "disbursements.email_letter", letter_id=letter.id))
    assert flashes(client) == [("error", f"Letter {letter.number} has already been emailed to the grantee.")]
    assert len(smtp_server.to(email)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "disbursements.email_letter")) == 1


def test_a_void_letter_is_not_emailed(app, staff, issued):
    reissue(app, staff, issued["letter"])
    client = signed_in_client(app, staff[0])
    post(client, url(app, "disbursements.email_letter", letter_id=issued["letter"]),
         data={"next": "https://evil.example.org/"})
    assert flashes(client) == [("error", "A void letter is not sent. Send the letter that replaced it.")]
    assert outbox(app) == []


def test_email_letter_goes_back_to_a_safe_next_page(app, staff, issued, call):
    client = signed_in_client(app, staff[0])
    back = url(app, "disbursements.call_grants", call_id=call)
    response = post(client, url(app, "disbursements.email_letter", letter_id=issued["letter"]), data={"next": back})
    assert response.location.endswith(back)
    response = post(client, url(app, "disbursements.email_letter", letter_id=issued["letter"]),
                    data={"next": "//evil.example.org/"})
    assert "evil" not in response.location


def test_only_staff_email_and_download_zips(app, make_user, issued, call):
    grantee = signed_in_client(app, account(app, issued["grantee"]))
    assert post(grantee, url(app, "disbursements.email_letter", letter_id=issued["letter"])).status_code == 403
    assert post(grantee, url(app, "disbursements.email_letters", call_id=call)).status_code == 403
    assert grantee.get(url(app, "disbursements.letters_zip", call_id=call)).status_code == 403
    assert outbox(app) == []
