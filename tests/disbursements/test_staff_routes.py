"""The staff side of disbursements through the test client: a call's grants (with its query count) and schedule,
a grant's page with conditions and the buttons each state allows, the tranche verbs with four eyes at the route
level, the payment, cancel, re-issue, schedule and signed-agreement forms, and double clicks that change nothing."""
import re
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from grants.disbursements import services
from grants.extensions import db
from grants.models import (
    AuditEntry, Call, Grant, Letter, OutboxMessage, PaymentMethod, Tranche, TrancheStatus, User,
)

from ..fixtures.disbursements import make_grant
from ..fixtures.i18n import says
from ..fixtures.routes import counting_statements, error_of, flashes, post, signed_in_client, text
from ..fixtures.training import decided_call, make_course

NAME_AR, NAME_LATIN = "أحمد عبد الرحمن الخلف", "Ahmad Abdulrahman Al-Khalaf"


# --- helpers (the grantee and race tests use them too) ---------------------------------------------------------

@pytest.fixture
def call(app):
    return decided_call(app)


def url(app, endpoint, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def tranche_ids(app, grant_id) -> list[int]:
    with app.app_context():
        return [t.id for t in db.session.get(Grant, grant_id).tranches]


def tranche_state(app, tranche_id) -> Tranche:
    with app.app_context():
        tranche = db.session.get(Tranche, tranche_id)
        db.session.expunge(tranche)
        return tranche


def grant_state(app, grant_id) -> Grant:
    with app.app_context():
        grant = db.session.get(Grant, grant_id)
        db.session.expunge(grant)
        return grant


def audit_actions(app, prefix="disbursements.") -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.startswith(prefix))
                                       .order_by(AuditEntry.id)))


