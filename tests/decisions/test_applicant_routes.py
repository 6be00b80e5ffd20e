"""The applicant's side of decisions through the test client: seeing the released decision in their language,
accepting with the conditions ticked (once, before the deadline, with one confirmation email), declining, and the
promotion from the waiting list that a decline makes possible."""
import html
import re
import threading
from datetime import timedelta
from functools import partial

import pytest
from flask import render_template
from flask_babel import force_locale
from sqlalchemy import func, select

from grants.decisions import services
from grants.decisions.queries_applicant import released_decisions
from grants.errors import ActionRefused
from grants.extensions import db
from grants.formatting import money
from grants.models import AuditEntry, Call, Decision, OutboxMessage, Outcome, Response, User, utcnow

from ..fixtures.accounts import PASSWORD
from ..fixtures.decisions import make_reviewed_call
from ..fixtures.i18n import says, translated
from ..fixtures.races import at_once_when_ready
from ..fixtures.routes import text

# Five applications, best first, each asking 2,000,000 of a 5,000,000 budget (as in test_services.py): the first
# two approved, the next two on the waiting list, the last not selected. Applicants alternate Arabic / English.
SCORES = [[5, 5, 5], [5, 4, 4], [4, 4, 4], [3, 3, 3], [1, 3, 3]]
AR_APPROVED, EN_APPROVED, AR_WAITLISTED, EN_WAITLISTED, AR_NOT_SELECTED = range(5)
AMOUNT = 2_000_000


# --- helpers -----------------------------------------------------------------------------------------

def decided_call(app, make_user, *, release=True):
    """The five-application call with its proposal, feedback in both languages, released unless told not to.

    Returns (call id, application ids, {application id: applicant email})."""
    call_id, apps = make_reviewed_call(app, make_user, SCORES, budget=5_000_000, locales=["ar", "en"])
    staff_id = make_user("staff").id
    with app.app_context():
        staff = db.session.get(User, staff_id)
        call = db.session.get(Call, call_id)
        services.generate_proposal(staff, call)
        for decision in db.session.scalars(select(Decision).where(Decision.call_id == call_id)):
            decision.feedback_ar = f"ملاحظات اللجنة رقم {decision.rank}"
            decision.feedback_en = f"Committee feedback number {decision.rank}"
        if release:
            services.release_decisions(staff, call)
        db.session.commit()
        emails = {a: db.session.get(Decision, _decision_id(a)).application.applicant.email for a in apps}
    return call_id, apps, emails


def _decision_id(application_id):
    return db.session.scalar(select(Decision.id).where(Decision.application_id == application_id))


def decision_of(app, application_id) -> Decision:
    with app.app_context():
        decision = db.session.scalar(select(Decision).where(Decision.application_id == application_id))
        db.session.expunge(decision)
        return decision


def login(client, email):
    client.post("/logout")
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, "sign-in failed"


def page(application_id):
    return f"/my/applications/{application_id}/decision"


def error_beside(response, field_id) -> str | None:
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>',
                      response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)).strip() if match else None


def money_in(app, amount, locale) -> str:
    with app.test_request_context(), force_locale(locale):
        return money(amount, "SYP")


def confirmations(app) -> list[OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "award_accepted")
                                  .order_by(OutboxMessage.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.in_(
            ["decisions.accept", "decisions.decline"])).order_by(AuditEntry.id)))


def set_deadline(app, application_id, moment):
    with app.app_context():
        decision = db.session.scalar(select(Decision).where(Decision.application_id == application_id))
        decision.response_deadline = moment
        db.session.commit()


@pytest.fixture
def released(app, make_user):
    return decided_call(app, make_user)


# --- seeing the decision -----------------------------------------------------------------------------

def test_the_decision_is_hidden_until_it_is_released(app, client, make_user):
    call_id, apps, emails = decided_call(app, make_user, release=False)
    login(client, emails[apps[AR_APPROVED]])
    assert client.get(page(apps[AR_APPROVED])).status_code == 404
    assert client.post(page(apps[AR_APPROVED]) + "/accept", data={"conditions": "y"}).status_code == 404
    assert client.get(page(apps[AR_APPROVED]) + "/decline").status_code == 404
    with app.app_context():
        assert released_decisions(db.session.get(User, _user_id(emails[apps[AR_APPROVED]]))) == {}
        staff = db.session.get(User, make_user("staff").id)
        services.release_decisions(staff, db.session.get(Call, call_id))
        db.session.commit()
    assert client.get(page(apps[AR_APPROVED])).status_code == 200


