"""Staff decision pages through the test client: settings, proposal and totals, changes, decision emails,
release exactly once (also under two staff at once and a crashing sender), sending progress, group messages."""
import html
import re
from datetime import date, timedelta
from functools import partial

import pytest
from flask_babel import force_locale
from sqlalchemy import func, insert, select, update

from grants.extensions import db
from grants.formatting import money
from grants.mail.sender import claim_batch, send_all, send_batch
from grants.models import (
    Application, ApplicationStatus, AuditEntry, Call, CallStatus, Decision, DecisionTemplate, Gender, GroupMessage,
    MessageStatus, Outcome, OutboxMessage, Response, Role, SetAside, User, UserRole, utcnow,
)

from ..fixtures.decisions import make_reviewed_call
from ..fixtures.i18n import translated
from ..fixtures.program import make_call
from ..fixtures.races import at_once
from ..fixtures.routes import counting_statements, text

# Five applications, best first; each asks 2,000,000 of a 5,000,000 budget (see tests/decisions/test_services.py):
# two approved, two on the waiting list, the last fails a criterion threshold (not selected).
SCORES = [[5, 5, 5], [5, 4, 4], [4, 4, 4], [3, 3, 3], [1, 3, 3]]
TITLE_AR, TITLE_EN = "منح المشاريع الصغيرة للشباب", "Small business grants for youth"


# --- helpers -----------------------------------------------------------------------------------------

def error_beside(response, field_id) -> str | None:
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>',
                      response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)).strip() if match else None


def element(response, element_id) -> str:
    """The text inside the element with this id (no nested tags of the same name expected)."""
    match = re.search(rf'id="{re.escape(element_id)}"[^>]*>(.*?)</', response.get_data(as_text=True), re.S)
    assert match, f"no element #{element_id}"
    return html.unescape(match.group(1)).strip()


def actions(app, prefix="decisions.") -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.startswith(prefix))
                                       .order_by(AuditEntry.id)))


def outbox_count(app, subject_type="decisions") -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.subject_type == subject_type))


def outbox_statuses(app) -> list[MessageStatus]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def decisions_of(app, call_id) -> dict[int, Decision]:
    with app.app_context():
        rows = db.session.scalars(select(Decision).where(Decision.call_id == call_id)).all()
        for row in rows:
            db.session.expunge(row)
        return {d.application_id: d for d in rows}


def money_in(app, amount, locale, currency="SYP") -> str:
    with app.test_request_context(), force_locale(locale):
        return money(amount, currency)


