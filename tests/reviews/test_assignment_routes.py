"""Staff assignment pages: reviewer profiles, automatic and manual assignment, due dates, who is late."""
import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from grants.extensions import db
from grants.models import (
    Application, AuditEntry, Call, CallStatus, Conflict, ConflictKind, Review, ReviewerProfile, ReviewStatus, Sector,
    utcnow,
)

from ..fixtures.program import make_application, make_call
from ..fixtures.reviews import make_review, make_reviewer
from ..fixtures.routes import counting_statements, text

PROGRAM_TZ = ZoneInfo("Asia/Damascus")


# --- helpers -----------------------------------------------------------------------------------------

def error_beside(response, field_id) -> str | None:
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>',
                      response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)).strip() if match else None


def flashes(response) -> str:
    return html.unescape(" ".join(re.findall(r'<div class="notice notice-\w+" role="\w+">(.*?)</div>',
                                             response.get_data(as_text=True), re.S)))


def program_time(delta: timedelta) -> str:
    """What staff type in a datetime-local field, `delta` from now, in the program's timezone."""
    return (datetime.now(PROGRAM_TZ) + delta).strftime("%Y-%m-%dT%H:%M")


def reviews_of(app, call_id) -> list[tuple[int, int]]:
    with app.app_context():
        return sorted(db.session.execute(
            select(Review.application_id, Review.reviewer_id).where(Review.call_id == call_id)).all())


def references(app, application_ids) -> list[str]:
    with app.app_context():
        return [db.session.get(Application, a).reference for a in application_ids]


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def closed_call(app, **fields) -> int:
    return make_call(app, status=CallStatus.CLOSED, opens_in=timedelta(days=-30), closes_in=timedelta(days=-1),
                     **fields)


# --- fixtures ----------------------------------------------------------------------------------------

@pytest.fixture
def staff(client, auth, make_user):
    account = make_user("staff", locale="en")
    auth.login(account)
    return account


@pytest.fixture
def call_with_pool(app, make_user):
    """A closed call (k = 3) with four submitted applications and four reviewers with cap 3."""
    call_id = closed_call(app)
    applications = [make_application(app, make_user("applicant").id, call_id, submit=True) for _ in range(4)]
    reviewers = [make_reviewer(app, make_user, cap=3, name=f"Reviewer {n}") for n in range(4)]
    return call_id, applications, reviewers


# --- reviewer profiles -------------------------------------------------------------------------------

def test_profiles_list_active_reviewers_with_caps_sectors_and_loads(app, client, staff, make_user, call_with_pool):
    call_id, applications, reviewers = call_with_pool
    with_sector = make_reviewer(app, make_user, cap=7, sectors=("retail",), name="Sector Reviewer")
    no_profile = make_user("reviewer", name="Plain Reviewer")
    make_user("reviewer", name="Gone Reviewer", active=False)
    make_review(app, applications[0], reviewers[0].id, values=[3, 3, 3])
    make_review(app, applications[1], reviewers[0].id, submit=False)

    response = client.get("/staff/reviewers")
    assert response.status_code == 200
    page = text(response)
    assert "Sector Reviewer" in page and "Plain Reviewer" in page and "Gone Reviewer" not in page
    row = re.search(rf'<tr id="reviewer-{with_sector.id}">(.*?)</tr>', page, re.S).group(1)
    assert '<td class="load-cap">7' in row
    with app.app_context():
        assert db.session.scalar(select(Sector.name_en).where(Sector.code == "retail")) in row
    assert "(default)" in re.search(rf'<tr id="reviewer-{no_profile.id}">(.*?)</tr>', page, re.S).group(1)
    loaded = re.search(rf'<tr id="reviewer-{reviewers[0].id}">(.*?)</tr>', page, re.S).group(1)
    assert "DZ26A" in loaded and "1 of 2 done" in loaded
    assert f"/staff/calls/{call_id}/reviewers" in page  # the closed call is listed for assignment


def test_profiles_page_query_count_does_not_grow_with_reviewers(app, client, staff, make_user):
    call_id = closed_call(app)
    application = make_application(app, make_user("applicant").id, call_id, submit=True)

    def count():
        with counting_statements(app) as statements:
            assert client.get("/staff/reviewers").status_code == 200
        return len(statements)

    first = make_reviewer(app, make_user, sectors=("retail",))
    make_review(app, application, first.id, submit=False)
    few = count()
    for _ in range(6):
        reviewer = make_reviewer(app, make_user, sectors=("retail", "agriculture"))
        make_review(app, application, reviewer.id, submit=False)
    assert count() == few


