"""Issuing a letter sends a fixed number of SQL statements, however many tranches the grant has and however many
conditions the letter lists: what the letter shows is loaded with the grant's lock, not one row at a time."""
from flask_babel import force_locale
from sqlalchemy import select

from grants.disbursements import services
from grants.extensions import db
from grants.models import Grant, Letter, Tranche, TrancheStatus, User

from ..fixtures.disbursements import make_grant
from ..fixtures.routes import counting_statements, post, signed_in_client
from ..fixtures.training import decided_call, make_course


def approved_tranche(app, make_user, *, code, schedule, required_courses=0) -> tuple[int, object, object]:
    """(tranche id, requester, approver): the first tranche of a grant paid in `schedule`, requested and approved;
    then `required_courses` courses the call requires for payment are added (the letter lists each, not met)."""
    call_id = decided_call(app, code=code)
    _, grant_id = make_grant(app, make_user, call_id, schedule=schedule)
    requester, approver = make_user("staff", locale="en"), make_user("admin", locale="en")
    with app.app_context():
        tranche = db.session.get(Grant, grant_id).tranches[0]
        services.request_tranche(db.session.get(User, requester.id), tranche)
        services.approve_tranche(db.session.get(User, approver.id), tranche)
        db.session.commit()
        tranche_id = tranche.id
    for index in range(required_courses):
        make_course(app, calls=[call_id], required_for_payment=True, title_en=f"Course {index}",
                    title_ar=f"دورة {index}")
    return tranche_id, requester, approver


def statements_to_issue(app, tranche_id, requester) -> list[str]:
    client = signed_in_client(app, requester)
    with counting_statements(app) as statements:
        response = post(client, f"/disbursements/tranches/{tranche_id}/letter")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Tranche, tranche_id).status == TrancheStatus.LETTER_ISSUED
        letter = db.session.scalar(select(Letter).where(Letter.tranche_id == tranche_id))
        assert letter is not None and len(services.letter_pdf(letter)) > 0
    return statements


def test_issuing_a_letter_does_not_query_more_for_more_tranches_or_conditions(app, make_user):
    small, small_staff, _ = approved_tranche(app, make_user, code="DZ24A", schedule=[100], required_courses=1)
    large, large_staff, _ = approved_tranche(app, make_user, code="DZ24B", schedule=[10, 10, 20, 20, 20, 10, 10],
                                             required_courses=4)
    few = statements_to_issue(app, small, small_staff)
    many = statements_to_issue(app, large, large_staff)
    assert len(many) == len(few), "\n".join(many)
    # The call's own lists (sectors, places, criteria, documents) are never part of a letter.
    for table in ("call_sectors", "call_places", "criteria", "required_documents"):
        assert not any(table in statement for statement in many), table


def test_conditions_in_both_languages_read_the_courses_once(app, make_user):
    tranche_id, _, _ = approved_tranche(app, make_user, code="DZ24C", schedule=[50, 50], required_courses=2)
    with app.app_context():
        tranche = db.session.get(Tranche, tranche_id)
        separately = []
        for locale in ("ar", "en"):
            with force_locale(locale):
                separately.append(services.conditions(tranche))
        with counting_statements(app) as statements:
            together = services.conditions_in_locales(tranche, ("ar", "en"))
        assert together == separately
        # Each language has its own wording and the course's own title in that language.
        assert "دورة 1" in together[0][1].title and "Course 1" in together[1][1].title
        assert not together[0][1].met and not together[1][1].met
        assert sum("FROM courses" in statement for statement in statements) == 1