def bulk_decided_call(app, count, *, locales=("ar", "en"), code="BULK1", outcomes=None, released=False):
    """A call under review with `count` submitted applications and their decisions, inserted in bulk.

    Application i asks 1,000,000 + 1,000·i and belongs to an applicant whose language cycles through
    `locales`; its outcome cycles through `outcomes` (approved awards the full request).
    Returns (call id, [{"email", "locale", "reference", "outcome", "amount", "decision_id"}] in order).
    """
    outcomes = outcomes or [Outcome.APPROVED, Outcome.WAITLISTED, Outcome.NOT_SELECTED]
    call_id = make_call(app, code=code, status=CallStatus.REVIEWING, opens_in=timedelta(days=-30),
                        closes_in=timedelta(days=-1))
    with app.app_context():
        call = db.session.get(Call, call_id)
        call.budget = 10**12
        now = utcnow()
        db.session.execute(insert(User), [
            {"email": f"{code.lower()}-{i}@example.org", "full_name": f"Applicant {i}",
             "locale": locales[i % len(locales)], "email_verified_at": now} for i in range(count)])
        users = dict(db.session.execute(select(User.email, User.id).where(User.email.like(f"{code.lower()}-%"))).all())
        user_ids = [users[f"{code.lower()}-{i}@example.org"] for i in range(count)]
        db.session.execute(insert(UserRole), [{"user_id": uid, "role": Role.APPLICANT} for uid in user_ids])
        db.session.execute(insert(Application), [
            {"call_id": call_id, "applicant_id": uid, "status": ApplicationStatus.SUBMITTED,
             "reference": f"{code}-{i + 1:05d}", "submitted_at": now, "full_name_ar": f"مقدم الطلب {i}",
             "full_name_latin": f"Applicant {i}", "business_name": f"Business {i}", "gender": Gender.MALE,
             "date_of_birth": date(1998, 1, 1), "women_led": False, "eligible": True, "eligibility_reasons": [],
             "budget_total": 1_200_000 + 1_000 * i, "own_contribution": 200_000,
             "requested_amount": 1_000_000 + 1_000 * i} for i, uid in enumerate(user_ids)])
        applications = dict(db.session.execute(
            select(Application.applicant_id, Application.id).where(Application.call_id == call_id)).all())
        rows, waitlist = [], 0
        for i, uid in enumerate(user_ids):
            outcome = outcomes[i % len(outcomes)]
            amount = 1_000_000 + 1_000 * i if outcome == Outcome.APPROVED else 0
            waitlist += outcome == Outcome.WAITLISTED
            rows.append({"call_id": call_id, "application_id": applications[uid], "outcome": outcome,
                         "awarded_amount": amount, "proposed_outcome": outcome, "proposed_amount": amount,
                         "rank": i + 1, "funded_from": "general" if amount else None,
                         "waitlist_position": waitlist if outcome == Outcome.WAITLISTED else None,
                         "released_at": now if released else None,
                         "feedback_ar": f"ملاحظات {i}", "feedback_en": f"Feedback {i}"})
        db.session.execute(insert(Decision), rows)
        decision_ids = dict(db.session.execute(
            select(Decision.application_id, Decision.id).where(Decision.call_id == call_id)).all())
        db.session.commit()
    return call_id, [
        {"email": f"{code.lower()}-{i}@example.org", "locale": locales[i % len(locales)],
         "reference": f"{code}-{i + 1:05d}", "outcome": rows[i]["outcome"], "amount": rows[i]["awarded_amount"],
         "decision_id": decision_ids[applications[uid]]}
        for i, uid in enumerate(user_ids)]


def login_staff(make_user, auth, **fields):
    account = make_user("staff", locale="en", **fields)
    auth.login(account)
    return account


@pytest.fixture
def staff(client, auth, make_user):
    return login_staff(make_user, auth)


@pytest.fixture
def proposed(app, make_user, client, staff):
    """The five-application call with its proposal generated through the page; applicants alternate ar/en."""
    call_id, apps = make_reviewed_call(app, make_user, SCORES, budget=5_000_000, locales=["ar", "en"])
    response = client.post(f"/staff/calls/{call_id}/decisions/generate")
    assert response.status_code == 302
    return call_id, apps


# --- settings --------------------------------------------------------------------------------------

def test_settings_show_errors_beside_the_fields_and_keep_what_was_typed(app, client, staff, make_user):
    call_id, _ = make_reviewed_call(app, make_user, SCORES[:2])
    page = client.get(f"/staff/calls/{call_id}/decision-settings")
    assert page.status_code == 200 and 'name="set_asides-3-group"' in page.get_data(as_text=True)
    response = client.post(f"/staff/calls/{call_id}/decision-settings", data={
        "set_asides-0-group": "women_led", "set_asides-0-percentage": "60",
        "set_asides-1-group": "women_led", "set_asides-1-percentage": "10",
        "set_asides-2-group": "under_25", "set_asides-2-percentage": "50",
        "set_asides-3-group": "", "set_asides-3-percentage": "5",
        "fit_policy": "skip", "min_overall_score": "150", "response_days": "0"})
    assert response.status_code == 200
    assert error_beside(response, "set_asides-1-group") == "This group already has a set-aside above."
    assert "at most 100% of the budget" in error_beside(response, "set_asides-2-percentage")
    assert error_beside(response, "set_asides-3-percentage") == "Choose the group this percentage is for."
    assert error_beside(response, "min_overall_score") == "Enter a score from 0 to 100, or leave it empty."
    assert error_beside(response, "response_days") == "Enter a number of days from 1 to 365."
    assert 'value="150"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SetAside)) == 0

    malformed = client.post(f"/staff/calls/{call_id}/decision-settings", data={
        "set_asides-0-group": "aliens", "set_asides-0-percentage": "ten", "fit_policy": "maybe",
        "min_overall_score": "NaN", "response_days": "99999999999999999999"})
    assert malformed.status_code == 200
    assert error_beside(malformed, "set_asides-0-group") and error_beside(malformed, "fit_policy")
    assert error_beside(malformed, "min_overall_score") and error_beside(malformed, "response_days")


