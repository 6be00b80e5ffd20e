"""Gunicorn settings for one Minha app server: `gunicorn -c deploy/gunicorn.conf.py run:app`.

Each server is stateless (sessions are signed cookies, files go through grants/storage.py, rate limits count in
Redis), so nginx can spread requests over as many of these as needed. Every value can be overridden from the
environment (GUNICORN_*) without editing this file.
"""
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


wsgi_app = "run:app"
# A private address that only nginx reaches: the app trusts X-Forwarded-* (TRUST_PROXY_HEADERS=1).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers, the classic 2 × cores + 1: requests are short and bound by the database; nginx buffers slow
# clients and uploads, so a worker is never held by a slow phone.
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"
# PDF letters, the donor XLSX and the ranking of a big call take seconds, not minutes.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
# Recycle each worker now and then (jittered so they do not all restart together) to keep memory flat.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = 200

# Load the app once in the master: workers start fast and share its memory. Nothing in create_app() opens a
# database connection or a storage client; post_fork drops them anyway in case something did.
preload_app = True

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")  # "-": stdout, i.e. the journal under systemd
errorlog = "-"
# The usual combined format plus the time taken in milliseconds (%(M)s), for spotting slow pages.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
proc_name = "minha-web"


def post_fork(server, worker):
    """A worker must not reuse connections inherited from the master: two processes on one socket mix replies."""
    from grants.extensions import db

    app = server.app.wsgi()
    app.extensions.pop("minha_storage", None)
    with app.app_context():
        db.engine.dispose(close=False)