def test_staff_edit_a_reviewer_profile(app, client, staff, make_user):
    reviewer = make_reviewer(app, make_user, cap=20)
    response = client.get(f"/staff/reviewers/{reviewer.id}")
    assert response.status_code == 200 and 'value="20"' in response.get_data(as_text=True)
    with app.app_context():
        retail, agriculture = (db.session.scalar(select(Sector.id).where(Sector.code == c))
                               for c in ("retail", "agriculture"))
    response = client.post(f"/staff/reviewers/{reviewer.id}",
                           data={"load_cap": "5", "sectors": [str(retail), str(agriculture)],
                                 "expertise": " Agronomy "})
    assert response.status_code == 302 and response.location.endswith("/staff/reviewers")
    with app.app_context():
        profile = db.session.get(ReviewerProfile, reviewer.id)
        assert profile.load_cap == 5 and {s.id for s in profile.sectors} == {retail, agriculture}
        assert profile.expertise == "Agronomy"
    assert actions(app)[-1] == "reviews.set_profile"


def test_a_reviewer_without_profile_gets_one(app, client, staff, make_user):
    reviewer = make_user("reviewer")
    assert 'value="20"' in client.get(f"/staff/reviewers/{reviewer.id}").get_data(as_text=True)
    assert client.post(f"/staff/reviewers/{reviewer.id}", data={"load_cap": "0"}).status_code == 302
    with app.app_context():
        assert db.session.get(ReviewerProfile, reviewer.id).load_cap == 0


@pytest.mark.parametrize("data, field, message", [
    ({"load_cap": ""}, "load_cap", "Enter a whole number from 0 to 500."),
    ({"load_cap": "-1"}, "load_cap", "Enter a whole number from 0 to 500."),
    ({"load_cap": "abc"}, "load_cap", "Enter a whole number from 0 to 500."),
    ({"load_cap": "99999999999999999999999"}, "load_cap", "Enter a whole number from 0 to 500."),
    ({"load_cap": "3", "sectors": "999999"}, "sectors", None),
    ({"load_cap": "3", "expertise": "x" * 2001}, "expertise", None),
])
def test_profile_errors_are_shown_beside_the_fields(app, client, staff, make_user, data, field, message):
    reviewer = make_reviewer(app, make_user, cap=9)
    response = client.post(f"/staff/reviewers/{reviewer.id}", data=data)
    assert response.status_code == 200
    error = error_beside(response, field)
    assert error and (message is None or error == message)
    with app.app_context():
        assert db.session.get(ReviewerProfile, reviewer.id).load_cap == 9


def test_the_typed_cap_is_kept_on_error(app, client, staff, make_user):
    reviewer = make_reviewer(app, make_user)
    response = client.post(f"/staff/reviewers/{reviewer.id}", data={"load_cap": "-4", "expertise": "Finance"})
    assert 'value="-4"' in response.get_data(as_text=True) and "Finance" in response.get_data(as_text=True)


def test_only_reviewers_have_a_profile_page(app, client, staff, make_user):
    applicant = make_user("applicant")
    assert client.get(f"/staff/reviewers/{applicant.id}").status_code == 404
    assert client.post(f"/staff/reviewers/{applicant.id}", data={"load_cap": "3"}).status_code == 404
    assert client.get("/staff/reviewers/999999").status_code == 404


# --- the assignment page -----------------------------------------------------------------------------

def test_assignment_page_shows_counts_capacity_and_a_feasible_preview(app, client, staff, call_with_pool):
    call_id, applications, reviewers = call_with_pool
    response = client.get(f"/staff/calls/{call_id}/reviewers")
    assert response.status_code == 200
    page = text(response)
    assert re.search(r'id="reviewable-count">4<', page)
    assert re.search(r'id="reviewers-per-application">3<', page)
    assert "3 × 4 = 12" in page
    assert re.search(r'id="total-capacity">12\b', page)
    assert "The plan is complete: 12 new assignments." in page
    assert 'name="seed"' in page and f'value="{call_id}"' in page  # the seed defaults to the call id
    for reference in references(app, applications):
        assert reference in page
    assert reviews_of(app, call_id) == []  # the preview writes nothing