def _user_id(email):
    return db.session.scalar(select(User.id).where(User.email == email))


def test_the_approved_applicant_sees_amount_feedback_and_deadline_in_their_language(app, client, released):
    _, apps, emails = released
    login(client, emails[apps[AR_APPROVED]])
    arabic = client.get(page(apps[AR_APPROVED]))
    assert arabic.status_code == 200
    body = text(arabic)
    assert money_in(app, AMOUNT, "ar") in body
    assert "ملاحظات اللجنة رقم 1" in body and "Committee feedback" not in body
    assert says(arabic, app, "I accept these conditions") and says(arabic, app, "Accept the award")
    assert says(arabic, app, "I will accept monitoring visits from the program team to my business.")
    assert 'id="deadline"' in body and "/decision/decline" in body and "/decision/accept" in body

    login(client, emails[apps[EN_APPROVED]])
    english = client.get(page(apps[EN_APPROVED]))
    body = text(english)
    assert money_in(app, AMOUNT, "en") in body and "2,000,000 SYP" in body
    assert "Committee feedback number 2" in body and "ملاحظات اللجنة" not in body
    assert "I accept these conditions" in body and "Decline the award" in body
    assert "Please accept or decline the award by" in body


@pytest.mark.parametrize("which, locale, outcome, message", [
    (EN_WAITLISTED, "en", "Waiting list", "is on the waiting list"),
    (AR_NOT_SELECTED, "ar", "Not selected", "was not selected this time")])
def test_waitlisted_and_not_selected_applicants_see_their_decision_without_buttons(app, client, released, which,
                                                                                   locale, outcome, message):
    _, apps, emails = released
    login(client, emails[apps[which]])
    response = client.get(page(apps[which]))
    assert response.status_code == 200
    body = text(response)
    assert "/decision/accept" not in body and 'name="conditions"' not in body
    assert (f"Committee feedback number {which + 1}" if locale == "en" else f"ملاحظات اللجنة رقم {which + 1}") in body
    assert says(response, app, outcome, locale)
    assert message in translated(app, "The application passed the review and is on the waiting list. If budget "
                                      "becomes available, for example when an approved applicant declines, we will "
                                      "contact you." if which == EN_WAITLISTED else
                                 "We are sorry: the application was not selected this time. Thank you for applying; "
                                 "you are welcome to apply to future calls.", "en")
    # Nothing to answer: accepting is refused with a message, and the decline page sends them back.
    refused = client.post(page(apps[which]) + "/accept", data={"conditions": "y"}, follow_redirects=True)
    assert says(refused, app, "There is no award to answer.", locale)
    assert client.get(page(apps[which]) + "/decline").status_code == 302
    assert decision_of(app, apps[which]).response == Response.PENDING


def test_other_applicants_get_404_and_staff_see_the_page_without_buttons(app, client, released, make_user):
    _, apps, emails = released
    login(client, emails[apps[EN_APPROVED]])  # an applicant, but not this application's
    target = page(apps[AR_APPROVED])
    assert client.get(target).status_code == 404
    assert client.post(target + "/accept", data={"conditions": "y"}).status_code == 404
    assert client.get(target + "/decline").status_code == 404
    assert client.post(target + "/decline", data={"reason": "x"}).status_code == 404
    assert decision_of(app, apps[AR_APPROVED]).response == Response.PENDING

    staff = make_user("staff", locale="en")
    login(client, staff.email)
    response = client.get(target)
    assert response.status_code == 200
    body = text(response)
    assert "2,000,000 SYP" in body and "Only the applicant can accept or decline the award." in body
    assert 'name="conditions"' not in body
    assert client.post(target + "/accept", data={"conditions": "y"}).status_code == 403

    reviewer = make_user("reviewer")
    login(client, reviewer.email)
    assert client.get(target).status_code == 404


def test_staff_see_an_unreleased_decision_marked_as_such(app, client, make_user):
    _, apps, _ = decided_call(app, make_user, release=False)
    login(client, make_user("staff", locale="en").email)
    response = client.get(page(apps[AR_APPROVED]))
    assert response.status_code == 200 and 'id="not-released"' in text(response)