def test_settings_are_saved_audited_and_frozen_once_decisions_are_released(app, client, staff, make_user):
    call_id, _ = make_reviewed_call(app, make_user, SCORES[:2])
    url = f"/staff/calls/{call_id}/decision-settings"
    response = client.post(url, data={
        "set_asides-0-group": "women_led", "set_asides-0-percentage": "40",
        "set_asides-1-group": "under_25", "set_asides-1-percentage": "20",
        "fit_policy": "partial", "min_overall_score": "55.5", "response_days": "10"})
    assert response.status_code == 302 and response.location.endswith(f"/staff/calls/{call_id}/decisions")
    with app.app_context():
        rows = db.session.execute(select(SetAside.group, SetAside.percentage, SetAside.position)
                                  .where(SetAside.call_id == call_id).order_by(SetAside.position)).all()
        assert [(g.value, p, pos) for g, p, pos in rows] == [("women_led", 40, 0), ("under_25", 20, 1)]
        call = db.session.get(Call, call_id)
        assert (call.fit_policy, str(call.min_overall_score), call.response_days) == ("partial", "55.50", 10)
    assert actions(app) == ["decisions.settings"]
    page = text(client.get(url))
    assert 'value="40"' in page and 'value="55.50"' in page

    client.post(f"/staff/calls/{call_id}/decisions/generate")
    client.post(f"/staff/calls/{call_id}/release")
    refused = client.post(url, data={"fit_policy": "stop", "response_days": "5"})
    assert refused.status_code == 200
    assert "its decision settings can no longer change" in text(refused)
    with app.app_context():
        assert db.session.get(Call, call_id).fit_policy == "partial"
        assert db.session.scalar(select(func.count()).select_from(SetAside)) == 2


# --- the proposal ----------------------------------------------------------------------------------

def test_generating_the_proposal_shows_the_ranked_table_and_totals(app, client, proposed):
    call_id, apps = proposed
    response = client.get(f"/staff/calls/{call_id}/decisions")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    with app.app_context():
        refs = [db.session.get(Application, a).reference for a in apps]
    assert re.findall(r'data-reference="([^"]+)"', page) == refs  # rank order
    assert element(response, "total-awarded") == "4,000,000 SYP"
    assert element(response, "total-remaining") == "1,000,000 SYP"
    assert element(response, "count-approved") == "2" and element(response, "count-waitlisted") == "2"
    row = page[page.index(f'data-reference="{refs[2]}"'):]
    row = row[:row.index("</tr>")]
    assert "Waiting list" in row and '<td class="waitlist-position">1</td>' in row
    first = page[page.index(f'data-reference="{refs[0]}"'):]
    assert "General budget" in first[:first.index("</tr>")]
    assert actions(app) == ["decisions.propose"]


def test_set_aside_totals_show_reserve_spend_and_whether_met(app, client, staff, make_user):
    call_id, apps = make_reviewed_call(app, make_user, SCORES, budget=5_000_000)
    with app.app_context():
        db.session.get(Application, apps[3]).gender = Gender.FEMALE  # ranked 4th: merit alone would not fund her
        db.session.add_all([SetAside(call_id=call_id, group="women", percentage=40, position=0),
                            SetAside(call_id=call_id, group="disability", percentage=10, position=1)])
        db.session.commit()
    client.post(f"/staff/calls/{call_id}/decisions/generate")
    response = client.get(f"/staff/calls/{call_id}/decisions")
    page = text(response)
    women = page[page.index('data-group="women"'):]
    women = women[:women.index("</tr>")]
    assert "2,000,000 SYP" in women and "Met" in women and "Unmet" not in women
    disability = page[page.index('data-group="disability"'):]
    disability = disability[:disability.index("</tr>")]
    assert "500,000 SYP" in disability and "Unmet" in disability and "too few candidates" in disability
    decisions = decisions_of(app, call_id)
    assert decisions[apps[3]].outcome == Outcome.APPROVED and decisions[apps[3]].funded_from == "women"
    assert element(response, "total-awarded") == "4,000,000 SYP"