def test_preview_names_the_applications_that_cannot_be_covered(app, client, staff, make_user):
    call_id = closed_call(app)
    applications = [make_application(app, make_user("applicant").id, call_id, submit=True) for _ in range(2)]
    reviewers = [make_reviewer(app, make_user, cap=5) for _ in range(3)]
    with app.app_context():
        db.session.add(Conflict(reviewer_id=reviewers[0].id, application_id=applications[1],
                                kind=ConflictKind.FAMILY, reason="cousin"))
        db.session.commit()
    page = text(client.get(f"/staff/calls/{call_id}/reviewers"))
    blocked = references(app, [applications[1]])[0]
    assert "The plan cannot cover every application:" in page
    assert (f"{blocked} needs 3 reviewers but only 2 are free of conflict and have room. "
            f"Of the others: 1 declared a conflict.") in page
    assert references(app, [applications[0]])[0] + " needs" not in page


def test_preview_flags_a_shared_email_domain(app, client, staff, make_user):
    call_id = closed_call(app)
    applicant = make_user("applicant", email="owner@bakery-co.sy")
    application = make_application(app, applicant.id, call_id, submit=True)
    colleague = make_reviewer(app, make_user, email="partner@bakery-co.sy", name="Colleague Reviewer")
    for _ in range(3):
        make_reviewer(app, make_user)
    page = text(client.get(f"/staff/calls/{call_id}/reviewers"))
    reference = references(app, [application])[0]
    assert (f"Colleague Reviewer and the applicant of {reference} share the email domain bakery-co.sy") in page
    assert "The plan is complete: 3 new assignments." in page
    client.post(f"/staff/calls/{call_id}/reviewers/auto", data={"seed": "1"})
    assert colleague.id not in {r for _a, r in reviews_of(app, call_id)}


def test_capacity_shortage_is_explained(app, client, staff, make_user):
    call_id = closed_call(app)
    for _ in range(3):
        make_application(app, make_user("applicant").id, call_id, submit=True)
    for _ in range(3):
        make_reviewer(app, make_user, cap=2)
    page = text(client.get(f"/staff/calls/{call_id}/reviewers"))
    assert "Reviewers can take 6 more reviews, but 9 are needed: short by 3." in page
    assert "Short by 3" in page  # beside the total capacity


@pytest.mark.parametrize("status", [CallStatus.DRAFT, CallStatus.OPEN, CallStatus.DECIDED])
def test_assignment_only_for_closed_or_reviewing_calls(app, client, staff, make_user, status):
    call_id = make_call(app, status=status)
    make_reviewer(app, make_user)
    response = client.get(f"/staff/calls/{call_id}/reviewers")
    assert response.status_code == 200
    page = text(response)
    assert "Reviewers can be assigned and due dates changed only while the call is closed or under review." in page
    assert "Assign automatically" not in page and "Add the reviewer" not in page


def test_assignment_page_of_a_missing_call_is_404(client, staff):
    assert client.get("/staff/calls/999999/reviewers").status_code == 404


def test_assignment_page_shows_assignments_and_loads(app, client, staff, call_with_pool):
    call_id, applications, reviewers = call_with_pool
    due = utcnow() + timedelta(days=2)
    submitted = make_review(app, applications[0], reviewers[0].id, values=[3, 3, 3])
    draft = make_review(app, applications[0], reviewers[1].id, values=[4], submit=False)
    with app.app_context():
        db.session.execute(update(Review).where(Review.id == draft).values(due_at=due))
        db.session.commit()
    page = text(client.get(f"/staff/calls/{call_id}/reviewers"))
    row = re.search(rf'<tr id="application-{applications[0]}">(.*?)</tr>', page, re.S).group(1)
    assert "Reviewer 0" in row and "Reviewer 1" in row and "2 of 3" in row and "Missing" in row
    assert "Submitted" in row and "In progress" in row
    assert f"/staff/reviews/{draft}/remove" in row and f"/staff/reviews/{submitted}/remove" not in row
    with app.test_request_context():
        from grants.formatting import to_program_time
        assert f'value="{to_program_time(due).strftime("%Y-%m-%dT%H:%M")}"' in row
    load = re.search(rf'<tr id="load-{reviewers[0].id}">(.*?)</tr>', page, re.S).group(1)
    assert '<td class="load">1' in load
    # With two kept, the plan adds 10 and shows each reviewer's total afterwards.
    assert "The plan is complete: 10 new assignments." in page
    planned = [int(n) for n in re.findall(r'<td class="planned-load">(\d+)</td>', page)]
    assert sorted(planned) == [3, 3, 3, 3]


