"""The funding proposal page a page at a time: 50 decisions per page in rank order, lenient page and filter
arguments, filter links with their counts, where the funding line falls, totals and set-aside totals from SQL that
match a sum over the ORM objects, and a statement count that does not grow with the call."""
import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from grants.decisions import queries, services
from grants.decisions.services import groups_of
from grants.extensions import db
from grants.models import (
    Application, Call, Decision, Disability, Gender, Group, Outcome, Response, SetAside, utcnow,
)

from ..fixtures.decisions import make_reviewed_call
from ..fixtures.routes import counting_statements, text
from .test_staff_routes import bulk_decided_call, element, money_in

PAGE = queries.PAGE_SIZE


@pytest.fixture
def staff(client, auth, make_user):
    account = make_user("staff", locale="en")
    auth.login(account)
    return account


def references(response) -> list[str]:
    return re.findall(r'data-reference="([^"]+)"', text(response))


def filter_counts(response) -> dict[str, int]:
    """The count beside each filter link, by its data-shown key."""
    return {key: int(count.replace(",", "")) for key, count in re.findall(
        r'data-shown="([^"]+)"[^>]*>[^<]*<span class="muted count">\(([\d,]+)\)</span>', text(response))}


def row_of(response, reference) -> str:
    page = text(response)
    row = page[page.index(f'data-reference="{reference}"'):]
    return row[:row.index("</tr>")]


def rank_order(decisions):
    return sorted(decisions, key=lambda d: (d.rank is None, d.rank or 0, d.id))


# --- a page at a time -------------------------------------------------------------------------------

def test_the_table_shows_fifty_decisions_a_page_in_rank_order(app, client, staff):
    call_id, rows = bulk_decided_call(app, 2 * PAGE + 20)
    refs = [row["reference"] for row in rows]  # rank i + 1 for row i
    url = f"/staff/calls/{call_id}/decisions"

    first = client.get(url)
    assert first.status_code == 200 and references(first) == refs[:PAGE]
    assert "Page 1 of 3" in text(first) and f"{url}?page=2" in text(first)
    second = client.get(f"{url}?page=2")
    assert references(second) == refs[PAGE:2 * PAGE]
    assert "Page 2 of 3" in text(second) and f"{url}?page=1" in text(second) and f"{url}?page=3" in text(second)
    assert references(client.get(f"{url}?page=3")) == refs[2 * PAGE:]
    # A row on a later page keeps its link to change the decision, and the applicant's name in the reader's script.
    later = rows[PAGE + 3]
    assert f'/staff/decisions/{later["decision_id"]}"' in text(second)
    assert f'<td class="applicant">Applicant {PAGE + 3}</td>' in row_of(second, later["reference"])
    # The totals above the table still count every decision, not the page.
    assert filter_counts(second)["all"] == 2 * PAGE + 20
    assert element(second, "count-approved") == str(len([r for r in rows if r["outcome"] == Outcome.APPROVED]))


def test_the_applicant_is_named_in_the_readers_script(app, client, auth, make_user):
    call_id, rows = bulk_decided_call(app, 3)
    auth.login(make_user("staff", locale="ar"))
    page = client.get(f"/staff/calls/{call_id}/decisions")
    assert '<td class="applicant">مقدم الطلب 1</td>' in row_of(page, rows[1]["reference"])


@pytest.mark.parametrize("argument, page", [
    ("page=abc", 1), ("page=0", 1), ("page=-2", 1), ("page=1.5", 1), ("page=", 1), ("page=%EF%BC%92", 1),
    ("page=99999999999999999999999", 3), ("page=" + "9" * 5000, 3), ("page=4", 3), ("page=3&page=1", 3), ("show=bogus&page=2", 2),
])
def test_bad_page_arguments_show_the_first_or_last_page(app, client, staff, argument, page):
    call_id, rows = bulk_decided_call(app, 2 * PAGE + 5)
    refs = [row["reference"] for row in rows]
    response = client.get(f"/staff/calls/{call_id}/decisions?{argument}")
    assert response.status_code == 200
    assert references(response) == refs[(page - 1) * PAGE:page * PAGE]