def letters_of(app, tranche_id) -> list[Letter]:
    with app.app_context():
        rows = db.session.scalars(select(Letter).where(Letter.tranche_id == tranche_id).order_by(Letter.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def advance(app, tranche_id, to: TrancheStatus, requester_id, approver_id, paid_on=None):
    """Take a tranche through the verbs up to `to` (requested, approved, letter_issued or paid)."""
    with app.app_context():
        tranche = db.session.get(Tranche, tranche_id)
        requester, approver = db.session.get(User, requester_id), db.session.get(User, approver_id)
        steps = [TrancheStatus.REQUESTED, TrancheStatus.APPROVED, TrancheStatus.LETTER_ISSUED, TrancheStatus.PAID]
        for step in steps[steps.index(tranche.status) + 1 if tranche.status in steps else 0:steps.index(to) + 1]:
            if step == TrancheStatus.REQUESTED:
                services.request_tranche(requester, tranche)
            elif step == TrancheStatus.APPROVED:
                services.approve_tranche(approver, tranche)
            elif step == TrancheStatus.LETTER_ISSUED:
                services.issue_letter(requester, tranche)
            else:
                services.record_payment(requester, tranche, method=PaymentMethod.CASH, reference="R-1",
                                        paid_on=paid_on or services.program_today())
        db.session.commit()


def input_value(page: str, name: str) -> str | None:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    return found.group(1) if found else None


@pytest.fixture
def staff_pair(make_user):
    """Two program officers who read English: the first requests, the second approves."""
    return make_user("staff", locale="en"), make_user("admin", locale="en")


def arabic_staff(app, make_user):
    """A client signed in as a staff member who reads Arabic (the default)."""
    return signed_in_client(app, make_user("staff"))


# --- a call's grants -------------------------------------------------------------------------------------------

def test_call_grants_page_lists_every_grant_with_its_tranches(app, make_user, call, staff_pair):
    requester, approver = staff_pair
    _, first = make_grant(app, make_user, call, amount=1_000_000)
    _, second = make_grant(app, make_user, call, amount=600_000, schedule=[60, 40])
    advance(app, tranche_ids(app, first)[0], TrancheStatus.REQUESTED, requester.id, approver.id)
    client = signed_in_client(app, requester)

    arabic = arabic_staff(app, make_user).get(url(app, "disbursements.call_grants", call_id=call))
    assert arabic.status_code == 200
    page = text(arabic)
    assert 'dir="rtl"' in page and NAME_AR in page
    assert says(arabic, app, "Grants and payments") and says(arabic, app, "Payment schedule of the call")
    assert page.count('class="tranche-cell ') == 5
    assert re.search(rf'id="grant-{first}".*?data-status="requested".*?data-status="pending"', page, re.S)

    english = client.get(url(app, "disbursements.call_grants", call_id=call))
    page = text(english)
    assert NAME_LATIN in page and "Requested" in page and "Not yet" in page
    assert input_value(page, "schedule") == "60, 40"  # the call's schedule, as staff type it

    only_requested = text(client.get(url(app, "disbursements.call_grants", call_id=call, status="requested"),
                                     ))
    assert f'id="grant-{first}"' in only_requested and f'id="grant-{second}"' not in only_requested
    none_paid = text(client.get(url(app, "disbursements.call_grants", call_id=call, status="paid")))
    assert 'id="no-grants"' in none_paid
    # An unknown filter shows everything rather than failing.
    unknown = client.get(url(app, "disbursements.call_grants", call_id=call, status="<script>"))
    assert unknown.status_code == 200 and f'id="grant-{second}"' in text(unknown)


def test_call_grants_page_query_count_does_not_grow_with_grants(app, make_user, call, staff_pair):
    requester, approver = staff_pair
    client = signed_in_client(app, requester)
    path = url(app, "disbursements.call_grants", call_id=call)

    def add_grants(count):
        for n in range(count):
            _, grant_id = make_grant(app, make_user, call)
            if n % 2:
                advance(app, tranche_ids(app, grant_id)[0], TrancheStatus.APPROVED, requester.id, approver.id)

    def statements():
        with counting_statements(app) as seen:
            response = client.get(path)
            assert response.status_code == 200
        return len(seen), text(response)

    add_grants(2)
    with_two, page = statements()
    assert page.count('<tr id="grant-') == 2
    add_grants(8)
    with_ten, page = statements()
    assert page.count('<tr id="grant-') == 10 and page.count('data-status="approved"') >= 4
    assert with_ten == with_two


def test_call_schedule_is_saved_or_refused_beside_the_field(app, make_user, call, staff_pair):
    client = signed_in_client(app, staff_pair[0])
    path = url(app, "disbursements.call_schedule", call_id=call)

    refused = client.post(path, data={"schedule": "50, 30"})
    assert refused.status_code == 200
    page = text(refused)
    assert "adding up to 100" in error_of(page, "schedule")
    assert input_value(page, "schedule") == "50, 30"  # what was typed stays
    arabic = arabic_staff(app, make_user).post(path, data={"schedule": "abc"})
    assert says(arabic, app, "Write the tranche percentages separated by commas, each above zero, adding up to 100 "
                             "(for example 50, 30, 20).")
    empty = client.post(path, data={"schedule": ""})
    assert error_of(text(empty), "schedule")
    huge = client.post(path, data={"schedule": "5" * 5000})
    assert huge.status_code == 200 and error_of(text(huge), "schedule")
    with app.app_context():
        assert db.session.get(Call, call).tranche_schedule == [50, 30, 20]

    saved = post(client, path, data={"schedule": "٦٠، ٤٠"})
    assert saved.status_code == 302 and saved.location.endswith(url(app, "disbursements.call_grants", call_id=call))
    with app.app_context():
        assert db.session.get(Call, call).tranche_schedule == [60, 40]
    assert audit_actions(app) == ["disbursements.call_schedule"]
    _, grant_id = make_grant(app, make_user, call, amount=1_000)
    with app.app_context():
        assert [t.amount for t in db.session.get(Grant, grant_id).tranches] == [600, 400]


# --- a grant's page --------------------------------------------------------------------------------------------

def test_grant_page_shows_tranches_conditions_and_the_buttons_of_each_state(app, make_user, call, staff_pair):
    requester, approver = staff_pair
    make_course(app, calls=[call], required_for_payment=True, title_en="Bookkeeping basics")
    _, grant_id = make_grant(app, make_user, call, amount=1_000_001)
    first, second, third = tranche_ids(app, grant_id)
    client = signed_in_client(app, requester)
    path = url(app, "disbursements.grant", grant_id=grant_id)

    arabic = arabic_staff(app, make_user).get(path)
    assert arabic.status_code == 200 and NAME_AR in text(arabic)
    assert says(arabic, app, "Request the payment")

    page = text(client.get(path))
    assert NAME_LATIN in page and "1 of 3" in page and "3 of 3" in page
    assert "200,001" in page  # the remainder on the last tranche
    # Tranche 1 waits for the required course: the button is disabled and says why.
    section = re.search(rf'<section class="card tranche" id="tranche-{first}".*?</section>', page, re.S).group(0)
    assert re.search(rf'id="request-{first}"[^>]*disabled', section)
    assert 'Course &#34;Bookkeeping basics&#34; completed' in section and 'class="condition condition-unmet"' in section
    assert f'id="unmet-{first}"' in section
    # Tranche 2 also waits for tranche 1 to be paid.
    section = re.search(rf'<section class="card tranche" id="tranche-{second}".*?</section>', page, re.S).group(0)
    assert "The previous tranche has been paid" in section
    # Every open tranche can be cancelled; nothing is paid, so the schedule can change.
    assert f'id="cancel-{third}"' in page and 'id="edit-schedule"' in page

    # Refused by the service too, when someone posts anyway.
    refused = post(client, url(app, "disbursements.request", tranche_id=first))
    assert refused.status_code == 302
    assert any("Conditions not met yet" in message for _, message in flashes(client))
    assert tranche_state(app, first).status == TrancheStatus.PENDING


def test_four_eyes_at_the_route_level(app, make_user, call, staff_pair):
    requester, approver = staff_pair
    grantee_id, grant_id = make_grant(app, make_user, call, locale="en")
    first = tranche_ids(app, grant_id)[0]
    mine = signed_in_client(app, requester)
    other = signed_in_client(app, approver)
    back = url(app, "disbursements.grant", grant_id=grant_id)

    requested = post(mine, url(app, "disbursements.request", tranche_id=first))
    assert requested.status_code == 302 and requested.location.endswith(back)
    assert tranche_state(app, first).requested_by_id == requester.id

    # The requester sees no approve button but a note, and posting anyway is refused with the message.
    page = text(mine.get(back))
    assert f'id="approve-{first}"' not in page and f'id="waiting-{first}"' in page
    assert re.search(r"waiting for another staff member(&#39;|')s approval", page)
    refused = post(mine, url(app, "disbursements.approve", tranche_id=first))
    assert refused.status_code == 302
    assert ("error", "Another staff member must approve a payment you requested.") in flashes(mine)
    assert tranche_state(app, first).status == TrancheStatus.REQUESTED

    # Another staff member sees the button and approves.
    assert f'id="approve-{first}"' in text(other.get(back))
    approved = post(other, url(app, "disbursements.approve", tranche_id=first))
    assert approved.status_code == 302
    tranche = tranche_state(app, first)
    assert tranche.status == TrancheStatus.APPROVED and tranche.approved_by_id == approver.id
    # A double click or a retried request changes nothing and is said, not a 500.
    again = post(other, url(app, "disbursements.approve", tranche_id=first))
    assert again.status_code == 302
    assert ("error", "Only a requested tranche can be approved.") in flashes(other)
    assert audit_actions(app) == ["disbursements.grant", "disbursements.request", "disbursements.approve"]

    # The grantee is told once, in their language.
    with app.app_context():
        mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "tranche_approved")).all()
        assert len(mails) == 1
        grantee = db.session.get(User, grantee_id)
        assert mails[0].recipient_email == grantee.email and mails[0].locale == "en"
        assert mails[0].subject == "Payment approved: tranche 1 of 3 of your grant"
        assert "500,000" in mails[0].body_text and f"/my/applications/" in mails[0].body_text


