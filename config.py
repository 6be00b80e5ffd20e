"""Settings for every environment, read from the process environment (or a .env file)."""
import os
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
load_dotenv(BASE_DIR / ".env")


def env(name, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_int(name, default):
    return int(env(name, default))


def env_bool(name, default=False):
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(url):
    """Let operators write postgres:// or postgresql:// and still get the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    SECRET_KEY = env("SECRET_KEY", "dev-only-secret-change-me")
    SQLALCHEMY_DATABASE_URI = database_url(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'grants.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    PROGRAM_NAME = env("PROGRAM_NAME", "Minha")
    # Letters and agreements (PDF): the program's Arabic name (else PROGRAM_NAME), a logo file (PNG or JPEG path)
    # drawn at the top when set, and who signs agreements for the program (printed under its signature line).
    PROGRAM_NAME_AR = env("PROGRAM_NAME_AR")
    PROGRAM_LOGO = env("PROGRAM_LOGO")
    LETTER_SIGNATORY = env("LETTER_SIGNATORY")
    TIMEZONE = env("TIMEZONE", "Asia/Damascus")
    BABEL_DEFAULT_LOCALE = env("DEFAULT_LOCALE", "ar")
    BABEL_DEFAULT_TIMEZONE = TIMEZONE
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = ("ar", "en")

    # Mail: without MAIL_SERVER messages stay in the outbox and staff read them there.
    MAIL_SERVER = env("MAIL_SERVER")
    MAIL_PORT = env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS")
    MAIL_USE_SSL = env_bool("MAIL_USE_SSL")
    MAIL_USERNAME = env("MAIL_USERNAME")
    MAIL_PASSWORD = env("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = env("MAIL_DEFAULT_SENDER", "Minha <no-reply@example.org>")
    MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 8)
    MAIL_BATCH_SIZE = env_int("MAIL_BATCH_SIZE", 100)
    MAIL_TIMEOUT = env_int("MAIL_TIMEOUT", 10)
    MAIL_SEND_AFTER_REQUEST_MAX = env_int("MAIL_SEND_AFTER_REQUEST_MAX", 20)

    # Links in emails are absolute; set this to the public address in production.
    PUBLIC_URL = env("PUBLIC_URL")
    PREFERRED_URL_SCHEME = env("PREFERRED_URL_SCHEME", "http")

    EMAIL_TOKEN_MAX_AGE = env_int("EMAIL_TOKEN_MAX_AGE", 3 * 24 * 3600)
    RESET_TOKEN_MAX_AGE = env_int("RESET_TOKEN_MAX_AGE", 2 * 3600)
    INVITE_TOKEN_MAX_AGE = env_int("INVITE_TOKEN_MAX_AGE", 14 * 24 * 3600)

    # Login throttling: this many failures for one account or one address within the window
    # locks further attempts for the window.
    LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
    LOGIN_WINDOW_SECONDS = env_int("LOGIN_WINDOW_SECONDS", 15 * 60)

    RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True

    # Uploaded and generated files (grants/storage.py): "local" keeps them in UPLOAD_FOLDER (else instance/files),
    # which several app servers must share; "s3" keeps them in an S3-compatible bucket.
    STORAGE = env("STORAGE", "local")
    UPLOAD_FOLDER = env("UPLOAD_FOLDER")
    S3_BUCKET = env("S3_BUCKET")
    S3_ENDPOINT_URL = env("S3_ENDPOINT_URL")  # unset for AWS itself; e.g. http://minio.internal:9000
    S3_REGION = env("S3_REGION", "us-east-1")
    S3_ACCESS_KEY_ID = env("S3_ACCESS_KEY_ID")  # unset: boto3's usual sources (environment, instance role)
    S3_SECRET_ACCESS_KEY = env("S3_SECRET_ACCESS_KEY")

    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 30 * 1024 * 1024)
    # Each uploaded document; MAX_CONTENT_LENGTH above bounds the whole request.
    UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
    REMEMBER_COOKIE_DURATION = env_int("REMEMBER_COOKIE_DAYS", 30) * 24 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # a long form typed on a slow phone must not expire mid-way


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    MAIL_SERVER = None


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = env("PREFERRED_URL_SCHEME", "https")

    @staticmethod
    def check(settings):
        """Refuse to start with development defaults: a forged session or a lost database is worse."""
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not env(name)]
        if str(settings.get("STORAGE", "local")).lower() == "s3" and not settings.get("S3_BUCKET"):
            missing.append("S3_BUCKET")
        if missing:
            raise RuntimeError("Production needs these environment variables: " + ", ".join(missing))


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