def test_the_proposal_page_query_count_does_not_grow_with_the_rows(app, client, staff):
    def page_queries(count, code):
        call_id, rows = bulk_decided_call(app, count, code=code, released=True)
        with app.app_context():
            db.session.add(SetAside(call_id=call_id, group="women_led", percentage=20))
            # An award declined, so the promotion notice is worked out too.
            db.session.execute(update(Decision).where(Decision.id == rows[0]["decision_id"])
                               .values(response=Response.DECLINED, responded_at=utcnow()))
            db.session.commit()
        client.get(f"/staff/calls/{call_id}/decisions")  # warm up (session user, caches)
        with counting_statements(app) as statements:
            response = client.get(f"/staff/calls/{call_id}/decisions")
        assert response.status_code == 200 and 'id="promotion"' in response.get_data(as_text=True)
        assert response.get_data(as_text=True).count('data-reference="') == count
        return len(statements)

    assert page_queries(3, "FEWAP") == page_queries(20, "MANYAP")


def test_promotion_after_a_decline_through_the_notice(app, client, proposed):
    call_id, apps = proposed
    client.post(f"/staff/calls/{call_id}/release")
    second = decisions_of(app, call_id)[apps[1]]
    with app.app_context():
        decision = db.session.get(Decision, second.id)
        decision.response, decision.responded_at = Response.DECLINED, utcnow()
        db.session.commit()
    page = client.get(f"/staff/calls/{call_id}/decisions")
    third = decisions_of(app, call_id)[apps[2]]
    assert f"/staff/decisions/{third.id}/promote" in page.get_data(as_text=True)
    assert client.post(f"/staff/decisions/{third.id}/promote").status_code == 302
    assert decisions_of(app, call_id)[apps[2]].outcome == Outcome.APPROVED
    assert "decisions.promote" in actions(app)
    again = client.post(f"/staff/decisions/{third.id}/promote", follow_redirects=True)
    assert "Only an application on the waiting list can be promoted." in text(again)


# --- changing one decision -------------------------------------------------------------------------

def test_change_needs_a_reason_shown_beside_the_field_and_updates_the_totals(app, client, proposed):
    call_id, apps = proposed
    third = decisions_of(app, call_id)[apps[2]]
    url = f"/staff/decisions/{third.id}"
    assert client.get(url).status_code == 200
    missing = client.post(url, data={"outcome": "approved", "amount": "1000000", "reason": "  ",
                                     "feedback_en": "Good plan"})
    assert error_beside(missing, "reason") == "Write the reason for this change."
    assert "Good plan" in text(missing)
    over = client.post(url, data={"outcome": "approved", "amount": "2000000", "reason": "Committee"})
    assert error_beside(over, "amount") == "This award would take the call over its budget."
    malformed = client.post(url, data={"outcome": "bogus", "amount": "lots", "reason": "x"})
    assert malformed.status_code == 200 and error_beside(malformed, "outcome") and error_beside(malformed, "amount")
    assert decisions_of(app, call_id)[apps[2]].outcome == Outcome.WAITLISTED

    done = client.post(url, data={"outcome": "approved", "amount": "1000000", "reason": "Reduced award",
                                  "feedback_ar": "خطة جيدة", "feedback_en": "Good plan"})
    assert done.status_code == 302
    changed = decisions_of(app, call_id)[apps[2]]
    assert (changed.outcome, changed.awarded_amount, changed.change_reason) == (Outcome.APPROVED, 1_000_000,
                                                                                "Reduced award")
    assert changed.feedback_en == "Good plan" and changed.proposed_outcome == Outcome.WAITLISTED
    page = client.get(f"/staff/calls/{call_id}/decisions")
    assert element(page, "total-awarded") == "5,000,000 SYP" and element(page, "total-remaining") == "0 SYP"
    assert "Reason: Reduced award" in text(page) and element(page, "count-changed") == "1"
    assert actions(app)[-1] == "decisions.change"
    assert client.get("/staff/decisions/99999999999").status_code == 404


