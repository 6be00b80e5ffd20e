"""The reviewer's pages: queue and progress, the application as a reviewer sees it (blind or not),
the scoring form and its rules, history, conflicts, other reviewers' scores, concurrency."""
import re
from datetime import timedelta
from functools import partial

import pytest
from flask import url_for
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import (
    Application, Call, CallStatus, Comment, Conflict, Disability, Review, ReviewRevision, ReviewStatus, User, utcnow,
)
from grants.reviews import services

from ..fixtures.program import make_application, make_call
from ..fixtures.races import at_once_when_ready
from ..fixtures.reviews import make_review, make_reviewer
from ..fixtures.routes import counting_statements

PAST = dict(status=CallStatus.CLOSED, opens_in=timedelta(days=-30), closes_in=timedelta(days=-1))
EN = {"Accept-Language": "en"}

FULL_NAME_AR = "أحمد عبد الرحمن الخلف"
FULL_NAME_LATIN = "Ahmad Abdulrahman Al-Khalaf"
PHONE = "963944111222"
NATIONAL_ID = "08011234567"
PLACE_EN = "Al-Busayrah"
IDENTITY_LABELS = ("<dt>Full name</dt>", "<dt>Phone</dt>", "<dt>National ID</dt>", "<dt>Gender</dt>",
                   "<dt>Age at the closing date</dt>", "<dt>Place</dt>", "<dt>Email</dt>")


def closed_call(app, code="DZ26R", **fields) -> int:
    return make_call(app, code=code, **PAST, **fields)


def criteria_of(app, call_id) -> list[int]:
    with app.app_context():
        return [c.id for c in db.session.get(Call, call_id).criteria]


def set_call(app, call_id, **fields):
    with app.app_context():
        call = db.session.get(Call, call_id)
        for key, value in fields.items():
            setattr(call, key, value)
        db.session.commit()


def review_row(app, review_id):
    with app.app_context():
        review = db.session.get(Review, review_id)
        if review is None:
            return None
        return {"status": review.status, "scores": {s.criterion_id: (s.value, s.comment) for s in review.scores},
                "recommendation": review.recommendation, "overall_comment": review.overall_comment}


@pytest.fixture
def setup(app, make_user):
    """A closed call, one submitted application, and a reviewer (English pages) assigned to it."""
    call_id = closed_call(app)
    applicant = make_user("applicant", email="ahmad@example.org")
    application_id = make_application(app, applicant.id, call_id, submit=True, disability=Disability.YES)
    reviewer = make_reviewer(app, make_user, locale="en")
    review_id = make_review(app, application_id, reviewer.id, submit=False)
    return {"call": call_id, "application": application_id, "applicant": applicant, "reviewer": reviewer,
            "review": review_id, "criteria": criteria_of(app, call_id)}


def scores_form(criteria, values, comments=None, action="draft", **extra):
    data = {"action": action, **extra}
    for index, (criterion_id, value) in enumerate(zip(criteria, values, strict=True)):
        if value is not None:
            data[f"score_{criterion_id}"] = str(value)
        data[f"comment_{criterion_id}"] = (comments or {}).get(index, "")
    return data


def checked(html: str, name: str, value: str) -> bool:
    """Whether the page has the radio button name=value checked."""
    for tag in re.findall(r"<input\b[^>]*>", html):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return bool(re.search(r"\schecked\b", tag))
    return False


def error_beside(html: str, field: str) -> str:
    """The error text shown for a field (the element with id <field>-error), or ''."""
    match = re.search(rf'id="{field}-error"[^>]*>(.*?)</p>', html, re.S)
    return match.group(1).strip() if match else ""


# --- the reviewer's home ----------------------------------------------------------------------------