def test_issue_letter_then_a_second_click_is_refused(app, make_user, call, staff_pair):
    requester, approver = staff_pair
    _, grant_id = make_grant(app, make_user, call)
    first = tranche_ids(app, grant_id)[0]
    advance(app, first, TrancheStatus.APPROVED, requester.id, approver.id)
    client = signed_in_client(app, requester)
    page = text(client.get(url(app, "disbursements.grant", grant_id=grant_id)))
    assert f'id="issue-{first}"' in page

    assert post(client, url(app, "disbursements.issue_letter", tranche_id=first)).status_code == 302
    assert post(client, url(app, "disbursements.issue_letter", tranche_id=first)).status_code == 302
    assert ("error", "The letter for this tranche has already been issued.") in flashes(client)
    letters = letters_of(app, first)
    assert len(letters) == 1 and tranche_state(app, first).status == TrancheStatus.LETTER_ISSUED
    page = text(client.get(url(app, "disbursements.grant", grant_id=grant_id)))
    assert letters[0].number in page and url(app, "disbursements.letter", letter_id=letters[0].id) in page
    assert f'id="pay-{first}"' in page and f'id="reissue-{letters[0].id}"' in page


def test_arabic_refusals_are_flashed_in_arabic(app, make_user, call):
    from ..fixtures.i18n import translated

    _, grant_id = make_grant(app, make_user, call)
    first = tranche_ids(app, grant_id)[0]
    client = arabic_staff(app, make_user)
    post(client, url(app, "disbursements.approve", tranche_id=first))
    assert ("error", translated(app, "Only a requested tranche can be approved.")) in flashes(client)