# --- decision emails -------------------------------------------------------------------------------

def template_form(call_id, app, **changes) -> dict:
    from grants.decisions.messages import template_text

    data = {}
    with app.test_request_context():
        for outcome in Outcome:
            for locale in ("ar", "en"):
                subject, body = template_text(call_id, outcome, locale)
                data[f"{outcome.value}_{locale}_subject"], data[f"{outcome.value}_{locale}_body"] = subject, body
    data.update(changes)
    return data


def test_templates_are_prefilled_list_placeholders_and_refuse_unknown_ones(app, client, proposed):
    call_id, _ = proposed
    url = f"/staff/calls/{call_id}/decision-templates"
    page = client.get(url)
    assert page.status_code == 200
    body = text(page)
    assert "Your application {reference} is approved" in body
    assert "{deadline}" in body and "the date by which to accept the award" in body

    refused = client.post(url, data=template_form(
        call_id, app, approved_en_body="Dear {name}, you get {amount} on {payday}.", waitlisted_ar_subject="{"))
    assert refused.status_code == 200
    assert "{payday}" in error_beside(refused, "approved_en_body")
    assert error_beside(refused, "waitlisted_ar_subject") == (
        "A brace { or } is not closed. Write placeholders like {name}.")
    assert "you get {amount} on {payday}" in text(refused)
    sneaky = client.post(url, data=template_form(call_id, app, approved_en_body="{name.__class__}"))
    assert error_beside(sneaky, "approved_en_body")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DecisionTemplate)) == 0

    saved = client.post(url, data=template_form(
        call_id, app, approved_en_subject="Good news about {reference}",
        approved_en_body="Dear {name}, {reference} is funded with {amount}. Accept by {deadline}: {link}"))
    assert saved.status_code == 302
    with app.app_context():
        rows = db.session.execute(select(DecisionTemplate.outcome, DecisionTemplate.locale)).all()
        assert [(o.value, locale) for o, locale in rows] == [("approved", "en")]
    assert actions(app)[-1] == "decisions.templates"
    assert "Good news about {reference}" in text(client.get(url))


def test_preview_renders_a_real_application_in_both_languages(app, client, proposed):
    call_id, apps = proposed
    with app.app_context():
        first = db.session.get(Application, apps[0])
        reference, name_ar, name_latin = first.reference, first.full_name_ar, first.full_name_latin
    url = f"/staff/calls/{call_id}/decision-templates/preview"
    arabic = client.get(url, query_string={"outcome": "approved", "locale": "ar"})
    assert arabic.status_code == 200
    box = text(arabic)[text(arabic).index('id="preview"') - 60:]
    assert 'lang="ar" dir="rtl"' in box
    assert reference in box and money_in(app, 2_000_000, "ar") in box and TITLE_AR in box and name_ar in box
    english = client.get(url, query_string={"outcome": "approved", "locale": "en"})
    box = text(english)[text(english).index('id="preview"') - 60:]
    assert 'lang="en" dir="ltr"' in box
    assert f"Your application {reference} is approved" in box and "2,000,000 SYP" in box and TITLE_EN in box
    assert name_latin in box
    waitlisted = client.get(url, query_string={"outcome": "waitlisted", "locale": "en"})
    assert "is on the waiting list" in text(waitlisted)
    assert client.get(url, query_string={"outcome": "granted"}).status_code == 400
    assert client.get(url, query_string={"locale": "fr"}).status_code == 400


def test_preview_without_a_decision_of_that_outcome_says_so(app, client, staff, make_user):
    call_id, _ = make_reviewed_call(app, make_user, SCORES[:1])
    response = client.get(f"/staff/calls/{call_id}/decision-templates/preview?outcome=waitlisted&locale=en")
    assert response.status_code == 200 and 'id="no-example"' in response.get_data(as_text=True)