def test_a_call_without_decisions_shows_the_generate_button_and_no_table(app, client, staff, make_user):
    call_id, _ = make_reviewed_call(app, make_user, [[5, 5, 5]])
    response = client.get(f"/staff/calls/{call_id}/decisions?page=7&show=approved")
    assert response.status_code == 200
    assert "Generate the funding proposal" in text(response) and 'id="decisions"' not in text(response)


# --- filters and the funding line -------------------------------------------------------------------

def test_filters_show_their_decisions_in_rank_order_with_counts_from_the_totals(app, client, staff):
    call_id, rows = bulk_decided_call(app, 3 * PAGE)  # approved, waitlisted, not selected in turn
    declined, changed = rows[0], rows[3]
    with app.app_context():
        db.session.execute(update(Decision).where(Decision.id == declined["decision_id"])
                           .values(response=Response.DECLINED, responded_at=utcnow()))
        db.session.execute(update(Decision).where(Decision.id == changed["decision_id"])
                           .values(awarded_amount=500_000, change_reason="Reduced"))
        db.session.commit()
    url = f"/staff/calls/{call_id}/decisions"
    expected = {outcome: [r["reference"] for r in rows if r["outcome"] == outcome] for outcome in Outcome}
    assert filter_counts(client.get(url)) == {
        "all": 3 * PAGE, "approved": PAGE, "waitlisted": PAGE, "not_selected": PAGE, "declined": 1, "changed": 1}

    waitlisted = client.get(f"{url}?show=waitlisted")
    assert references(waitlisted) == expected[Outcome.WAITLISTED][:PAGE]
    assert 'data-shown="waitlisted" aria-current="page"' in text(waitlisted)
    assert "Page 1 of 1" not in text(waitlisted)  # one page: no pagination
    assert references(client.get(f"{url}?show=approved&page=9")) == expected[Outcome.APPROVED][:PAGE]
    assert references(client.get(f"{url}?show=declined")) == [declined["reference"]]
    changed_page = client.get(f"{url}?show=changed")
    assert references(changed_page) == [changed["reference"]]
    assert "Reason: Reduced" in row_of(changed_page, changed["reference"])
    assert 'id="funding-line"' not in text(changed_page)  # the line belongs to the whole list

    with app.app_context():
        db.session.execute(update(Decision).where(Decision.call_id == call_id)
                           .values(response=Response.PENDING, responded_at=None))
        db.session.commit()
    empty = client.get(f"{url}?show=declined")
    assert empty.status_code == 200 and references(empty) == [] and 'id="no-decisions"' in text(empty)


def approve_up_to(app, call_id, last_rank):
    """Every decision ranked up to `last_rank` approved with 1,000,000, the others on the waiting list."""
    with app.app_context():
        approved = Decision.rank <= last_rank
        db.session.execute(update(Decision).where(Decision.call_id == call_id, approved).values(
            outcome=Outcome.APPROVED, proposed_outcome=Outcome.APPROVED, awarded_amount=1_000_000,
            proposed_amount=1_000_000, funded_from="general", waitlist_position=None))
        db.session.execute(update(Decision).where(Decision.call_id == call_id, ~approved).values(
            outcome=Outcome.WAITLISTED, proposed_outcome=Outcome.WAITLISTED, awarded_amount=0, proposed_amount=0,
            funded_from=None))
        db.session.commit()