def test_who_is_late(app, client, staff, call_with_pool):
    call_id, applications, reviewers = call_with_pool
    late_one = [make_review(app, a, reviewers[0].id, submit=False) for a in applications[:2]]
    on_time = make_review(app, applications[0], reviewers[1].id, submit=False)
    make_review(app, applications[1], reviewers[2].id, values=[3, 3, 3])  # submitted: never late
    with app.app_context():
        db.session.execute(update(Review).where(Review.id.in_(late_one)).values(due_at=utcnow() - timedelta(days=1)))
        db.session.execute(update(Review).where(Review.id == on_time).values(due_at=utcnow() + timedelta(days=1)))
        db.session.commit()
    page = text(client.get(f"/staff/calls/{call_id}/reviewers"))
    late = re.search(r'<section id="late">(.*?)</section>', page, re.S).group(1)
    rows = re.findall(r'<tr class="late-row"><td>(.*?)</td><td>(\d+)</td>\s*<td>(\d+)', late)
    assert rows == [("Reviewer 0", "2", "2"), ("Reviewer 1", "1", "0")]


def test_assignment_page_query_count_does_not_grow_with_applications(app, client, staff, make_user):
    def build(code, n):
        call_id = closed_call(app, code=code)
        applications = [make_application(app, make_user("applicant").id, call_id, submit=True, documents=False)
                        for _ in range(n)]
        return call_id, applications

    small, small_apps = build("QC5", 5)
    large, large_apps = build("QC30", 30)
    reviewers = [make_reviewer(app, make_user, cap=60, sectors=("retail",)) for _ in range(4)]
    for applications in (small_apps, large_apps):
        for index, application in enumerate(applications):
            make_review(app, application, reviewers[index % 4].id, submit=index % 2 == 0, values=[3, 3, 3])
    with app.app_context():
        db.session.execute(update(Review).where(Review.status != ReviewStatus.SUBMITTED)
                           .values(due_at=utcnow() - timedelta(hours=1)))
        db.session.commit()

    def count(call_id):
        with counting_statements(app) as statements:
            response = client.get(f"/staff/calls/{call_id}/reviewers")
        assert response.status_code == 200 and "The plan is complete" in response.get_data(as_text=True)
        return len(statements)

    count(small)  # warm-up: caches that are filled once per process do not count
    assert count(small) == count(large)


# --- automatic assignment ----------------------------------------------------------------------------

def test_assign_automatically_gives_k_distinct_reviewers_within_caps(app, client, staff, call_with_pool):
    call_id, applications, reviewers = call_with_pool
    response = client.post(f"/staff/calls/{call_id}/reviewers/auto", data={"seed": "7"}, follow_redirects=True)
    assert "12 new assignments made." in flashes(response)
    pairs = reviews_of(app, call_id)
    assert len(pairs) == len(set(pairs)) == 12
    for application in applications:
        assert len({r for a, r in pairs if a == application}) == 3
    loads = [sum(1 for _a, r in pairs if r == reviewer.id) for reviewer in reviewers]
    assert max(loads) <= 3 and max(loads) - min(loads) <= 1
    assert "reviews.assign_automatically" in actions(app)
    with app.app_context():
        details = db.session.scalar(select(AuditEntry.details).where(
            AuditEntry.action == "reviews.assign_automatically"))
        assert details["seed"] == "7"
    again = client.post(f"/staff/calls/{call_id}/reviewers/auto", data={"seed": "7"}, follow_redirects=True)
    assert "Every application already has its reviewers: nothing to assign." in flashes(again)
    assert reviews_of(app, call_id) == pairs


def test_assign_automatically_uses_the_call_default_due_date(app, client, staff, call_with_pool):
    call_id, applications, reviewers = call_with_pool
    due = (utcnow() + timedelta(days=10)).replace(microsecond=0)
    with app.app_context():
        db.session.get(Call, call_id).review_due_at = due
        db.session.commit()
    client.post(f"/staff/calls/{call_id}/reviewers/auto", data={"seed": "1"})
    with app.app_context():
        assert set(db.session.scalars(select(Review.due_at).where(Review.call_id == call_id))) == {due}