# --- release ---------------------------------------------------------------------------------------

def test_release_confirmation_counts_then_release_once_however_often_pressed(app, client, proposed):
    call_id, _ = proposed
    url = f"/staff/calls/{call_id}/release"
    confirmation = client.get(url)
    assert element(confirmation, "release-counts") == "5 emails: 2 approved, 2 waitlisted, 1 not selected."
    assert outbox_count(app) == 0  # nothing goes before the button

    first = client.post(url)
    assert first.status_code == 302 and first.location.endswith(f"/staff/calls/{call_id}/mail-progress")
    assert outbox_count(app) == 5
    second = client.post(url, follow_redirects=True)
    assert "nothing was sent again" in text(second)
    assert outbox_count(app) == 5
    assert 'id="nothing-to-release"' in client.get(url).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Call, call_id).status == CallStatus.DECIDED
        keys = list(db.session.scalars(select(OutboxMessage.dedupe_key)))
        assert len(set(keys)) == 5
    assert actions(app).count("decisions.release") == 1


def test_releasing_200_decisions_delivers_exactly_200_in_each_language_with_the_right_amount(
        app, client, staff, smtp_server):
    app.config["MAIL_SEND_AFTER_REQUEST_MAX"] = 0  # bulk mail goes through the sender command, as in production
    call_id, rows = bulk_decided_call(app, 200)
    confirmation = client.get(f"/staff/calls/{call_id}/release")
    assert element(confirmation, "release-counts") == "200 emails: 67 approved, 67 waitlisted, 66 not selected."
    assert client.post(f"/staff/calls/{call_id}/release").status_code == 302
    assert outbox_count(app) == 200
    with app.app_context():
        report = send_all()
    assert (report.sent, report.failed) == (200, 0)
    assert len(smtp_server.messages) == 200
    subjects = {(outcome, locale): translated(app, msgid, locale) for outcome, msgid in [
        (Outcome.APPROVED, "Your application {reference} is approved"),
        (Outcome.WAITLISTED, "Your application {reference} is on the waiting list"),
        (Outcome.NOT_SELECTED, "Decision on your application {reference}")] for locale in ("ar", "en")}
    for index, row in enumerate(rows):
        [message] = smtp_server.to(row["email"])
        body = smtp_server.text_of(message)
        assert message["Subject"] == subjects[row["outcome"], row["locale"]].format(reference=row["reference"])
        assert row["reference"] in body
        assert (TITLE_AR if row["locale"] == "ar" else TITLE_EN) in body
        assert (TITLE_EN if row["locale"] == "ar" else TITLE_AR) not in body
        assert (f"ملاحظات {index}" if row["locale"] == "ar" else f"Feedback {index}") in body
        if row["outcome"] == Outcome.APPROVED:
            assert money_in(app, row["amount"], row["locale"]) in body
    progress = client.get(f"/staff/calls/{call_id}/mail-progress.json").get_json()
    assert progress == {"queued": 0, "sent": 200, "failed": 0, "total": 200}


def test_messages_wait_while_the_smtp_server_is_down_and_go_once_it_is_back(app, client, staff, smtp_server):
    app.config["MAIL_SEND_AFTER_REQUEST_MAX"] = 0
    call_id, rows = bulk_decided_call(app, 6)
    client.post(f"/staff/calls/{call_id}/release")
    smtp_server.stop()
    with app.app_context():
        report = send_all()
        assert (report.sent, report.failed) == (0, 6)
        messages = db.session.scalars(select(OutboxMessage)).all()
        assert {m.status for m in messages} == {MessageStatus.QUEUED}
        assert all(m.attempts == 1 and "Connection refused" in m.last_error for m in messages)
    progress = client.get(f"/staff/calls/{call_id}/mail-progress")
    assert element(progress, "count-queued") == "6" and element(progress, "count-sent") == "0"
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in progress.get_data(as_text=True)
    smtp_server.start()
    with app.app_context():
        assert send_all(ignore_backoff=True).sent == 6
        assert send_all(ignore_backoff=True).sent == 0
    assert sorted(str(m["To"]).split("<")[-1].rstrip(">") for m in smtp_server.messages) == sorted(
        r["email"] for r in rows)
    assert outbox_statuses(app) == [MessageStatus.SENT] * 6
    done = client.get(f"/staff/calls/{call_id}/mail-progress")
    assert "http-equiv" not in done.get_data(as_text=True) and element(done, "count-sent") == "6"


