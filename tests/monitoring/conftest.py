"""Fixtures every monitoring test module shares."""
import pytest


@pytest.fixture(autouse=True)
def own_storage(app, tmp_path):
    """Files go to this test's folder, so counting them sees only what this test stored."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "files")


@pytest.fixture
def staff_en(make_user):
    return make_user("staff", locale="en", name="Rania Haddad")