# --- the payment form ------------------------------------------------------------------------------------------

def test_payment_form_validation_and_a_single_payment(app, make_user, call, staff_pair):
    requester, approver = staff_pair
    _, grant_id = make_grant(app, make_user, call, amount=1_000_000)
    first, second, _ = tranche_ids(app, grant_id)
    advance(app, first, TrancheStatus.LETTER_ISSUED, requester.id, approver.id)
    client = signed_in_client(app, requester)
    path = url(app, "disbursements.pay", tranche_id=first)

    form = client.get(path)
    assert form.status_code == 200
    with app.app_context():
        today = services.program_today()
    assert input_value(text(form), "paid_on") == today.isoformat()  # today, in program time
    assert says(arabic_staff(app, make_user).get(path), app, "Record the payment")

    missing = client.post(path, data={"method": "", "reference": "HW-77", "paid_on": today.isoformat()})
    page = text(missing)
    assert missing.status_code == 200 and error_of(page, "method") == "Choose how the tranche was paid."
    assert input_value(page, "reference") == "HW-77"
    forged = client.post(path, data={"method": "gold", "paid_on": today.isoformat()})
    assert error_of(text(forged), "method") == "Choose how the tranche was paid."

    tomorrow = (today + timedelta(days=1)).isoformat()
    future = client.post(path, data={"method": "hawala", "reference": "HW-77", "paid_on": tomorrow})
    page = text(future)
    assert error_of(page, "paid_on") == "The payment date cannot be in the future."
    assert input_value(page, "paid_on") == tomorrow and input_value(page, "reference") == "HW-77"
    assert 'value="hawala" selected' in page or 'selected value="hawala"' in page
    unreadable = client.post(path, data={"method": "cash", "paid_on": "2026-13-45"})
    assert "year-month-day" in error_of(text(unreadable), "paid_on")
    assert client.post(path, data={"method": "cash", "paid_on": "x" * 10_000}).status_code == 200
    assert tranche_state(app, first).status == TrancheStatus.LETTER_ISSUED

    arabic_digits = today.isoformat().translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    paid = post(client, path, data={"method": "hawala", "reference": "HW-77", "paid_on": arabic_digits})
    assert paid.status_code == 302 and paid.location.endswith(url(app, "disbursements.grant", grant_id=grant_id))
    tranche = tranche_state(app, first)
    assert tranche.status == TrancheStatus.PAID and tranche.payment_method == PaymentMethod.HAWALA
    assert tranche.payment_reference == "HW-77" and grant_state(app, grant_id).paid_total == 500_000

    # The same form sent again (a double click, a retried request): refused, nothing paid twice.
    again = post(client, path, data={"method": "cash", "paid_on": today.isoformat()})
    assert again.status_code == 302
    assert ("error", "This tranche has already been paid.") in flashes(client)
    assert grant_state(app, grant_id).paid_total == 500_000
    assert audit_actions(app).count("disbursements.pay") == 1
    # Opening the form of a paid tranche, or of one without a letter, goes back to the grant with the reason.
    assert client.get(path).status_code == 302
    assert client.get(url(app, "disbursements.pay", tranche_id=second)).status_code == 302
    assert any("issue the letter first" in message for _, message in flashes(client))
    page = text(client.get(url(app, "disbursements.grant", grant_id=grant_id)))
    assert "Hawala" in page and "HW-77" in page and 'id="edit-schedule"' not in page