@pytest.mark.postgres_only
def test_two_staff_releasing_at_once_queue_and_send_each_decision_once(app, make_user, smtp_server):
    app.config["MAIL_SEND_AFTER_REQUEST_MAX"] = 0
    call_id, rows = bulk_decided_call(app, 30)
    clients = []
    for _ in range(2):
        client = app.test_client()
        assert client.post("/login", data={"email": make_user("staff", locale="en").email,
                                           "password": "correct-horse-battery"}).status_code == 302
        clients.append(client)
    responses = at_once(*(partial(c.post, f"/staff/calls/{call_id}/release") for c in clients))
    assert [response.status_code for response in responses] == [302, 302]
    assert outbox_count(app) == 30
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Decision)
                                 .where(Decision.released_at.is_(None))) == 0
        assert send_all().sent == 30
    assert sorted(str(m["To"]).split("<")[-1].rstrip(">") for m in smtp_server.messages) == sorted(
        r["email"] for r in rows)


def test_a_sender_that_crashes_half_way_sends_the_rest_once_and_skips_none(app, client, staff, smtp_server):
    from grants.models import utcnow as now

    app.config["MAIL_SEND_AFTER_REQUEST_MAX"] = 0
    call_id, rows = bulk_decided_call(app, 30)
    client.post(f"/staff/calls/{call_id}/release")
    with app.app_context():
        assert send_batch(limit=10).sent == 10
        crashed = [m.id for m in claim_batch(10)]  # claimed, then the process died before sending
        assert len(crashed) == 10
        # A sender restarted at once leaves the claimed rows alone (another sender may still hold them) ...
        assert send_all().sent == 10
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == MessageStatus.SENDING)) == 10
        assert client.get(f"/staff/calls/{call_id}/mail-progress.json").get_json() == {
            "queued": 10, "sent": 20, "failed": 0, "total": 30}
        # ... and takes them over once the claim is older than the lease.
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(crashed))
                           .values(claimed_at=now() - timedelta(hours=1)))
        db.session.commit()
        assert send_all().sent == 10
        assert send_all().sent == 0
    recipients = [str(m["To"]).split("<")[-1].rstrip(">") for m in smtp_server.messages]
    assert len(recipients) == 30 and sorted(recipients) == sorted(r["email"] for r in rows)
    assert outbox_statuses(app) == [MessageStatus.SENT] * 30


# --- progress --------------------------------------------------------------------------------------

def test_progress_page_and_json_count_the_calls_messages_and_retry_failures(app, client, staff, make_user):
    call_id, _ = bulk_decided_call(app, 9)
    other_call, _ = bulk_decided_call(app, 3, code="OTHER")
    client.post(f"/staff/calls/{call_id}/release")
    client.post(f"/staff/calls/{other_call}/release")  # not counted on the first call's page
    with app.app_context():
        ids = list(db.session.scalars(select(OutboxMessage.id).join(Decision, Decision.id == OutboxMessage.subject_id)
                                      .where(Decision.call_id == call_id).order_by(OutboxMessage.id)))
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids[:4]))
                           .values(status=MessageStatus.SENT, sent_at=utcnow()))
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids[4:6]))
                           .values(status=MessageStatus.FAILED, attempts=8, last_error="SMTPRecipientsRefused: nope"))
        db.session.commit()
    assert client.get(f"/staff/calls/{call_id}/mail-progress.json").get_json() == {
        "queued": 3, "sent": 4, "failed": 2, "total": 9}
    page = client.get(f"/staff/calls/{call_id}/mail-progress")
    body = page.get_data(as_text=True)
    assert element(page, "count-queued") == "3" and element(page, "count-failed") == "2"
    assert '<progress id="mail-progress-bar"' in body and 'max="9" value="6"' in body
    assert "SMTPRecipientsRefused: nope" in body and f"/outbox/{ids[4]}/retry" in body
    assert "http-equiv=\"refresh\"" in body and 'src="/static/js/progress.js"' in body
    assert "<script>" not in body  # CSP: no inline scripts

    assert client.post(f"/staff/calls/{call_id}/mail-progress/retry").status_code == 302
    assert client.get(f"/staff/calls/{call_id}/mail-progress.json").get_json()["failed"] == 0
    assert actions(app)[-1] == "decisions.retry_failed"
    nothing = client.post(f"/staff/calls/{call_id}/mail-progress/retry", follow_redirects=True)
    assert "No message of this call has failed." in text(nothing)
    assert client.get("/static/js/progress.js").status_code == 200