def test_the_page_shows_where_the_funding_line_falls(app, client, staff):
    call_id, rows = bulk_decided_call(app, 2 * PAGE + 10)
    approve_up_to(app, call_id, PAGE + 23)
    url = f"/staff/calls/{call_id}/decisions"

    first = client.get(url)
    assert "The funding line falls after rank 73." in text(first)
    assert f'href="{url}?page=2#funding-line"' in text(first)
    assert 'id="funding-line"' not in text(first)  # not on this page
    second = client.get(f"{url}?page=2")
    page = text(second)
    line = page.index('id="funding-line"')
    # The line comes right after the last approved decision and before the first one not approved.
    assert page.rindex('data-reference="', 0, line) == page.index(f'data-reference="{rows[PAGE + 22]["reference"]}"')
    assert page.index('data-reference="', line) == page.index(f'data-reference="{rows[PAGE + 23]["reference"]}"')
    assert 'id="funding-line"' not in text(client.get(f"{url}?page=3"))

    # Unranked decisions come last; an approved one among them moves the line below it.
    with app.app_context():
        db.session.execute(update(Decision).where(Decision.id.in_([rows[0]["decision_id"], rows[1]["decision_id"]]))
                           .values(rank=None))
        db.session.execute(update(Decision).where(Decision.id == rows[-1]["decision_id"]).values(rank=None))
        db.session.commit()
        expected = [d.id for d in rank_order(db.session.scalars(select(Decision).where(Decision.call_id == call_id)))]
    last = client.get(f"{url}?page=3")
    assert references(last)[-3:] == [rows[0]["reference"], rows[1]["reference"],
                                                      rows[-1]["reference"]]
    assert expected[-3:] == [rows[0]["decision_id"], rows[1]["decision_id"], rows[-1]["decision_id"]]
    page = text(last)
    assert page.rindex('data-reference="', 0, page.index('id="funding-line"')) == \
        page.index(f'data-reference="{rows[1]["reference"]}"')
    assert "The funding line falls after rank 109." in text(client.get(url))  # its place when it has no rank

    with app.app_context():
        db.session.execute(update(Decision).where(Decision.call_id == call_id).values(
            outcome=Outcome.WAITLISTED, awarded_amount=0, funded_from=None))
        db.session.commit()
    nothing = client.get(url)
    assert "there is no funding line" in text(nothing) and 'id="funding-line"' not in text(nothing)


# --- totals ---------------------------------------------------------------------------------------

def python_totals(call: Call, decisions: list[Decision], reserves: list[SetAside]) -> tuple[dict, dict]:
    """What the page's totals and set-aside table must say, summed over the ORM objects in Python."""
    def counts(d):
        return d.response != Response.DECLINED

    approved = [d for d in decisions if d.outcome == Outcome.APPROVED]
    totals = {
        "approved": len(approved), "waitlisted": sum(d.outcome == Outcome.WAITLISTED for d in decisions),
        "not_selected": sum(d.outcome == Outcome.NOT_SELECTED for d in decisions),
        "awarded": sum(d.awarded_amount for d in approved if counts(d)),
        "declined": sum(d.response == Response.DECLINED for d in decisions),
        "declined_amount": sum(d.awarded_amount for d in decisions if d.response == Response.DECLINED),
        "released": sum(d.released_at is not None for d in decisions),
        "unreleased": sum(d.released_at is None for d in decisions),
        "changed": sum(d.outcome != d.proposed_outcome or d.awarded_amount != d.proposed_amount for d in decisions),
    }
    groups = {}
    for reserve in reserves:
        members = [d for d in decisions if reserve.group.value in groups_of(d.application)]
        funded = [d for d in members if d.outcome == Outcome.APPROVED and counts(d)]
        groups[reserve.group.value] = {
            "reserve": call.budget * reserve.percentage // 100,
            "candidates_requested": sum(d.application.requested_amount for d in members
                                        if d.proposed_outcome != Outcome.NOT_SELECTED
                                        or d.outcome != Outcome.NOT_SELECTED),
            "awarded": sum(d.awarded_amount for d in funded),
            "from_reserve": sum(d.awarded_amount for d in funded if d.funded_from == reserve.group.value),
            "members_approved": len(funded),
        }
    return totals, groups


