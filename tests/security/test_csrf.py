"""CSRF: with protection on, every endpoint that changes state refuses a request without a token (400) and the
database stays exactly as it was. Walks app.url_map, so a new POST endpoint is covered without being listed."""
import pytest

from grants.extensions import csrf

from .walk import CSRF_FIELD, changed_tables, fingerprint, role_allowed, signed_in_as, url_of

# endpoint: why it may take a state-changing request without a CSRF token. Empty on purpose: even the JSON
# endpoint (training.attendance's background save) sends the form's token.
EXEMPT: dict[str, str] = {}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}

pytestmark = pytest.mark.parametrize("app", [{"WTF_CSRF_ENABLED": True}], indirect=True)


def state_changing_endpoints(app):
    return sorted({(rule.endpoint, method) for rule in app.url_map.iter_rules()
                   for method in rule.methods & STATE_CHANGING})


def test_nothing_is_exempt_without_a_reason(app):
    exempt = {name.rsplit(".", 1)[-1] for name in csrf._exempt_views} | set(csrf._exempt_blueprints)
    assert exempt <= {name.rsplit(".", 1)[-1] for name in EXEMPT}, exempt


def test_every_state_changing_request_without_a_token_is_refused_and_changes_nothing(app, make_user, world,
                                                                                     monkeypatch):
    reasons = []  # why CSRFProtect refused: proves the 400 is the token's, not a broken form's
    refuse = csrf._error_response
    monkeypatch.setattr(csrf, "_error_response", lambda reason: (reasons.append(reason), refuse(reason)))
    endpoints = state_changing_endpoints(app)
    assert len(endpoints) > 40  # the walk really found the application's forms
    clients = {}
    failures = []
    for endpoint, method in endpoints:
        if endpoint in EXEMPT:
            continue
        role = role_allowed(endpoint)
        client = clients.get(role) or clients.setdefault(role, signed_in_as(app, make_user, role))
        url = url_of(app, endpoint, world)
        before = fingerprint(app)
        reasons.clear()
        response = client.open(url, method=method, data={"note": "x"})
        response.close()
        changed = changed_tables(before, fingerprint(app))
        refused_for_csrf = reasons == ["The CSRF token is missing."]
        if response.status_code != 400 or changed or not refused_for_csrf:
            failures.append((method, url, role, response.status_code, changed))
    assert failures == []


def test_the_same_request_with_the_token_gets_through(app, make_user, world):
    """The control: the refusal above is about the token, not a broken request (here: the language switch)."""
    client = signed_in_as(app, make_user, "applicant")
    page = client.get("/").get_data(as_text=True)
    token = CSRF_FIELD.search(page).group(1)
    assert client.post("/language", data={"language": "en"}).status_code == 400
    assert client.post("/language", data={"language": "en", "csrf_token": token}).status_code == 302
