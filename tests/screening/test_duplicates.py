"""Duplicate detection: national ID, phone, similar name with the same birth date; only within one call;
never twice for a pair; the whole-call re-check; resolving flags with a reason."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Application, ApplicationStatus, DuplicateFlag, ScreeningStatus, utcnow
from grants.screening import duplicates
from grants.screening.duplicates import flag_duplicates_for, name_similarity

from ..fixtures.program import make_application, make_call
from .helpers import audit_rows, error_beside, flags, flashes, reference, submit, update

PEOPLE = iter(range(1, 10_000))


def person(**answers) -> dict:
    """Answers of a different person each time, unless the test says otherwise."""
    n = next(PEOPLE)
    values = dict(full_name_ar=f"شخص رقم {n} المختلف", full_name_latin=f"Person {n}", national_id=f"NID{n:08d}",
                  phone=f"+96395{n:07d}", phone_normalized=f"+96395{n:07d}",
                  date_of_birth=date(1980, 1, 1) + timedelta(days=n))  # nobody else is born that day
    values.update(answers)
    return values


def detect(app, application_id):
    with app.app_context():
        created = flag_duplicates_for(db.session.get(Application, application_id))
        db.session.commit()
        return [(f.application_id, f.other_id, f.kind.value, f.similarity) for f in created]


def test_same_national_id_after_removing_spaces_and_dashes(app, make_user, call_id):
    first = submit(app, make_user, call_id, **person(national_id="08011234567"))
    second = submit(app, make_user, call_id, **person(national_id="080-1123 4567"))
    assert detect(app, second) == [(first, second, "national_id", 100)]


def test_same_phone_number(app, make_user, call_id):
    first = submit(app, make_user, call_id, **person(phone="0944 111 222", phone_normalized="+963944111222"))
    second = submit(app, make_user, call_id, **person(phone="+963 944 111 222", phone_normalized="+963944111222"))
    assert detect(app, second) == [(first, second, "phone", 100)]


@pytest.mark.parametrize("first_name, second_name", [
    ("عبد الرحمن أحمد الخلف", "عبدالرحمن احمد الخلف"),       # «عبد ال» joined, hamza dropped
    ("فاطمة محمد العلي", "فاطمه محمّد العلي"),                # ة/ه and a shadda
    ("أسامة خالد الحسين", "خالد أسامة الحسين"),               # the same words in another order
    ("مصطفى إبراهيم", "مصطفي ابراهيم"),                     # ى/ي, إ/ا
    ("ســـامر يوسف", "سامر يوسف"),                          # tatweel
])
def test_likely_duplicates_by_name_and_birth_date(app, make_user, call_id, first_name, second_name):
    born = date(1998, 5, 17)
    first = submit(app, make_user, call_id, **person(full_name_ar=first_name, date_of_birth=born))
    second = submit(app, make_user, call_id, **person(full_name_ar=second_name, date_of_birth=born))
    found = detect(app, second)
    assert [(low, high, kind) for low, high, kind, _ in found] == [(first, second, "name_and_birth")]
    assert found[0][3] >= duplicates.NAME_SIMILARITY


def test_similar_names_with_different_birth_dates_are_not_flagged(app, make_user, call_id):
    submit(app, make_user, call_id, **person(full_name_ar="عبد الرحمن أحمد الخلف", date_of_birth=date(1998, 5, 17)))
    second = submit(app, make_user, call_id, **person(full_name_ar="عبدالرحمن أحمد الخلف",
                                                        date_of_birth=date(1998, 5, 18)))
    assert detect(app, second) == []


def test_different_names_born_the_same_day_are_not_flagged(app, make_user, call_id):
    born = date(1998, 5, 17)
    submit(app, make_user, call_id, **person(full_name_ar="أحمد خالد الحسن", date_of_birth=born))
    second = submit(app, make_user, call_id, **person(full_name_ar="محمود سعيد العبدالله", date_of_birth=born))
    assert detect(app, second) == []


def test_nothing_is_flagged_across_calls(app, make_user, call_id):
    other_call = make_call(app, code="DZ26B")
    same = dict(national_id="08011234567", phone_normalized="+963944111222", full_name_ar="أحمد خالد الحسن",
                date_of_birth=date(1997, 3, 3))
    submit(app, make_user, other_call, **person(**same))
    mine = submit(app, make_user, call_id, **person(**same))
    assert detect(app, mine) == []


def test_drafts_and_withdrawn_applications_are_not_compared(app, make_user, call_id):
    same = dict(national_id="08011234567")
    make_application(app, make_user().id, call_id, **person(**same))  # a draft
    withdrawn = submit(app, make_user, call_id, **person(**same))
    update(app, withdrawn, status=ApplicationStatus.WITHDRAWN, withdrawn_at=utcnow())
    mine = submit(app, make_user, call_id, **person(**same))
    assert detect(app, mine) == []
    draft = make_application(app, make_user().id, call_id, **person(**same))
    assert detect(app, draft) == []  # a draft is never checked


def test_every_signal_gives_its_own_flag_and_none_is_repeated(app, make_user, call_id):
    same = dict(national_id="08011234567", phone_normalized="+963944111222", full_name_ar="أحمد خالد الحسن",
                date_of_birth=date(1997, 3, 3))
    first = submit(app, make_user, call_id, **person(**same))
    second = submit(app, make_user, call_id, **person(**same))
    assert {(low, high, kind) for low, high, kind, _ in detect(app, second)} == {
        (first, second, "national_id"), (first, second, "phone"), (first, second, "name_and_birth")}
    assert detect(app, second) == []  # already flagged: nothing new
    third = submit(app, make_user, call_id, **person(**same))
    assert len(detect(app, third)) == 6  # with first and with second, three kinds each
    assert detect(app, first) == []
    assert all(low < high for low, high, *_ in flags(app))


def test_flag_duplicates_for_only_flushes(app, make_user, call_id):
    first = submit(app, make_user, call_id, **person(national_id="NID1"))
    second = submit(app, make_user, call_id, **person(national_id="NID1"))
    with app.app_context():
        created = flag_duplicates_for(db.session.get(Application, second))
        assert created and created[0].id is not None  # flushed: it has an id
        db.session.rollback()  # the caller decides: nothing is committed by the function
    assert flags(app) == []
    assert first < second


def test_name_similarity_uses_the_arabic_normalisation():
    assert name_similarity("عبد الرحمن", "عبدالرحمن") == 100
    assert name_similarity("أسامة", "اسامه") == 100
    assert name_similarity("أحمد", "") == 0
    assert name_similarity("أحمد علي", "محمود سعيد") < duplicates.NAME_SIMILARITY


# --- the whole call ------------------------------------------------------------------------------------------

def test_recheck_finds_every_kind_in_the_whole_call_without_repeating(app, client, staff, make_user, call_id):
    born = date(1999, 9, 9)
    a = submit(app, make_user, call_id, **person(national_id="ID-1"))
    b = submit(app, make_user, call_id, **person(national_id="ID1"))
    c = submit(app, make_user, call_id, **person(phone_normalized="+963944000001"))
    d = submit(app, make_user, call_id, **person(phone_normalized="+963944000001"))
    e = submit(app, make_user, call_id, **person(full_name_ar="عبد الله محمود", date_of_birth=born))
    f = submit(app, make_user, call_id, **person(full_name_ar="عبدالله محمود", date_of_birth=born))
    g = submit(app, make_user, call_id, **person(full_name_ar="عبدالله محمود", date_of_birth=date(1999, 9, 10)))
    other_call = make_call(app, code="DZ26B")
    submit(app, make_user, other_call, **person(national_id="ID1"))
    for n in range(6):
        submit(app, make_user, call_id, **person())
    response = client.post(f"/staff/calls/{call_id}/duplicates/recheck")
    assert response.status_code == 302
    assert {(low, high, kind) for low, high, kind, *_ in flags(app)} == {
        (a, b, "national_id"), (c, d, "phone"), (e, f, "name_and_birth")}
    assert g not in {x for row in flags(app) for x in row[:2]}
    assert "3 new flags" in flashes(client.get(response.location))
    # running it again adds nothing, and a flag staff cleared is not raised again
    client.post(f"/staff/calls/{call_id}/duplicates/recheck")
    assert len(flags(app)) == 3
    rows = audit_rows(app, "calls", call_id, "screening.duplicates_rechecked")
    assert [r.details["new_flags"] for r in rows] == [3, 0]


def test_recheck_compares_names_only_within_a_birth_date(app, make_user, call_id, monkeypatch):
    """No comparison across the whole call: only pairs born on the same day are scored."""
    for n in range(12):
        submit(app, make_user, call_id, **person(date_of_birth=date(1990 + n % 3, 1, 1)))
    calls = []
    real = duplicates.fuzz.token_sort_ratio
    monkeypatch.setattr(duplicates.fuzz, "token_sort_ratio", lambda a, b: calls.append(1) or real(a, b))
    with app.app_context():
        duplicates.find_duplicates_in_call(call_id)
    assert len(calls) == 3 * 6  # three birth dates with four applicants each: 3 × C(4, 2), not C(12, 2) = 66


# --- resolving flags ---------------------------------------------------------------------------------------

@pytest.fixture
def pair(app, make_user, call_id):
    same = dict(national_id="08011234567", phone_normalized="+963944111222")
    first = submit(app, make_user, call_id, **person(**same))
    second = submit(app, make_user, call_id, **person(**same))
    detect(app, second)
    with app.app_context():
        flag_ids = list(db.session.scalars(select(DuplicateFlag.id).order_by(DuplicateFlag.id)))
    return {"first": first, "second": second, "flags": flag_ids}


def test_the_application_page_shows_its_flags(app, client, staff, pair):
    html = client.get(f"/staff/applications/{pair['first']}").get_data(as_text=True)
    assert "Same national ID" in html and "Same phone number" in html
    assert reference(app, pair["second"]) in html
    assert f'action="/staff/flags/{pair["flags"][0]}"' in html


def test_clearing_a_flag_needs_a_reason(app, client, staff, pair):
    flag = pair["flags"][0]
    response = client.post(f"/staff/flags/{flag}", data={f"flag{flag}-outcome": "clear", f"flag{flag}-reason": " ",
                                                        f"flag{flag}-back": pair["second"]})
    assert response.status_code == 200
    assert error_beside(response, f"flag{flag}-reason") == "Write the reason for your decision."
    assert reference(app, pair["second"]) in response.get_data(as_text=True)
    assert {row[3] for row in flags(app)} == {"open"}


def test_clearing_a_flag_resolves_the_pair_and_is_audited(app, client, staff, pair):
    flag = pair["flags"][0]
    response = client.post(f"/staff/flags/{flag}", data={
        f"flag{flag}-outcome": "clear", f"flag{flag}-reason": "Twins: different people, checked by phone.",
        f"flag{flag}-back": pair["second"]})
    assert response.status_code == 302 and response.location.startswith(f"/staff/applications/{pair['second']}")
    assert {row[3] for row in flags(app)} == {"cleared"}  # both flags of the pair
    with app.app_context():
        for application_id in (pair["first"], pair["second"]):
            application = db.session.get(Application, application_id)
            assert application.screening_status == ScreeningStatus.PENDING
        resolved = db.session.get(DuplicateFlag, flag)
        assert resolved.resolved_by_id == staff.id and resolved.resolution_reason.startswith("Twins")
    rows = audit_rows(app, action="screening.flag_cleared")
    assert {r.subject_id for r in rows} == {pair["first"], pair["second"]}
    assert rows[0].details["reason"] == "Twins: different people, checked by phone."
    # resolved once: a second decision is refused and changes nothing
    again = client.post(f"/staff/flags/{flag}", data={f"flag{flag}-outcome": "reject_other",
                                                     f"flag{flag}-reason": "Changed my mind"})
    assert again.status_code == 302
    assert "This flag has already been resolved." in flashes(client.get(again.location))
    assert {row[3] for row in flags(app)} == {"cleared"}


def test_rejecting_an_application_as_a_duplicate(app, client, staff, pair):
    flag = pair["flags"][1]
    response = client.post(f"/staff/flags/{flag}", data={
        f"flag{flag}-outcome": "reject_other", f"flag{flag}-reason": "The same person applied twice."})
    assert response.status_code == 302
    with app.app_context():
        kept = db.session.get(Application, pair["first"])
        rejected = db.session.get(Application, pair["second"])
        assert kept.screening_status == ScreeningStatus.PENDING
        assert rejected.screening_status == ScreeningStatus.DUPLICATE
        assert rejected.screening_reason == "The same person applied twice."
        assert rejected.screened_by_id == staff.id and rejected.screened_at is not None
        assert db.session.scalar(select(func.count()).select_from(Application)) == 2  # nothing merged or deleted
    assert {row[3] for row in flags(app)} == {"rejected"}
    rows = audit_rows(app, action="screening.duplicate_rejected")
    assert {r.subject_id for r in rows} == {pair["first"], pair["second"]}
    assert rows[0].details["rejected"] == reference(app, pair["second"])


def test_a_decision_must_be_chosen(app, client, staff, pair):
    flag = pair["flags"][0]
    response = client.post(f"/staff/flags/{flag}",
                           data={f"flag{flag}-reason": "Because", f"flag{flag}-outcome": "merge"})
    assert response.status_code == 200
    assert error_beside(response, f"flag{flag}-outcome")
    assert {row[3] for row in flags(app)} == {"open"}


def test_unknown_flag_is_404(client, staff):
    assert client.post("/staff/flags/999999", data={}).status_code == 404
    assert client.post(f"/staff/flags/{10**40}", data={}).status_code == 404


@pytest.mark.postgres_only
def test_a_flag_raised_meanwhile_by_someone_else_is_skipped(app, make_user, call_id):
    """A re-check and a submission racing: the flag the other transaction committed is not an error."""
    first = submit(app, make_user, call_id, **person(national_id="RACE1", phone_normalized="+963944777888"))
    second = submit(app, make_user, call_id, **person(national_id="RACE1", phone_normalized="+963944777888"))
    with app.app_context():
        application = db.session.get(Application, second)
        existing = duplicates._existing(call_id)  # read before the other transaction commits its flag
        with db.engine.begin() as other_transaction:
            other_transaction.execute(DuplicateFlag.__table__.insert().values(
                call_id=call_id, application_id=first, other_id=second, kind="national_id", similarity=100,
                status="open", created_at=utcnow()))
        found = {(first, second, duplicates.DuplicateKind.NATIONAL_ID): 100,
                 (first, second, duplicates.DuplicateKind.PHONE): 100}
        created = duplicates._add_flags(call_id, found, existing)
        db.session.commit()
        assert [flag.kind.value for flag in created] == ["phone"]
        assert application.status == ApplicationStatus.SUBMITTED  # the session is still usable
    assert sorted(row[2] for row in flags(app)) == ["national_id", "phone"]