def test_an_infeasible_plan_writes_nothing_and_names_the_problems(app, client, staff, make_user):
    call_id = closed_call(app)
    applications = [make_application(app, make_user("applicant").id, call_id, submit=True) for _ in range(3)]
    reviewers = [make_reviewer(app, make_user, cap=5) for _ in range(3)]
    with app.app_context():
        db.session.add(Conflict(reviewer_id=reviewers[2].id, application_id=applications[2],
                                kind=ConflictKind.EMPLOYER, reason="works for them"))
        db.session.commit()
    response = client.post(f"/staff/calls/{call_id}/reviewers/auto", data={"seed": "3"})
    assert response.status_code == 200
    page = text(response)
    assert "Nothing was assigned: the plan does not cover every application." in page
    blocked = references(app, [applications[2]])[0]
    assert f"{blocked} needs 3 reviewers but only 2 are free of conflict" in page
    assert reviews_of(app, call_id) == []
    assert "reviews.assign_automatically" not in actions(app)


@pytest.mark.parametrize("seed", ["", "abc", "-1", "99999999999999999999"])
def test_a_bad_seed_is_shown_beside_the_field(app, client, staff, call_with_pool, seed):
    call_id, _applications, _reviewers = call_with_pool
    response = client.post(f"/staff/calls/{call_id}/reviewers/auto", data={"seed": seed})
    assert response.status_code == 200 and error_beside(response, "seed")
    assert reviews_of(app, call_id) == []


def test_no_automatic_assignment_while_the_call_is_open(app, client, staff, make_user):
    call_id = make_call(app)
    make_application(app, make_user("applicant").id, call_id, submit=True)
    make_reviewer(app, make_user)
    response = client.post(f"/staff/calls/{call_id}/reviewers/auto", data={"seed": "1"}, follow_redirects=True)
    assert "only while the call is closed or under review" in flashes(response)
    assert reviews_of(app, call_id) == []


def test_the_same_seed_gives_the_same_plan(app, client, staff, call_with_pool):
    call_id, _applications, _reviewers = call_with_pool
    first = text(client.get(f"/staff/calls/{call_id}/reviewers?seed=5"))
    second = text(client.get(f"/staff/calls/{call_id}/reviewers?seed=5"))
    assert re.findall(r'planned-load">(\d+)<', first) == re.findall(r'planned-load">(\d+)<', second)
    assert client.get(f"/staff/calls/{call_id}/reviewers?seed=-3").status_code == 200
    assert client.get(f"/staff/calls/{call_id}/reviewers?seed=99999999999999999999").status_code == 200


# --- manual changes ----------------------------------------------------------------------------------

def test_add_a_reviewer_by_hand(app, client, staff, call_with_pool):
    call_id, applications, reviewers = call_with_pool
    page = text(client.get(f"/staff/calls/{call_id}/reviewers?application={applications[1]}"))
    assert re.search(rf'<option selected value="{applications[1]}">|<option value="{applications[1]}" selected>',
                     page)
    due = program_time(timedelta(days=5))
    response = client.post(f"/staff/calls/{call_id}/reviewers/add",
                           data={"application": applications[1], "reviewer": reviewers[2].id, "due_at": due})
    assert response.status_code == 302
    with app.app_context():
        review = db.session.scalar(select(Review).where(Review.call_id == call_id))
        assert (review.application_id, review.reviewer_id) == (applications[1], reviewers[2].id)
        assert review.due_at.astimezone(PROGRAM_TZ).strftime("%Y-%m-%dT%H:%M") == due
        assert review.assigned_by_id == staff.id
    assert actions(app)[-1] == "reviews.assign"


def test_adding_ignores_the_cap_but_not_conflicts(app, client, staff, make_user, call_with_pool):
    call_id, applications, reviewers = call_with_pool
    full = make_reviewer(app, make_user, cap=0)
    assert client.post(f"/staff/calls/{call_id}/reviewers/add",
                       data={"application": applications[0], "reviewer": full.id}).status_code == 302
    assert (applications[0], full.id) in reviews_of(app, call_id)