# --- cancel and re-issue ---------------------------------------------------------------------------------------

def test_cancel_needs_a_reason_and_voids_the_letter(app, make_user, call, staff_pair):
    requester, approver = staff_pair
    _, grant_id = make_grant(app, make_user, call)
    first, second, third = tranche_ids(app, grant_id)
    advance(app, first, TrancheStatus.LETTER_ISSUED, requester.id, approver.id)
    client = signed_in_client(app, approver)
    path = url(app, "disbursements.cancel", tranche_id=first)

    assert says(arabic_staff(app, make_user).get(path), app, "Its disbursement letter becomes void.")
    empty = client.post(path, data={"reason": "   "})
    assert empty.status_code == 200 and error_of(text(empty), "reason") == "Write the reason."
    too_long = client.post(path, data={"reason": "x" * 3000})
    assert error_of(text(too_long), "reason")
    assert tranche_state(app, first).status == TrancheStatus.LETTER_ISSUED

    done = post(client, path, data={"reason": "The grantee closed the shop."})
    assert done.status_code == 302
    tranche = tranche_state(app, first)
    assert tranche.status == TrancheStatus.CANCELLED and tranche.cancel_reason == "The grantee closed the shop."
    assert letters_of(app, first)[0].voided_at is not None
    page = text(client.get(url(app, "disbursements.grant", grant_id=grant_id)))
    assert "Reason: The grantee closed the shop." in page and f'id="tranche-{first}"' not in page
    assert "1 of 2" in page and "2 of 2" in page  # i of n counts the tranches still open

    # Cancelled already: the form is not shown, and a retried POST is refused with the message.
    assert client.get(path).status_code == 302
    again = post(client, path, data={"reason": "twice"})
    assert again.status_code == 302
    assert ("error", "A paid or cancelled tranche cannot be cancelled.") in [
        m for m in flashes(client) if m[0] == "error"]
    assert tranche_state(app, first).cancel_reason == "The grantee closed the shop."
    assert audit_actions(app).count("disbursements.cancel") == 1


def test_reissue_voids_the_letter_and_issues_a_new_number(app, make_user, call, staff_pair):
    requester, approver = staff_pair
    _, grant_id = make_grant(app, make_user, call)
    first = tranche_ids(app, grant_id)[0]
    advance(app, first, TrancheStatus.LETTER_ISSUED, requester.id, approver.id)
    old = letters_of(app, first)[0]
    client = signed_in_client(app, requester)
    path = url(app, "disbursements.reissue_letter", letter_id=old.id)

    form = client.get(path)
    assert form.status_code == 200 and old.number in text(form)
    assert error_of(text(client.post(path, data={"reason": ""})), "reason") == "Write the reason."
    done = post(client, path, data={"reason": "The name was misspelt."})
    assert done.status_code == 302
    old_now, new = letters_of(app, first)
    assert old_now.voided_at is not None and old_now.void_reason == "The name was misspelt."
    assert new.voided_at is None and new.number != old.number
    page = text(client.get(url(app, "disbursements.grant", grant_id=grant_id)))
    assert new.number in page and f"<s dir=\"ltr\">{old.number}</s>" in page
    # The void letter's form is not shown again; a retried POST is refused.
    assert client.get(path).status_code == 302
    assert post(client, path, data={"reason": "again"}).status_code == 302
    assert ("error", "This letter is void already.") in flashes(client)
    assert len(letters_of(app, first)) == 2


# --- the grant's schedule and the signed agreement -------------------------------------------------------------

