"""Signed, expiring tokens for the links we email: verification, password reset, invitation."""
import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"minha.{purpose}")


def password_fingerprint(user) -> str:
    """Changes whenever the password does, which makes reset and invitation links single-use."""
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:16]


def make_token(purpose: str, **payload) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int) -> dict | None:
    """The payload, or None when the token is forged, for another purpose, or expired."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    return payload if isinstance(payload, dict) else None