def test_home_lists_only_my_assignments_grouped_by_call_with_progress(app, client, auth, make_user):
    first_call = closed_call(app, code="DZ26R")
    blind_call = closed_call(app, code="DZ26S", blind_review=True)
    me = make_reviewer(app, make_user, locale="en")
    someone_else = make_reviewer(app, make_user)
    mine = [make_application(app, make_user("applicant").id, first_call, submit=True,
                             business_name=f"Bakery {n}") for n in range(3)]
    not_mine = make_application(app, make_user("applicant").id, first_call, submit=True, business_name="Not my shop")
    blind = make_application(app, make_user("applicant").id, blind_call, submit=True, business_name="Blind workshop")
    make_review(app, mine[0], me.id, [3, 3, 3])
    late = make_review(app, mine[1], me.id, submit=False)
    make_review(app, mine[2], me.id, [4, None, None], submit=False)
    make_review(app, not_mine, someone_else.id, submit=False)
    make_review(app, blind, me.id, submit=False)
    with app.app_context():
        db.session.get(Review, late).due_at = utcnow() - timedelta(days=2)
        references = {a.id: a.reference for a in db.session.scalars(select(Application))}
        db.session.commit()

    auth.login(me)
    # The queue opens on what is still to do; "All" shows the submitted review too (tests/reviews/test_queue_pages.py
    # checks the filters and pages themselves).
    todo = client.get("/reviews").get_data(as_text=True)
    assert references[mine[0]] not in todo and all(references[a] in todo for a in mine[1:] + [blind])
    html = client.get("/reviews?show=all").get_data(as_text=True)
    for application_id in mine + [blind]:
        assert references[application_id] in html
    assert references[not_mine] not in html and "Not my shop" not in html
    assert "1 of 4 done" in html          # overall
    assert "1 of 3 done" in html          # the first call
    assert "0 of 1 done" in html          # the blind call
    assert "Not started" in html and "In progress" in html and "Submitted" in html
    assert html.count("Overdue") == 1 and 'class="review-row overdue"' in html
    assert "Blind workshop" in html and FULL_NAME_AR not in html and FULL_NAME_LATIN not in html
    assert "Retail" in html or "retail" in html.lower()  # the sector


def test_home_runs_a_fixed_number_of_queries(app, client, auth, make_user):
    call_id = closed_call(app)
    me = make_reviewer(app, make_user, locale="en")
    auth.login(me)

    def queries_for_home():
        with counting_statements(app) as statements:
            assert client.get("/reviews").status_code == 200
        return len(statements)

    make_review(app, make_application(app, make_user("applicant").id, call_id, submit=True), me.id, submit=False)
    with_one = queries_for_home()
    for _ in range(4):
        make_review(app, make_application(app, make_user("applicant").id, call_id, submit=True), me.id, [3, 3, 3])
    assert queries_for_home() == with_one


# --- the scoring form --------------------------------------------------------------------------------