def test_add_refusals_are_shown_beside_the_reviewer(app, client, staff, make_user, call_with_pool):
    call_id, applications, reviewers = call_with_pool
    with app.app_context():
        db.session.add(Conflict(reviewer_id=reviewers[0].id, application_id=applications[0],
                                kind=ConflictKind.FAMILY, reason="brother"))
        db.session.commit()
    make_review(app, applications[1], reviewers[1].id, submit=False)
    url = f"/staff/calls/{call_id}/reviewers/add"
    conflict = client.post(url, data={"application": applications[0], "reviewer": reviewers[0].id})
    assert conflict.status_code == 200
    assert error_beside(conflict, "reviewer") == \
        "This reviewer declared a conflict of interest with this application."
    twice = client.post(url, data={"application": applications[1], "reviewer": reviewers[1].id})
    assert error_beside(twice, "reviewer") == "This reviewer is already assigned to this application."
    assert reviews_of(app, call_id) == [(applications[1], reviewers[1].id)]


def test_same_domain_and_own_application_are_refused(app, client, staff, make_user):
    call_id = closed_call(app)
    applicant = make_user("applicant", "reviewer", email="boss@bakery-co.sy")
    with app.app_context():
        db.session.add(ReviewerProfile(user_id=applicant.id, load_cap=5, expertise=""))
        db.session.commit()
    application = make_application(app, applicant.id, call_id, submit=True)
    colleague = make_reviewer(app, make_user, email="clerk@bakery-co.sy")
    url = f"/staff/calls/{call_id}/reviewers/add"
    own = client.post(url, data={"application": application, "reviewer": applicant.id})
    assert error_beside(own, "reviewer") == "Nobody reviews their own application."
    domain = client.post(url, data={"application": application, "reviewer": colleague.id})
    assert error_beside(domain, "reviewer") == "This reviewer's email domain is the applicant's: a likely conflict."
    assert reviews_of(app, call_id) == []


@pytest.mark.parametrize("data, field", [
    ({"application": ""}, "application"),
    ({"reviewer": ""}, "reviewer"),
    ({"application": "abc", "reviewer": "1"}, "application"),
    ({"application": "99999999999999999999999"}, "application"),
    ({"reviewer": "abc"}, "reviewer"),
    ({"reviewer": "99999999999999999999999"}, "reviewer"),
    ({"due_at": "yesterday"}, "due_at"),
    ({"due_at": "2020-01-01T10:00"}, "due_at"),
    ({"due_at": "0001-01-01T00:00"}, "due_at"),
])
def test_add_form_errors_are_shown_beside_the_fields(app, client, staff, call_with_pool, data, field):
    call_id, applications, reviewers = call_with_pool
    values = {"application": applications[0], "reviewer": reviewers[0].id, **data}
    response = client.post(f"/staff/calls/{call_id}/reviewers/add", data=values)
    assert response.status_code == 200 and error_beside(response, {"due_at": "assignment_due_at"}.get(field, field))
    assert reviews_of(app, call_id) == []


def test_only_this_calls_applications_and_active_reviewers_can_be_added(app, client, staff, make_user,
                                                                       call_with_pool):
    call_id, applications, reviewers = call_with_pool
    other_call = closed_call(app, code="OTHER1")
    elsewhere = make_application(app, make_user("applicant").id, other_call, submit=True)
    withdrawn = make_application(app, make_user("applicant").id, call_id, submit=True)
    with app.app_context():
        db.session.execute(update(Application).where(Application.id == withdrawn)
                           .values(status="withdrawn", withdrawn_at=utcnow()))
        db.session.commit()
    inactive = make_reviewer(app, make_user, active=False)
    applicant = make_user("applicant")
    url = f"/staff/calls/{call_id}/reviewers/add"
    for application in (elsewhere, withdrawn):
        response = client.post(url, data={"application": application, "reviewer": reviewers[0].id})
        assert error_beside(response, "application") == "Choose an application from the list."
    for person in (inactive, applicant):
        response = client.post(url, data={"application": applications[0], "reviewer": person.id})
        assert error_beside(response, "reviewer") == "Choose a reviewer from the list."
    assert reviews_of(app, call_id) == reviews_of(app, other_call) == []