# --- messages to a group ---------------------------------------------------------------------------

MESSAGE = {"subject_ar": "اجتماع للمنتظرين", "subject_en": "A meeting for the waiting list",
           "body_ar": "نلتقي يوم الأحد.", "body_en": "We meet on Sunday."}


def test_group_message_to_waitlisted_applicants_in_their_languages(app, client, proposed):
    call_id, apps = proposed
    url = f"/staff/calls/{call_id}/message"
    assert client.get(url).status_code == 200
    missing = client.post(url, data={**MESSAGE, "outcome": "waitlisted", "body_en": ""})
    assert error_beside(missing, "body_en") == "Write the message in English."
    assert "نلتقي يوم الأحد." in text(missing)

    before_release = client.post(url, data={**MESSAGE, "outcome": "waitlisted"})
    assert "This message will go to 0 applicants" in text(before_release)  # decisions not told yet

    client.post(f"/staff/calls/{call_id}/release")
    released = outbox_count(app)
    confirmation = client.post(url, data={**MESSAGE, "outcome": "waitlisted"})
    assert "This message will go to 2 applicants" in text(confirmation)
    assert outbox_count(app, "group_messages") == 0
    edit = client.post(url, data={**MESSAGE, "outcome": "waitlisted", "confirm": "send", "edit": "1"})
    assert 'name="subject_en"' in edit.get_data(as_text=True) and outbox_count(app, "group_messages") == 0

    sent = client.post(url, data={**MESSAGE, "outcome": "waitlisted", "confirm": "send"})
    assert sent.status_code == 302 and sent.location.endswith(f"/staff/calls/{call_id}/mail-progress")
    assert outbox_count(app) == released
    decisions = decisions_of(app, call_id)
    with app.app_context():
        [message] = db.session.scalars(select(GroupMessage)).all()
        assert message.recipients == 2 and message.audience == {"outcome": "waitlisted", "response": None}
        waitlisted = {db.session.get(Application, a).applicant_id: db.session.get(Application, a).applicant.locale
                      for a in apps if decisions[a].outcome == Outcome.WAITLISTED}
        rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.subject_type == "group_messages")).all()
        assert {m.recipient_id for m in rows} == set(waitlisted)
        for row in rows:
            assert row.subject == MESSAGE[f"subject_{waitlisted[row.recipient_id]}"]
            assert row.locale == waitlisted[row.recipient_id]
            assert row.dedupe_key == f"group:{message.id}:{row.recipient_id}"
    assert actions(app)[-1] == "decisions.group_message"
    assert client.get(f"/staff/calls/{call_id}/mail-progress.json").get_json()["total"] == released + 2

    twice = client.post(url, data={**MESSAGE, "outcome": "waitlisted", "confirm": "send"})
    assert "sent to the same recipients a few minutes ago" in text(twice)
    assert outbox_count(app, "group_messages") == 2
    malformed = client.post(url, data={**MESSAGE, "outcome": "everyone", "response": "maybe"})
    assert malformed.status_code == 200 and error_beside(malformed, "outcome") and error_beside(malformed, "response")
