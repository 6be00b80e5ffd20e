"""Accounts: registration, email verification, sign-in, passwords, profile and language."""
from flask import Blueprint

bp = Blueprint("accounts", __name__)

from . import routes  # noqa: E402,F401