def test_remove_an_unfinished_assignment(app, client, staff, call_with_pool):
    call_id, applications, reviewers = call_with_pool
    review = make_review(app, applications[0], reviewers[0].id, values=[2], submit=False)
    response = client.post(f"/staff/reviews/{review}/remove", follow_redirects=True)
    assert "no longer reviews" in flashes(response)
    assert reviews_of(app, call_id) == []
    assert actions(app)[-1] == "reviews.unassign"


def test_a_submitted_review_is_never_removed(app, client, staff, call_with_pool):
    call_id, applications, reviewers = call_with_pool
    review = make_review(app, applications[0], reviewers[0].id, values=[3, 3, 3])
    response = client.post(f"/staff/reviews/{review}/remove", follow_redirects=True)
    assert "A submitted review is never removed." in flashes(response)
    assert reviews_of(app, call_id) == [(applications[0], reviewers[0].id)]


def test_remove_refused_once_the_call_is_decided(app, client, staff, call_with_pool):
    call_id, applications, reviewers = call_with_pool
    review = make_review(app, applications[0], reviewers[0].id, submit=False)
    with app.app_context():
        db.session.get(Call, call_id).status = CallStatus.DECIDED
        db.session.commit()
    response = client.post(f"/staff/reviews/{review}/remove", follow_redirects=True)
    assert "only while the call is closed or under review" in flashes(response)
    assert reviews_of(app, call_id) == [(applications[0], reviewers[0].id)]


def test_actions_on_a_missing_review_are_404(client, staff):
    assert client.post("/staff/reviews/999999/remove").status_code == 404
    assert client.post("/staff/reviews/999999/due", data={"due_at": program_time(timedelta(days=1))}).status_code == 404


@pytest.mark.parametrize("method, url", [
    ("GET", "/staff/reviewers/{huge}"),
    ("GET", "/staff/calls/{huge}/reviewers"),
    ("POST", "/staff/calls/{huge}/reviewers/auto"),
    ("POST", "/staff/calls/{huge}/reviewers/add"),
    ("POST", "/staff/calls/{huge}/reviewers/due"),
    ("POST", "/staff/reviews/{huge}/remove"),
    ("POST", "/staff/reviews/{huge}/due"),
])
def test_huge_ids_are_404_not_500(client, staff, method, url):
    assert client.open(url.format(huge=10**20), method=method).status_code == 404


# --- due dates ---------------------------------------------------------------------------------------

def test_set_the_due_date_of_every_unfinished_review(app, client, staff, call_with_pool):
    call_id, applications, reviewers = call_with_pool
    unfinished = [make_review(app, applications[0], reviewers[0].id, submit=False),
                  make_review(app, applications[1], reviewers[1].id, values=[4], submit=False)]
    done = make_review(app, applications[2], reviewers[2].id, values=[3, 3, 3])
    typed = program_time(timedelta(days=6))
    response = client.post(f"/staff/calls/{call_id}/reviewers/due", data={"due_at": typed, "as_default": "y"},
                           follow_redirects=True)
    assert "The due date of 2 unfinished reviews is set." in flashes(response)
    expected = datetime.strptime(typed, "%Y-%m-%dT%H:%M").replace(tzinfo=PROGRAM_TZ)
    with app.app_context():
        assert all(db.session.get(Review, r).due_at == expected for r in unfinished)
        assert db.session.get(Review, done).due_at is None
        assert db.session.get(Call, call_id).review_due_at == expected
    assert {"reviews.set_default_due_date", "reviews.set_due_date"} <= set(actions(app))
    # The form shows the default due date back in program time.
    assert f'value="{typed}"' in client.get(f"/staff/calls/{call_id}/reviewers").get_data(as_text=True)


def test_set_due_dates_without_changing_the_default(app, client, staff, call_with_pool):
    call_id, applications, reviewers = call_with_pool
    make_review(app, applications[0], reviewers[0].id, submit=False)
    client.post(f"/staff/calls/{call_id}/reviewers/due", data={"due_at": program_time(timedelta(days=2))})
    with app.app_context():
        assert db.session.get(Call, call_id).review_due_at is None
        assert db.session.scalar(select(Review.due_at)) is not None