@pytest.mark.parametrize("url", ["/my/applications/99999999999/decision", "/my/applications/0/decision",
                                 "/my/applications/99999999999/decision/accept"])
def test_impossible_ids_are_404(app, client, make_user, url):
    login(client, make_user("applicant").email)
    response = client.post(url) if url.endswith("accept") else client.get(url)
    assert response.status_code == 404


def test_an_application_without_a_decision_is_404_even_for_its_owner_and_staff(app, client, make_user):
    from ..fixtures.program import make_application, make_call

    owner = make_user("applicant")
    application = make_application(app, owner.id, make_call(app), submit=True)
    login(client, owner.email)
    assert client.get(page(application)).status_code == 404
    login(client, make_user("staff").email)
    assert client.get(page(application)).status_code == 404


# --- accepting ---------------------------------------------------------------------------------------

def test_accepting_needs_the_conditions_ticked(app, client, released):
    _, apps, emails = released
    login(client, emails[apps[EN_APPROVED]])
    response = client.post(page(apps[EN_APPROVED]) + "/accept", data={})
    assert response.status_code == 200
    assert error_beside(response, "conditions") == "Please tick the conditions to accept the award."
    assert decision_of(app, apps[EN_APPROVED]).response == Response.PENDING
    assert confirmations(app) == [] and audit_actions(app) == []


def test_accepting_makes_a_grantee_and_queues_one_confirmation_in_their_language(app, client, released):
    _, apps, emails = released
    for which, locale in [(EN_APPROVED, "en"), (AR_APPROVED, "ar")]:
        login(client, emails[apps[which]])
        response = client.post(page(apps[which]) + "/accept", data={"conditions": "y"})
        assert response.status_code == 302 and response.location.endswith(page(apps[which]))
        shown = client.get(response.location)
        assert says(shown, app, "You are a grantee", locale)
        assert says(shown, app, "You have accepted the award. Welcome: you are now a grantee of the program.", locale)
        assert 'name="conditions"' not in text(shown)
        decision = decision_of(app, apps[which])
        assert decision.response == Response.ACCEPTED and decision.responded_at is not None

    [english, arabic] = confirmations(app)
    assert english.recipient_email == emails[apps[EN_APPROVED]] and english.locale == "en"
    assert english.subject.startswith("You accepted the award for application ")
    assert "2,000,000 SYP" in english.body_text and "Small business grants for youth" in english.body_text
    assert "monitoring visits" in english.body_text and f"/my/applications/{apps[EN_APPROVED]}/decision" in \
        english.body_text
    assert english.dedupe_key == f"award-accepted:{decision_of(app, apps[EN_APPROVED]).id}"
    assert arabic.recipient_email == emails[apps[AR_APPROVED]] and arabic.locale == "ar"
    assert arabic.subject == translated(app, "You accepted the award for application %(reference)s", "ar",
                                        reference=decision_of(app, apps[AR_APPROVED]).application.reference)
    assert "منح المشاريع الصغيرة للشباب" in arabic.body_text and money_in(app, AMOUNT, "ar") in arabic.body_text
    # The release's progress page counts decision emails only: the confirmation is about the application.
    assert english.subject_type == "applications"


def test_accepting_twice_changes_nothing_the_second_time(app, client, released):
    _, apps, emails = released
    login(client, emails[apps[EN_APPROVED]])
    client.post(page(apps[EN_APPROVED]) + "/accept", data={"conditions": "y"})
    first = decision_of(app, apps[EN_APPROVED])
    again = client.post(page(apps[EN_APPROVED]) + "/accept", data={"conditions": "y"}, follow_redirects=True)
    assert again.status_code == 200 and "You have already accepted this award." in text(again)
    assert "You are a grantee" in text(again)
    second = decision_of(app, apps[EN_APPROVED])
    assert (second.response, second.responded_at) == (Response.ACCEPTED, first.responded_at)
    assert len(confirmations(app)) == 1 and audit_actions(app) == ["decisions.accept"]
    # ... and a decline after the acceptance is refused too.
    declined = client.post(page(apps[EN_APPROVED]) + "/decline", data={"reason": "changed my mind"},
                           follow_redirects=True)
    assert "You have already accepted this award." in text(declined)
    assert decision_of(app, apps[EN_APPROVED]).response == Response.ACCEPTED
    assert client.get(page(apps[EN_APPROVED]) + "/decline").status_code == 302