@pytest.fixture
def call_with_set_asides(app, client, staff, make_user):
    """Eight scored applications of a call with four set-asides, its proposal generated, one decision changed by
    staff, released, and one award declined. Group members are spread over the ranking; the under-25 group has an
    applicant 25 on the closing day (not a member) and one 25 the day after (a member)."""
    scores = [[5, 5, 5], [5, 4, 4], [4, 4, 4], [4, 4, 3], [3, 4, 4], [3, 3, 4], [4, 3, 3], [1, 3, 3]]
    call_id, apps = make_reviewed_call(app, make_user, scores, budget=9_000_000)
    with app.app_context():
        call = db.session.get(Call, call_id)
        close = call.closing_date
        members = {
            apps[1]: {"women_led": True},
            apps[2]: {"date_of_birth": close.replace(year=close.year - 25)},  # 25 that day: not under 25
            apps[3]: {"date_of_birth": close.replace(year=close.year - 25) + timedelta(days=1), "gender": Gender.FEMALE},
            apps[5]: {"gender": Gender.FEMALE, "disability": Disability.YES},
            apps[6]: {"women_led": True, "disability": Disability.YES},
        }
        for application_id, fields in members.items():
            for key, value in fields.items():
                setattr(db.session.get(Application, application_id), key, value)
        db.session.add_all([SetAside(call_id=call_id, group=group, percentage=percentage, position=position)
                            for position, (group, percentage) in enumerate(
                                [("women", 30), ("under_25", 20), ("disability", 10), ("women_led", 10)])])
        db.session.commit()
    assert client.post(f"/staff/calls/{call_id}/decisions/generate").status_code == 302
    with app.app_context():
        decisions = {d.application_id: d for d in db.session.scalars(select(Decision).where(Decision.call_id == call_id))}
        assert {d.outcome for d in decisions.values()} >= {Outcome.APPROVED, Outcome.WAITLISTED}
        waiting = next(d.id for d in rank_order(decisions.values()) if d.outcome == Outcome.WAITLISTED)
        declining = next(d.id for d in rank_order(decisions.values()) if d.outcome == Outcome.APPROVED
                         and d.application_id in members)
    changed = client.post(f"/staff/decisions/{waiting}", data={"outcome": "approved", "amount": "500000",
                                                               "reason": "Committee"})
    assert changed.status_code == 302
    assert client.post(f"/staff/calls/{call_id}/release").status_code == 302
    with app.app_context():
        db.session.execute(update(Decision).where(Decision.id == declining)
                           .values(response=Response.DECLINED, responded_at=utcnow()))
        db.session.commit()
    return call_id


def test_totals_and_set_aside_totals_match_a_sum_over_the_decisions(app, client, call_with_set_asides):
    call_id = call_with_set_asides
    with app.test_request_context():
        call = db.session.get(Call, call_id)
        decisions = list(db.session.scalars(select(Decision).where(Decision.call_id == call_id)))
        reserves = queries.set_asides(call_id)
        expected_totals, expected_groups = python_totals(call, decisions, reserves)
        totals = queries.proposal_totals(call)
        assert {key: getattr(totals, key) for key in expected_totals} == expected_totals
        assert expected_totals["declined"] == 1 and expected_totals["changed"] == 1
        by_group = {s.group.value: s for s in queries.set_aside_totals(call, reserves)}
        assert {group: {key: getattr(by_group[group], key) for key in values}
                for group, values in expected_groups.items()} == expected_groups
        assert any(values["awarded"] for values in expected_groups.values())
        assert any(values["candidates_requested"] for values in expected_groups.values())

    response = client.get(f"/staff/calls/{call_id}/decisions")
    assert response.status_code == 200
    assert element(response, "total-awarded") == money_in(app, expected_totals["awarded"], "en")
    assert element(response, "total-remaining") == money_in(app, 9_000_000 - expected_totals["awarded"], "en")
    assert element(response, "count-approved") == str(expected_totals["approved"])
    assert element(response, "count-changed") == "1"
    assert element(response, "count-released") == f'{expected_totals["released"]} of {len(decisions)}'
    for group, values in expected_groups.items():
        row = text(response)[text(response).index(f'data-group="{group}"'):]
        row = html.unescape(row[:row.index("</tr>")])
        assert f'<td class="spent">{money_in(app, values["awarded"], "en")}' in row
        assert f'<td class="from-reserve">{money_in(app, values["from_reserve"], "en")}</td>' in row
        assert ("Unmet" in row) == (values["awarded"] < values["reserve"])


