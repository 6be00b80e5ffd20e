"""Any app server can answer any request: two app instances over one database stand in for two machines behind
nginx. A sign-in on one is honoured by the other, and rate limits count in one shared Redis."""
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from grants import create_app
from grants.extensions import db

from .conftest import TEST_CONFIG

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def second_server(app, **settings):
    return create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **settings})


def test_a_session_signed_in_on_one_server_works_on_another(app, make_user):
    user = make_user("staff", locale="en")
    other = second_server(app)
    first_client, second_client = app.test_client(), other.test_client()
    assert first_client.post("/login", data={"email": user.email, "password": user.password}).status_code == 302
    # The session is a signed cookie: nothing about it lives in the first server's memory.
    second_client.set_cookie("session", first_client.get_cookie("session").value)
    assert second_client.get("/outbox/").status_code == 200
    assert other.test_client().get("/outbox/").status_code == 302  # and without the cookie: to the sign-in page
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def redis_reachable() -> bool:
    try:
        from limits.storage import storage_from_string

        return storage_from_string(REDIS_URL).check()
    except Exception:  # noqa: BLE001 - any failure means "not here": the test is skipped
        return False


# One app server in its own process (the limiter is one object per process, as in production): it tries to sign
# in N times and prints the answers' status codes. Empty forms: refused before any table is read, so these
# servers need no database.
SERVER_PROCESS = """
import json, sys
from grants import create_app
app = create_app(json.loads(sys.argv[1]))
client = app.test_client()
print(*(client.post("/login", data={"email": "", "password": ""}).status_code
        for _ in range(int(sys.argv[2]))))
"""


def sign_in_attempts(settings: dict, attempts: int) -> list[int]:
    result = subprocess.run([sys.executable, "-c", SERVER_PROCESS, json.dumps(settings), str(attempts)],
                            check=False, cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return [int(code) for code in result.stdout.split()]


@pytest.mark.skipif(not redis_reachable(), reason=f"no Redis at {REDIS_URL}")
def test_rate_limits_count_across_servers_in_redis(tmp_path):
    settings = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": REDIS_URL, "LOGIN_RATE_LIMIT": "4/minute",
                # A fresh namespace per run, so counts from an earlier run never leak in.
                "RATELIMIT_KEY_PREFIX": f"minha-test-{uuid.uuid4().hex}"}
    assert sign_in_attempts(settings, 3) == [200, 200, 200]
    # The second server knows of the first one's three tries: one more is allowed, then no more.
    assert sign_in_attempts(settings, 3) == [200, 429, 429]
    # With memory:// (the default) each process counts alone: the same six tries all pass the limiter.
    alone = {**settings, "RATELIMIT_STORAGE_URI": "memory://"}
    assert sign_in_attempts(alone, 3) + sign_in_attempts(alone, 3) == [200] * 6
