"""deploy/ stays in step with the code: the gunicorn settings load, the systemd units run commands and options
that exist, nginx accepts what the app accepts, and the example environment names real settings."""
import multiprocessing
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from gunicorn.config import Config as GunicornConfig

from config import Config
from grants import create_app

from .conftest import TEST_CONFIG

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
INSTALLED_AT = "/srv/minha"  # where the units and the nginx site expect the release


def gunicorn_settings(monkeypatch=None, **environment) -> dict:
    if monkeypatch is not None:
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
    namespace = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    return {name: value for name, value in namespace.items()
            if not name.startswith("_") and not isinstance(value, type(sys)) and name not in ("multiprocessing", "os")}


def unit(name: str) -> dict[str, list[str]]:
    """A unit file as {Section.Key: [values]} (systemd allows a key more than once, e.g. ExecStart=)."""
    values, section = {}, None
    for line in (UNITS / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        values.setdefault(f"{section}.{key}", []).append(value)
    return values


SERVICES = ["minha-web.service", "minha-mail@.service", "minha-reminders.service"]


def flask_commands() -> list[list[str]]:
    """Every `flask --app grants ...` command line the units run, as the arguments after `--app grants`."""
    commands = []
    for name in SERVICES:
        for line in unit(name)["Service.ExecStart"]:
            program, *arguments = line.split()
            if program.endswith("/flask"):
                assert arguments[:2] == ["--app", "grants"], line
                commands.append(arguments[2:])
    return commands


def test_gunicorn_settings_are_real_settings_with_valid_values():
    settings = gunicorn_settings()
    config = GunicornConfig()
    for name, value in settings.items():
        assert name in config.settings, f"{name} is not a gunicorn setting (a typo is silently ignored)"
        config.set(name, value)  # gunicorn's own validation of the value
    assert config.workers == multiprocessing.cpu_count() * 2 + 1
    assert config.preload_app and config.accesslog == "-"
    assert config.timeout >= 30 and config.max_requests > 0
    assert config.bind == ["127.0.0.1:8000"]
    assert settings["wsgi_app"] == "run:app"


def test_gunicorn_settings_follow_the_environment(monkeypatch):
    settings = gunicorn_settings(monkeypatch, GUNICORN_WORKERS="3", GUNICORN_BIND="10.0.0.11:8000",
                                 GUNICORN_TIMEOUT="90")
    assert (settings["workers"], settings["bind"], settings["timeout"]) == (3, "10.0.0.11:8000", 90)


def test_gunicorn_checks_the_configuration_and_loads_the_app(tmp_path):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run([str(gunicorn), "--check-config", "--config", str(DEPLOY / "gunicorn.conf.py")],
                            check=False, cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert result.returncode == 0, result.stderr


def test_a_forked_worker_drops_inherited_connections_and_clients(tmp_path):
    from grants.extensions import db
    from grants.storage import storage

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    with app.app_context():
        storage()
        db.session.execute(db.text("SELECT 1"))
        db.session.remove()
        assert db.engine.pool.checkedin() == 1

    class Server:
        class app:
            @staticmethod
            def wsgi():
                return app

    gunicorn_settings()["post_fork"](Server, worker=None)
    assert "minha_storage" not in app.extensions
    with app.app_context():
        assert db.engine.pool.checkedin() == 0


def test_the_units_run_from_the_installed_release_with_the_shared_environment():
    for name in SERVICES:
        service = unit(name)
        assert service["Service.WorkingDirectory"] == [INSTALLED_AT], name
        assert service["Service.EnvironmentFile"] == ["/etc/minha/minha.env"], name
        assert service["Service.User"] == ["minha"], name
        for line in service["Service.ExecStart"]:
            assert line.startswith(f"{INSTALLED_AT}/.venv/bin/"), line
    web = unit("minha-web.service")["Service.ExecStart"][0].split()
    config_file = web[web.index("--config") + 1]
    assert (ROOT / config_file.removeprefix(INSTALLED_AT + "/")).is_file()
    assert web[-1] == gunicorn_settings()["wsgi_app"]
    assert unit("minha-reminders.timer")["Timer.OnCalendar"] and (UNITS / "minha-reminders.service").is_file()


def test_the_units_run_every_reminder_and_the_mail_sender():
    commands = [" ".join(arguments[:2]) for arguments in flask_commands()]
    assert sorted(commands) == ["mail send", "reports remind", "reviews remind", "training remind"]
    assert "--loop" in flask_commands()[0]


def test_every_command_and_option_in_the_units_exists(tmp_path):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    runner = app.test_cli_runner()
    for arguments in flask_commands():
        # --help is eager, but an unknown command or option still fails while parsing.
        result = runner.invoke(args=[*arguments, "--help"])
        assert result.exit_code == 0, (arguments, result.output)
    # and the real entry point finds the app and lists those command groups
    listed = subprocess.run([sys.executable, "-m", "flask", "--app", "grants", "--help"], cwd=ROOT,
                            check=True, capture_output=True, text=True, timeout=60).stdout
    for group in {arguments[0] for arguments in flask_commands()}:
        assert re.search(rf"^\s+{group}\s", listed, re.MULTILINE), group


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units(tmp_path):
    # Pointed at this checkout, whose .venv has the programs the units start.
    for path in UNITS.iterdir():
        (tmp_path / path.name).write_text(path.read_text().replace(INSTALLED_AT, str(ROOT)))
    result = subprocess.run(["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
                            check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


def test_nginx_takes_what_the_app_takes_and_serves_the_static_folder():
    site = (DEPLOY / "nginx" / "minha.conf").read_text()
    body_limit = re.search(r"client_max_body_size (\d+)m;", site)
    assert int(body_limit.group(1)) * 1024 * 1024 == Config.MAX_CONTENT_LENGTH
    static = re.search(r"location /static/ \{\s*alias (\S+);", site).group(1)
    assert static == f"{INSTALLED_AT}/static/" and (ROOT / "static").is_dir()
    upstream = re.search(r"upstream minha_app \{(.*?)\}", site, re.DOTALL).group(1)
    assert len(re.findall(r"^\s*server \S+:\d+", upstream, re.MULTILINE)) >= 2
    read_timeout = int(re.search(r"proxy_read_timeout (\d+)s;", site).group(1))
    assert read_timeout > gunicorn_settings()["timeout"]


def test_the_example_environment_names_only_settings_the_code_reads():
    sources = "".join((ROOT / path).read_text() for path in ("config.py", "grants/__init__.py",
                                                                "deploy/gunicorn.conf.py"))
    example = (DEPLOY / "minha.env.example").read_text()
    names = re.findall(r"^#?([A-Z][A-Z0-9_]+)=", example, re.MULTILINE)
    assert {"SECRET_KEY", "DATABASE_URL", "STORAGE", "RATELIMIT_STORAGE_URI"} <= set(names)
    for name in names:
        assert f'"{name}"' in sources, f"{name} is read nowhere"


@pytest.mark.skipif(not (shutil.which("nginx") and shutil.which("openssl")), reason="nginx or openssl is not installed")
def test_nginx_accepts_the_site(tmp_path):
    # A throwaway certificate and this checkout's static folder in place of the production paths.
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    site = ((DEPLOY / "nginx" / "minha.conf").read_text()
            .replace("/etc/letsencrypt/live/grants.example.org/fullchain.pem", str(tmp_path / "cert.pem"))
            .replace("/etc/letsencrypt/live/grants.example.org/privkey.pem", str(tmp_path / "key.pem"))
            .replace(INSTALLED_AT, str(ROOT)))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\nhttp {{\n    include site.conf;\n}}\n")
    result = subprocess.run(["nginx", "-t", "-p", f"{tmp_path}/", "-c", str(tmp_path / "nginx.conf"),
                             "-e", "stderr"], check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_gunicorn_serves_the_app_with_these_settings(tmp_path):
    """The real thing, briefly: the master preloads the app, forks two workers (post_fork runs), they answer."""
    import signal
    import time
    import urllib.request

    from .fixtures.smtp import free_port

    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    environment = {"PATH": "/usr/bin:/bin", "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2",
                   "DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "APP_ENV": "development"}
    server = subprocess.Popen([str(gunicorn), "--config", str(DEPLOY / "gunicorn.conf.py")], cwd=ROOT,
                              env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        answers = []
        deadline = time.monotonic() + 60
        while len(answers) < 5 and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    answers.append(response.status)
            except OSError:
                time.sleep(0.2)
        assert answers == [200] * 5
    finally:
        server.send_signal(signal.SIGTERM)
        log, _ = server.communicate(timeout=60)
    assert server.returncode == 0, log
    assert log.count("Booting worker") == 2
    assert re.search(r'"GET /healthz HTTP/1.1" 200 \d+ .* \d+ms$', log, re.MULTILINE), log