def test_the_confirmation_is_queued_once_even_if_the_service_runs_again(app, released):
    _, apps, _ = released
    with app.app_context():
        decision = db.session.scalar(select(Decision).where(Decision.application_id == apps[AR_APPROVED]))
        applicant = decision.application.applicant
        services.accept_award(applicant, decision, conditions_accepted=True)
        db.session.commit()
        # Even if the answer were somehow reset, the outbox key keeps the confirmation single.
        decision.response, decision.responded_at = Response.PENDING, None
        db.session.commit()
        services.accept_award(applicant, decision, conditions_accepted=True)
        db.session.commit()
    assert len(confirmations(app)) == 1


# --- declining ---------------------------------------------------------------------------------------

def test_declining_asks_for_confirmation_then_records_the_reason_once(app, client, released):
    _, apps, emails = released
    login(client, emails[apps[EN_APPROVED]])
    confirm = client.get(page(apps[EN_APPROVED]) + "/decline")
    assert confirm.status_code == 200
    body = text(confirm)
    assert "Yes, decline the award" in body and "2,000,000 SYP" in body and 'name="reason"' in body
    assert decision_of(app, apps[EN_APPROVED]).response == Response.PENDING  # looking changes nothing

    too_long = client.post(page(apps[EN_APPROVED]) + "/decline", data={"reason": "x" * 2001})
    assert too_long.status_code == 200 and error_beside(too_long, "reason")
    assert decision_of(app, apps[EN_APPROVED]).response == Response.PENDING

    done = client.post(page(apps[EN_APPROVED]) + "/decline", data={"reason": "  I found a job abroad. "})
    assert done.status_code == 302
    shown = client.get(done.location)
    assert "You have declined the award. Thank you for telling us." in text(shown)
    assert 'id="declined"' in text(shown) and "/decision/accept" not in text(shown)
    assert decision_of(app, apps[EN_APPROVED]).response == Response.DECLINED

    again = client.post(page(apps[EN_APPROVED]) + "/decline", data={}, follow_redirects=True)
    assert "You have already declined this award." in text(again)
    accepted = client.post(page(apps[EN_APPROVED]) + "/accept", data={"conditions": "y"}, follow_redirects=True)
    assert "You have already declined this award." in text(accepted)
    assert decision_of(app, apps[EN_APPROVED]).response == Response.DECLINED
    assert confirmations(app) == []
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "decisions.decline")).all()
        assert [e.details.get("reason") for e in entries] == ["I found a job abroad."]


def test_declining_without_a_reason(app, client, released):
    _, apps, emails = released
    login(client, emails[apps[AR_APPROVED]])
    assert client.post(page(apps[AR_APPROVED]) + "/decline", data={}).status_code == 302
    assert decision_of(app, apps[AR_APPROVED]).response == Response.DECLINED


# --- the deadline ------------------------------------------------------------------------------------

def test_after_the_deadline_nothing_can_be_answered(app, client, released):
    _, apps, emails = released
    set_deadline(app, apps[EN_APPROVED], utcnow() - timedelta(minutes=1))
    login(client, emails[apps[EN_APPROVED]])
    shown = client.get(page(apps[EN_APPROVED]))
    assert 'id="expired"' in text(shown) and 'name="conditions"' not in text(shown)
    refused = client.post(page(apps[EN_APPROVED]) + "/accept", data={"conditions": "y"}, follow_redirects=True)
    assert "The deadline to answer has passed. Please contact the program team." in text(refused)
    refused = client.post(page(apps[EN_APPROVED]) + "/decline", data={"reason": "late"}, follow_redirects=True)
    assert "The deadline to answer has passed. Please contact the program team." in text(refused)
    assert client.get(page(apps[EN_APPROVED]) + "/decline").status_code == 302
    decision = decision_of(app, apps[EN_APPROVED])
    assert (decision.response, decision.responded_at) == (Response.PENDING, None)
    assert confirmations(app) == [] and audit_actions(app) == []


def test_just_before_the_deadline_the_answer_is_taken(app, client, released):
    _, apps, emails = released
    set_deadline(app, apps[AR_APPROVED], utcnow() + timedelta(minutes=5))
    login(client, emails[apps[AR_APPROVED]])
    client.post(page(apps[AR_APPROVED]) + "/accept", data={"conditions": "y"})
    assert decision_of(app, apps[AR_APPROVED]).response == Response.ACCEPTED