def test_schedule_edit_validation_and_refusal_after_a_payment(app, make_user, call, staff_pair):
    requester, approver = staff_pair
    _, grant_id = make_grant(app, make_user, call, amount=999_999)
    client = signed_in_client(app, requester)
    path = url(app, "disbursements.schedule", grant_id=grant_id)

    form = client.get(path)
    assert form.status_code == 200 and input_value(text(form), "schedule") == "50, 30, 20"
    refused = client.post(path, data={"schedule": "70, 70"})
    assert refused.status_code == 200 and "adding up to 100" in error_of(text(refused), "schedule")
    assert input_value(text(refused), "schedule") == "70, 70"
    changed = post(client, path, data={"schedule": "60, 40"})
    assert changed.status_code == 302
    with app.app_context():
        assert [t.amount for t in services.active_tranches(db.session.get(Grant, grant_id))] == [599_999, 400_000]

    first = tranche_ids(app, grant_id)[0]
    advance(app, first, TrancheStatus.PAID, requester.id, approver.id)
    assert client.get(path).status_code == 302
    assert any("cannot change once a tranche has been paid" in m for _, m in flashes(client))
    late = client.post(path, data={"schedule": "50, 50"})
    assert late.status_code == 200
    assert error_of(text(late), "schedule") == "The schedule cannot change once a tranche has been paid."
    with app.app_context():
        assert [t.amount for t in services.active_tranches(db.session.get(Grant, grant_id))] == [599_999, 400_000]


def test_filing_the_signed_agreement(app, make_user, call, staff_pair):
    requester, _ = staff_pair
    _, grant_id = make_grant(app, make_user, call)
    client = signed_in_client(app, requester)
    path = url(app, "disbursements.file_agreement", grant_id=grant_id)
    with app.app_context():
        today = services.program_today()

    future = client.post(path, data={"signed_on": (today + timedelta(days=3)).isoformat()})
    assert future.status_code == 200
    assert error_of(text(future), "signed_on") == "The signing date cannot be in the future."
    assert input_value(text(future), "signed_on") == (today + timedelta(days=3)).isoformat()
    early = client.post(path, data={"signed_on": "2001-01-01"})
    assert error_of(text(early), "signed_on") == "The agreement cannot be signed before the award was accepted."
    assert error_of(text(client.post(path, data={"signed_on": ""})), "signed_on")
    assert grant_state(app, grant_id).agreement_signed_on is None

    assert post(client, path, data={"signed_on": today.isoformat()}).status_code == 302
    grant = grant_state(app, grant_id)
    assert grant.agreement_signed_on == today and grant.agreement_filed_by_id == requester.id
    again = client.post(path, data={"signed_on": today.isoformat()})
    assert error_of(text(again), "signed_on") == "The signed agreement is already filed with this date."
    assert audit_actions(app).count("disbursements.file_agreement") == 1
    page = text(client.get(url(app, "disbursements.grant", grant_id=grant_id)))
    assert 'id="agreement-filed"' in page
    calls_page = text(client.get(url(app, "disbursements.call_grants", call_id=call)))
    assert "1 of 1" in calls_page


# --- bad addresses ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/disbursements/grants/999999", "/disbursements/calls/999999", "/disbursements/tranches/99999999999/pay",
    "/disbursements/letters/424242/reissue",
])
def test_unknown_objects_are_404(app, make_user, path):
    client = signed_in_client(app, make_user("staff"))
    assert client.get(path).status_code == 404


def test_verbs_on_unknown_tranches_are_404(app, make_user):
    client = signed_in_client(app, make_user("staff"))
    for endpoint in ("request", "approve", "issue_letter"):
        assert client.post(url(app, f"disbursements.{endpoint}", tranche_id=987654)).status_code == 404


def test_one_audit_row_per_change_through_the_routes(app, make_user, call, staff_pair):
    requester, approver = staff_pair
    _, grant_id = make_grant(app, make_user, call)
    first = tranche_ids(app, grant_id)[0]
    one, two = signed_in_client(app, requester), signed_in_client(app, approver)
    with app.app_context():
        today = services.program_today().isoformat()
    for _ in range(2):  # each button twice: the second press of each is refused
        post(one, url(app, "disbursements.request", tranche_id=first))
        post(two, url(app, "disbursements.approve", tranche_id=first))
        post(two, url(app, "disbursements.issue_letter", tranche_id=first))
        post(one, url(app, "disbursements.pay", tranche_id=first), data={"method": "cash", "paid_on": today})
    assert audit_actions(app) == ["disbursements.grant", "disbursements.request", "disbursements.approve",
                                  "disbursements.letter", "disbursements.pay"]
    assert grant_state(app, grant_id).paid_total == tranche_state(app, first).amount