@pytest.mark.parametrize("value, message", [
    ("", "Enter the due date and time."),
    ("not a date", "Enter the due date and time."),
    ("2020-05-01T10:00", "Choose a due date in the future."),
    ("1900-05-01T10:00", "Enter a date between the years 2000 and 2100."),
])
def test_call_due_date_errors_beside_the_field(app, client, staff, call_with_pool, value, message):
    call_id, applications, reviewers = call_with_pool
    make_review(app, applications[0], reviewers[0].id, submit=False)
    response = client.post(f"/staff/calls/{call_id}/reviewers/due", data={"due_at": value, "as_default": "y"})
    assert response.status_code == 200 and error_beside(response, "call_due_at") == message
    with app.app_context():
        assert db.session.scalar(select(Review.due_at)) is None


def test_due_dates_only_while_the_call_is_in_review(app, client, staff, make_user):
    call_id = make_call(app)
    response = client.post(f"/staff/calls/{call_id}/reviewers/due",
                           data={"due_at": program_time(timedelta(days=2))}, follow_redirects=True)
    assert "only while the call is closed or under review" in flashes(response)
    with app.app_context():
        assert db.session.get(Call, call_id).review_due_at is None


def test_set_the_due_date_of_one_review(app, client, staff, call_with_pool):
    call_id, applications, reviewers = call_with_pool
    review = make_review(app, applications[0], reviewers[0].id, submit=False)
    other = make_review(app, applications[1], reviewers[0].id, submit=False)
    typed = program_time(timedelta(days=1, hours=3))
    response = client.post(f"/staff/reviews/{review}/due", data={"due_at": typed}, follow_redirects=True)
    assert "is set" in flashes(response)
    with app.app_context():
        assert db.session.get(Review, review).due_at == \
            datetime.strptime(typed, "%Y-%m-%dT%H:%M").replace(tzinfo=PROGRAM_TZ)
        assert db.session.get(Review, other).due_at is None


def test_one_review_due_date_error_is_shown_beside_its_input(app, client, staff, call_with_pool):
    call_id, applications, reviewers = call_with_pool
    review = make_review(app, applications[0], reviewers[0].id, submit=False)
    response = client.post(f"/staff/reviews/{review}/due", data={"due_at": "2019-01-01T08:00"})
    assert response.status_code == 200
    assert error_beside(response, f"due-{review}") == "Choose a due date in the future."
    assert 'value="2019-01-01T08:00"' in response.get_data(as_text=True)  # what was typed stays
    with app.app_context():
        assert db.session.get(Review, review).due_at is None


def test_a_submitted_review_keeps_its_due_date(app, client, staff, call_with_pool):
    call_id, applications, reviewers = call_with_pool
    review = make_review(app, applications[0], reviewers[0].id, values=[3, 3, 3])
    response = client.post(f"/staff/reviews/{review}/due", data={"due_at": program_time(timedelta(days=1))},
                           follow_redirects=True)
    assert "This review is submitted" in flashes(response)
    with app.app_context():
        assert db.session.get(Review, review).due_at is None


def test_reviewers_and_applicants_cannot_use_the_assignment_pages(app, client, auth, make_user, call_with_pool):
    call_id, applications, reviewers = call_with_pool
    review = make_review(app, applications[0], reviewers[0].id, submit=False)
    auth.login(reviewers[1])
    assert client.get(f"/staff/calls/{call_id}/reviewers").status_code == 403
    assert client.post(f"/staff/calls/{call_id}/reviewers/auto", data={"seed": "1"}).status_code == 403
    assert client.post(f"/staff/reviews/{review}/remove").status_code == 403
    assert client.get("/staff/reviewers").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Review)) == 1


def test_a_concurrent_assignment_is_reported_not_a_500(app, client, staff, call_with_pool, monkeypatch):
    """Another officer assigned the same pair between the plan and the commit: the unique constraint wins."""
    from grants.reviews import assignment as planner
    from grants.reviews import services

    call_id, applications, reviewers = call_with_pool
    make_review(app, applications[0], reviewers[0].id, submit=False)
    stale = planner.AssignmentResult(True, [], [(reviewers[0].id, applications[0])], {}, [], "flow")
    monkeypatch.setattr(services, "plan_assignment", lambda call, seed=0: stale)
    response = client.post(f"/staff/calls/{call_id}/reviewers/auto", data={"seed": "1"}, follow_redirects=True)
    assert response.status_code == 200
    assert "changed by someone else at the same time" in flashes(response)
    assert reviews_of(app, call_id) == [(applications[0], reviewers[0].id)]