def test_the_under_25_group_counts_age_on_the_closing_day(app, call_with_set_asides):
    with app.test_request_context():
        call = db.session.get(Call, call_with_set_asides)
        for application in db.session.scalars(select(Application).where(Application.call_id == call.id)):
            in_sql = db.session.scalar(select(queries.group_member(Group.UNDER_25, call))
                                       .where(Application.id == application.id))
            assert bool(in_sql) == ("under_25" in groups_of(application)), application.date_of_birth


# --- statements ---------------------------------------------------------------------------------------

def test_the_page_sends_as_many_statements_for_a_large_call_as_for_a_small_one(app, client, staff):
    def statements_for(count, code, declined):
        call_id, rows = bulk_decided_call(app, count, code=code, released=True)
        with app.app_context():
            db.session.add_all([SetAside(call_id=call_id, group="women_led", percentage=20, position=0),
                                SetAside(call_id=call_id, group="under_25", percentage=10, position=1)])
            if declined:  # the promotion notice shows: that must not cost statements either
                db.session.execute(update(Decision).where(Decision.id == rows[0]["decision_id"])
                                   .values(response=Response.DECLINED, responded_at=utcnow()))
            db.session.commit()
        counts = []
        for argument in ("", "?page=2", "?show=waitlisted", "?page=999"):
            url = f"/staff/calls/{call_id}/decisions{argument}"
            client.get(url)  # warm up (session user, caches)
            with counting_statements(app) as statements:
                response = client.get(url)
            assert response.status_code == 200 and ('id="promotion"' in text(response)) == declined
            counts.append(len(statements))
        return counts

    assert statements_for(4, "FEWDEC", False) == statements_for(3 * PAGE + 7, "MANYDEC", True)


def test_the_promotion_notice_offers_the_services_candidate(app, client, staff):
    call_id, rows = bulk_decided_call(app, 12)
    with app.app_context():
        call = db.session.get(Call, call_id)
        call.budget = sum(row["amount"] for row in rows) + 1_005_000  # room for the first waiting requests only
        db.session.execute(update(Decision).where(Decision.id == rows[0]["decision_id"])
                           .values(response=Response.DECLINED, responded_at=utcnow()))
        db.session.commit()
    with app.test_request_context():
        call = db.session.get(Call, call_id)
        expected = services.promotion_candidate(call)
        assert expected is not None
        candidate = queries.promotion_candidate(call, queries.proposal_totals(call))
        assert (candidate.id, candidate.reference, candidate.requested) == (
            expected.id, expected.application.reference, expected.application.requested_amount)
    page = text(client.get(f"/staff/calls/{call_id}/decisions"))
    assert f'action="/staff/decisions/{expected.id}/promote"' in page
    assert f"Approve {candidate.reference} from the waiting list" in page


def test_after_a_change_staff_land_on_the_page_that_shows_the_decision(app, client, staff):
    call_id, rows = bulk_decided_call(app, 2 * PAGE + 20)
    url = f"/staff/calls/{call_id}/decisions"
    for index, page in ((3, None), (PAGE + 7, 2), (2 * PAGE + 19, 3)):
        decision_id = rows[index]["decision_id"]
        done = client.post(f"/staff/decisions/{decision_id}",
                           data={"outcome": "not_selected", "reason": "Committee"})
        assert done.status_code == 302
        assert done.headers["Location"] == (f"{url}?page={page}" if page else url) + f"#decision-{decision_id}"
        assert f'id="decision-{decision_id}"' in text(client.get(done.headers["Location"]))