def test_scoring_form_shows_the_rubric_with_anchors_guidance_and_not_applicable(app, client, auth, setup):
    first, second, third = setup["criteria"]
    with app.app_context():
        call = db.session.get(Call, setup["call"])
        call.criteria[0].anchors = {"1": {"ar": "لا توجد خطة", "en": "No plan at all"},
                                    "5": {"ar": "خطة مجربة", "en": "A tested, costed plan"}}
        call.criteria[0].guidance_en = "Can the business cover its costs within a year?"
        call.criteria[2].allows_not_applicable = True
        call.criteria[1].max_score = 7
        db.session.commit()
    auth.login(setup["reviewer"])
    response = client.get(f"/reviews/{setup['review']}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Feasibility" in html and "Community impact" in html and "Applicant experience" in html
    assert "No plan at all" in html and "A tested, costed plan" in html
    assert "Can the business cover its costs within a year?" in html
    for level in range(1, 6):
        assert f'name="score_{first}" value="{level}"' in html
    assert f'name="score_{first}" value="6"' not in html
    assert f'name="score_{second}" value="7"' in html  # each criterion on its own scale
    assert f'name="score_{third}" value="na"' in html and f'name="score_{first}" value="na"' not in html
    assert f'name="comment_{first}"' in html and 'name="overall_comment"' in html
    assert "Required when you give the lowest (1) or the highest (5) score." in html
    for value in ("fund", "fund_with_changes", "do_not_fund"):
        assert f'value="{value}"' in html
    assert "Save draft" in html and 'value="submit"' in html
    with app.test_request_context():
        assert url_for("reviews.application", review_id=setup["review"]) in html


def test_the_scoring_form_in_arabic_uses_the_arabic_anchor(app, client, auth, make_user, setup):
    with app.app_context():
        db.session.get(Call, setup["call"]).criteria[0].anchors = {"2": {"ar": "ضعيف", "en": "Weak"}}
        db.session.get(User, setup["reviewer"].id).locale = "ar"
        db.session.commit()
    auth.login(setup["reviewer"])
    html = client.get(f"/reviews/{setup['review']}").get_data(as_text=True)
    assert "ضعيف" in html and "Weak" not in html


def test_a_draft_keeps_what_was_saved(app, client, auth, setup):
    first, second, third = setup["criteria"]
    auth.login(setup["reviewer"])
    response = client.post(f"/reviews/{setup['review']}", data=scores_form(
        setup["criteria"], [3, None, 1], {0: "Needs a clearer plan"}, overall_comment="Promising",
        recommendation="fund_with_changes"))
    assert response.status_code == 302
    row = review_row(app, setup["review"])
    assert row["status"] == ReviewStatus.DRAFT
    assert row["scores"] == {first: (3, "Needs a clearer plan"), third: (1, "")}  # 1 without a comment: a draft
    assert row["overall_comment"] == "Promising" and row["recommendation"] == "fund_with_changes"
    html = client.get(f"/reviews/{setup['review']}").get_data(as_text=True)
    assert checked(html, f"score_{first}", "3")
    assert checked(html, f"score_{third}", "1")
    assert not any(checked(html, f"score_{second}", str(level)) for level in range(1, 6))
    assert "Needs a clearer plan" in html and "Promising" in html
    assert checked(html, "recommendation", "fund_with_changes")
    assert "In progress" in html


def test_submitting_with_missing_and_invalid_values_shows_errors_beside_fields_and_keeps_the_input(
        app, client, auth, setup):
    first, second, third = setup["criteria"]
    auth.login(setup["reviewer"])
    response = client.post(f"/reviews/{setup['review']}", data={
        "action": "submit", f"score_{first}": "5", f"comment_{first}": "",
        f"score_{second}": "99", f"comment_{second}": "Typed before the error",
        f"comment_{third}": "", "overall_comment": "My overall view", "recommendation": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Please correct the fields marked below." in html
    assert error_beside(html, f"comment_{first}") == "Explain the lowest or highest score in a comment."
    assert error_beside(html, f"score_{second}") == "Choose a score from 1 to 5."
    assert error_beside(html, f"score_{third}") == "Give a score."
    assert error_beside(html, "recommendation") == "Choose a recommendation."
    assert checked(html, f"score_{first}", "5")
    assert "Typed before the error" in html and "My overall view" in html
    row = review_row(app, setup["review"])
    assert row["status"] == ReviewStatus.ASSIGNED and row["scores"] == {}


@pytest.mark.parametrize("value", ["abc", "3.5", "99999999999999999999999999", "-1", "na"])
def test_malformed_scores_are_form_errors_not_crashes(app, client, auth, setup, value):
    first = setup["criteria"][0]
    auth.login(setup["reviewer"])
    response = client.post(f"/reviews/{setup['review']}", data={"action": "submit", f"score_{first}": value,
                                                               "recommendation": "maybe"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_beside(html, f"score_{first}") and error_beside(html, "recommendation")
    assert review_row(app, setup["review"])["status"] == ReviewStatus.ASSIGNED


def test_lowest_and_highest_scores_need_a_comment_middle_ones_do_not(app, client, auth, setup):
    first, second, third = setup["criteria"]
    auth.login(setup["reviewer"])
    url = f"/reviews/{setup['review']}"
    html = client.post(url, data=scores_form(setup["criteria"], [1, 3, 5], action="submit",
                                             recommendation="do_not_fund")).get_data(as_text=True)
    assert error_beside(html, f"comment_{first}") and error_beside(html, f"comment_{third}")
    assert not error_beside(html, f"comment_{second}")
    response = client.post(url, data=scores_form(setup["criteria"], [1, 3, 5], {0: "No market", 2: "Years of work"},
                                                 action="submit", recommendation="do_not_fund"))
    assert response.status_code == 302 and response.location.endswith("/reviews")
    row = review_row(app, setup["review"])
    assert row["status"] == ReviewStatus.SUBMITTED
    assert row["scores"][first] == (1, "No market") and row["scores"][second] == (3, "")


def test_not_applicable_only_where_the_criterion_allows_it(app, client, auth, setup):
    first, second, third = setup["criteria"]
    with app.app_context():
        db.session.get(Call, setup["call"]).criteria[2].allows_not_applicable = True
        db.session.commit()
    auth.login(setup["reviewer"])
    response = client.post(f"/reviews/{setup['review']}", data=scores_form(
        setup["criteria"], [3, 3, "na"], action="submit", recommendation="fund"))
    assert response.status_code == 302
    assert review_row(app, setup["review"])["scores"][third] == (None, "")
    html = client.get(f"/reviews/{setup['review']}").get_data(as_text=True)
    assert checked(html, f"score_{third}", "na")


def test_editing_a_submitted_review_keeps_its_history(app, client, auth, make_user, setup):
    first, second, third = setup["criteria"]
    with app.app_context():
        db.session.delete(db.session.get(Review, setup["review"]))
        db.session.commit()
    review_id = make_review(app, setup["application"], setup["reviewer"].id, [3, 3, 3])
    auth.login(setup["reviewer"])
    html = client.get(f"/reviews/{review_id}").get_data(as_text=True)
    assert "Save changes" in html and "Save draft" not in html
    response = client.post(f"/reviews/{review_id}", data=scores_form(
        setup["criteria"], [4, 2, 3], action="submit", recommendation="fund_with_changes"))
    assert response.status_code == 302
    with app.app_context():
        [revision] = db.session.scalars(select(ReviewRevision)).all()
        assert revision.review_id == review_id and revision.snapshot["scores"][str(first)]["value"] == 3
        assert db.session.get(Review, review_id).status == ReviewStatus.SUBMITTED
    html = client.get(f"/reviews/{review_id}").get_data(as_text=True)
    assert "Earlier versions" in html and f"/reviews/{review_id}/history" in html
    history = client.get(f"/reviews/{review_id}/history")
    assert history.status_code == 200
    text = history.get_data(as_text=True)
    assert "Current version" in text and "Replaced on" in text and "Fund with changes" in text

    auth.logout()
    auth.login(make_user("staff", locale="en", name="Staff Member"))
    staff_view = client.get(f"/reviews/{review_id}/history").get_data(as_text=True)
    with app.app_context():
        reviewer_name = db.session.get(User, setup["reviewer"].id).full_name
    assert "Replaced on" in staff_view and reviewer_name in staff_view


def test_a_review_is_frozen_once_the_call_is_decided(app, client, auth, setup):
    auth.login(setup["reviewer"])
    client.post(f"/reviews/{setup['review']}", data=scores_form(setup["criteria"], [3, 3, 3], action="draft"))
    set_call(app, setup["call"], status=CallStatus.DECIDED)
    before = review_row(app, setup["review"])
    html = client.get(f"/reviews/{setup['review']}").get_data(as_text=True)
    assert "The review phase of this call is over: this review can no longer be changed." in html
    assert 'name="action"' not in html
    response = client.post(f"/reviews/{setup['review']}", data=scores_form(
        setup["criteria"], [5, 5, 5], {0: "a", 1: "b", 2: "c"}, action="submit", recommendation="fund"),
        follow_redirects=True)
    assert "this review can no longer be changed" in response.get_data(as_text=True)
    assert review_row(app, setup["review"]) == before
    conflict = client.post(f"/reviews/{setup['review']}/conflict", data={"kind": "family", "reason": "cousin"})
    assert conflict.status_code == 302 and review_row(app, setup["review"]) == before


# --- blind review -------------------------------------------------------------------------------------

def _identity_absent(html: str, applicant_email: str) -> None:
    for secret in (FULL_NAME_AR, FULL_NAME_LATIN, PHONE, NATIONAL_ID, PLACE_EN, applicant_email, "Male"):
        assert secret not in html, secret
    for label in IDENTITY_LABELS:
        assert label not in html, label


def test_blind_review_hides_the_applicants_identity_and_files(app, client, auth, setup):
    set_call(app, setup["call"], blind_review=True)
    auth.login(setup["reviewer"])
    for url in (f"/reviews/{setup['review']}/application", f"/reviews/{setup['review']}", "/reviews"):
        response = client.get(url)
        assert response.status_code == 200
        _identity_absent(response.get_data(as_text=True), setup["applicant"].email)
    html = client.get(f"/reviews/{setup['review']}/application").get_data(as_text=True)
    assert "Disability" not in html
    assert "ورشة الخلف لتصليح الدراجات" in html       # the business is what is scored
    assert "2,000,000" in html                         # the budget total
    assert "هوية.pdf" not in html                      # not even the names of the files
    with app.app_context():
        document_ids = [d.id for d in db.session.get(Application, setup["application"]).documents]
    for document_id in document_ids:
        with app.test_request_context():
            url = url_for("applications.document", application_id=setup["application"], document_id=document_id)
        assert client.get(url).status_code == 404


def test_a_review_that_is_not_blind_shows_who_applied(app, client, auth, setup):
    auth.login(setup["reviewer"])
    html = client.get(f"/reviews/{setup['review']}/application").get_data(as_text=True)
    for shown in (FULL_NAME_AR, FULL_NAME_LATIN, PHONE, NATIONAL_ID, PLACE_EN, setup["applicant"].email, "Male"):
        assert shown in html, shown
    for label in IDENTITY_LABELS:
        assert label in html, label
    assert "Disability" not in html  # never shown to reviewers
    assert "هوية.pdf" in html
    with app.app_context():
        document_id = db.session.get(Application, setup["application"]).documents[0].id
    with app.test_request_context():
        url = url_for("applications.document", application_id=setup["application"], document_id=document_id)
    assert url in html
    assert client.get(url).status_code == 200


# --- who may open what -----------------------------------------------------------------------------------

def test_another_reviewer_gets_404_on_my_review(app, client, auth, make_user, setup):
    other = make_reviewer(app, make_user, locale="en")
    auth.login(other)
    base = f"/reviews/{setup['review']}"
    for url in (base, f"{base}/application", f"{base}/conflict", f"{base}/history"):
        assert client.get(url).status_code == 404, url
    assert client.post(base, data=scores_form(setup["criteria"], [3, 3, 3])).status_code == 404
    assert client.post(f"{base}/conflict", data={"kind": "family", "reason": "x"}).status_code == 404
    assert client.post(f"{base}/comments", data={"body": "hello"}).status_code == 404
    assert review_row(app, setup["review"])["status"] == ReviewStatus.ASSIGNED
    assert client.get("/reviews/999999").status_code == 404


def test_declaring_a_conflict_needs_a_reason_then_removes_the_application(app, client, auth, setup):
    auth.login(setup["reviewer"])
    url = f"/reviews/{setup['review']}/conflict"
    html = client.get(url).get_data(as_text=True)
    for kind in ("family", "business_partner", "employer", "other"):
        assert f'value="{kind}"' in html
    response = client.post(url, data={"kind": "employer", "reason": "   "})
    assert response.status_code == 200
    assert error_beside(response.get_data(as_text=True), "reason")
    response = client.post(url, data={"kind": "nonsense", "reason": "He is my boss"})
    assert response.status_code == 200 and error_beside(response.get_data(as_text=True), "kind")
    assert review_row(app, setup["review"]) is not None

    response = client.post(url, data={"kind": "employer", "reason": "He is my boss"})
    assert response.status_code == 302 and response.location.endswith("/reviews")
    home = client.get("/reviews").get_data(as_text=True)
    assert "Thank you for declaring the conflict of interest." in home
    with app.app_context():
        conflict = db.session.scalar(select(Conflict))
        assert (conflict.reviewer_id, conflict.application_id, conflict.kind.value, conflict.reason) == (
            setup["reviewer"].id, setup["application"], "employer", "He is my boss")
        assert db.session.get(Review, setup["review"]) is None
    for path in ("", "/application", "/conflict"):
        assert client.get(f"/reviews/{setup['review']}{path}").status_code == 404


# --- other reviewers' scores -----------------------------------------------------------------------------

@pytest.mark.parametrize("allowed", [True, False])
def test_others_scores_only_after_submitting_and_only_when_the_call_allows(app, client, auth, make_user, setup,
                                                                           allowed):
    set_call(app, setup["call"], reviewers_see_other_scores=allowed)
    others = [make_reviewer(app, make_user) for _ in range(2)]
    make_review(app, setup["application"], others[0].id, [5, 1, 4], comments={0: "x", 1: "y"})
    make_review(app, setup["application"], others[1].id, [2, 2, 2], recommendation="do_not_fund")
    auth.login(setup["reviewer"])
    url = f"/reviews/{setup['review']}"
    html = client.get(url).get_data(as_text=True)
    assert "Reviewer A" not in html and "Other reviewers’ scores" not in html
    client.post(url, data=scores_form(setup["criteria"], [3, 3, 3], action="draft", recommendation="fund"))
    assert "Reviewer A" not in client.get(url).get_data(as_text=True)  # a draft is not enough
    client.post(url, data=scores_form(setup["criteria"], [3, 3, 3], action="submit", recommendation="fund"))
    html = client.get(url).get_data(as_text=True)
    if allowed:
        assert "Reviewer A" in html and "Reviewer B" in html and "Reviewer C" not in html
        # weights 0.5, 0.3, 0.2 on 1-5: [5, 1, 4] -> 100 * (0.5 + 0 + 0.2 * 0.75) = 65; [2, 2, 2] -> 25
        assert "65 out of 100" in html and "25 out of 100" in html
        assert "Do not fund" in html
        with app.app_context():
            names = [db.session.get(User, o.id).full_name for o in others]
        assert not any(name in html for name in names)
    else:
        assert "Reviewer A" not in html and "Other reviewers’ scores" not in html


# --- internal comments -----------------------------------------------------------------------------------

@pytest.mark.parametrize("allowed", [True, False])
def test_reviewers_comment_only_where_the_call_allows(app, client, auth, setup, allowed):
    set_call(app, setup["call"], reviewers_may_comment=allowed)
    auth.login(setup["reviewer"])
    html = client.get(f"/reviews/{setup['review']}/application").get_data(as_text=True)
    assert ("Internal comments" in html) is allowed
    response = client.post(f"/reviews/{setup['review']}/comments", data={"body": "Please check the rent."})
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Comment))
    if allowed:
        assert response.status_code == 302 and count == 1
        assert "Please check the rent." in client.get(f"/reviews/{setup['review']}/application").get_data(as_text=True)
        empty = client.post(f"/reviews/{setup['review']}/comments", data={"body": "  "})
        assert empty.status_code == 200 and error_beside(empty.get_data(as_text=True), "body")
    else:
        assert response.status_code == 403 and count == 0


# --- at the same moment, on PostgreSQL -------------------------------------------------------------------

@pytest.mark.postgres_only
def test_two_reviewers_submitting_at_the_same_moment_both_land(app, make_user, setup):
    second = make_reviewer(app, make_user)
    reviews = [(setup["review"], setup["reviewer"].id),
               (make_review(app, setup["application"], second.id, submit=False), second.id)]

    def submit(review_id, reviewer_id, go):
        with app.app_context():
            review, reviewer = db.session.get(Review, review_id), db.session.get(User, reviewer_id)
            answers = {c.id: {"value": 3} for c in review.application.call.criteria}
            go()
            services.save_review(reviewer, review, answers=answers, recommendation="fund", submit=True)
            db.session.commit()

    at_once_when_ready(*(partial(submit, *pair) for pair in reviews))
    for review_id, _ in reviews:
        row = review_row(app, review_id)
        assert row["status"] == ReviewStatus.SUBMITTED and len(row["scores"]) == 3


def test_ids_too_large_for_the_database_are_404(app, client, auth, make_user):
    auth.login(make_reviewer(app, make_user))
    for url in ("/reviews/99999999999999999999999", "/reviews/9223372036854775808/application",
                "/reviews/9223372036854775807/conflict", "/reviews/2147483648/history"):
        assert client.get(url).status_code == 404, url
    assert client.post("/reviews/99999999999999999999999/comments").status_code == 404