# --- a decline frees budget: promotion from the waiting list ------------------------------------------

def test_a_decline_lets_staff_promote_the_next_applicant_who_is_emailed_and_sees_the_award(app, client, released,
                                                                                            make_user):
    call_id, apps, emails = released
    login(client, emails[apps[EN_APPROVED]])
    client.post(page(apps[EN_APPROVED]) + "/decline", data={"reason": "moving away"})

    staff_id = make_user("staff").id
    with app.app_context():
        call = db.session.get(Call, call_id)
        candidate = services.promotion_candidate(call)
        assert candidate is not None and candidate.application_id == apps[AR_WAITLISTED]
        services.promote(db.session.get(User, staff_id), candidate)
        db.session.commit()
        promoted = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient_email == emails[apps[AR_WAITLISTED]],
            OutboxMessage.template == "decision").order_by(OutboxMessage.id)).all()
        # the waiting-list email from the release, then the award
        assert len(promoted) == 2 and promoted[-1].locale == "ar"
        assert money_in(app, AMOUNT, "ar") in promoted[-1].body_text
        assert promoted[-1].subject == translated(
            app, "Your application {reference} is approved", "ar").format(reference=candidate.application.reference)

    login(client, emails[apps[AR_WAITLISTED]])
    shown = client.get(page(apps[AR_WAITLISTED]))
    assert shown.status_code == 200
    assert money_in(app, AMOUNT, "ar") in text(shown) and 'name="conditions"' in text(shown)
    assert says(shown, app, "Approved")
    client.post(page(apps[AR_WAITLISTED]) + "/accept", data={"conditions": "y"})
    assert decision_of(app, apps[AR_WAITLISTED]).response == Response.ACCEPTED
    assert [m.recipient_email for m in confirmations(app)] == [emails[apps[AR_WAITLISTED]]]


# --- the dashboard link ------------------------------------------------------------------------------

def test_the_dashboard_include_links_released_decisions_only(app, make_user):
    call_id, apps, emails = decided_call(app, make_user, release=False)
    staff_id = make_user("staff").id
    include = "decisions/applicant/_dashboard_decision.html"
    with app.test_request_context(), force_locale("en"):
        user = db.session.get(User, _user_id(emails[apps[EN_APPROVED]]))
        assert released_decisions(user) == {}
        services.release_decisions(db.session.get(User, staff_id), db.session.get(Call, call_id))
        db.session.commit()
        decisions = released_decisions(user)
        assert list(decisions) == [apps[EN_APPROVED]]
        application = decisions[apps[EN_APPROVED]].application
        shown = render_template(include, application=application, decisions=decisions)
        assert f'href="/my/applications/{apps[EN_APPROVED]}/decision"' in shown
        assert "Approved" in shown and "2,000,000 SYP" in shown
        assert render_template(include, application=application, decisions={}).strip() == ""
        assert render_template(include, application=application).strip() == ""  # the route passed no decisions


# --- two answers at once ------------------------------------------------------------------------------

@pytest.mark.postgres_only
def test_accept_and_decline_at_the_same_moment_take_one_answer(app, released):
    _, apps, _ = released

    def answer(verb, go):
        with app.app_context():
            decision = db.session.scalar(select(Decision).where(Decision.application_id == apps[EN_APPROVED]))
            applicant = decision.application.applicant
            go()
            try:
                if verb == "accept":
                    services.accept_award(applicant, decision, conditions_accepted=True)
                else:
                    services.decline_award(applicant, decision, reason="")
                # Hold the answer a moment before committing, so the other verb surely runs meanwhile.
                threading.Event().wait(0.3)
                db.session.commit()
                return verb
            except ActionRefused:
                db.session.rollback()
                return "refused"

    outcomes = at_once_when_ready(partial(answer, "accept"), partial(answer, "decline"), timeout=30)
    assert len(outcomes) == 2 and outcomes.count("refused") == 1
    winner = next(o for o in outcomes if o != "refused")
    decision = decision_of(app, apps[EN_APPROVED])
    assert decision.response == (Response.ACCEPTED if winner == "accept" else Response.DECLINED)
    assert audit_actions(app) == [f"decisions.{winner}"]
    assert len(confirmations(app)) == (1 if winner == "accept" else 0)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Decision).where(
            Decision.outcome == Outcome.APPROVED, Decision.response != Response.PENDING)) == 1
