"""Helpers every feature's routes share: show a refused verb on its form, run a one-button verb, safe redirects."""
from urllib.parse import urlsplit

from flask import flash, redirect, url_for

from .errors import ActionRefused
from .extensions import db


def safe_next(target: str | None, default: str = "main.index") -> str:
    """Only a path on this site: never another host, never a scheme, never a protocol-relative URL."""
    if target:
        parts = urlsplit(target)
        if (not parts.scheme and not parts.netloc and target.startswith("/")
                and not target.startswith("//") and "\\" not in target):
            return target
    return url_for(default)


def _field_named(form, name):
    """The form field called `name`, looking inside FieldLists too (their fields are named list-0-item ...)."""
    field = getattr(form, name, None)
    if field is not None:
        return field
    for candidate in form:
        if candidate.type == "FieldList":
            for entry in candidate:
                for sub in entry.form if hasattr(entry, "form") else ():
                    if sub.name == name:
                        return sub
    return None


def refuse(form, refusal: ActionRefused) -> None:
    """Show a service's refusal beside the field it concerns, or at the top of the form."""
    target = _field_named(form, refusal.field) if refusal.field else None
    if target is not None and target.type != "FieldList":
        target.errors = list(target.errors) + [str(refusal.message)]
    else:
        form.form_errors.append(str(refusal.message))


def undo_and_refuse(form, refusal: ActionRefused) -> None:
    """Undo whatever the refused verb already changed, then show its message on the form."""
    db.session.rollback()
    refuse(form, refusal)


def run_verb(action, success_message, back):
    """A button that runs one verb: commit and say so, or roll back and show the refusal; then go `back`."""
    try:
        action()
    except ActionRefused as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
    else:
        db.session.commit()
        if success_message:
            flash(success_message, "success")
    return redirect(back)


def form_verb(form, action, success_message, back, page):
    """Run a verb from a form: a refusal about one of the form's fields is shown beside it on the page again, with
    everything typed kept (`page()` renders it); any other refusal (the object moved on meanwhile, a second click)
    is a message on the page `back` leads to."""
    try:
        action()
    except ActionRefused as refusal:
        db.session.rollback()
        if refusal.field and getattr(form, refusal.field, None) is not None:
            refuse(form, refusal)
            return page()
        flash(refusal.message, "error")
        return redirect(back)
    db.session.commit()
    flash(success_message, "success")
    return redirect(back)
