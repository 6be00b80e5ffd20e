"""The grant agreement PDF (being written)."""
import hashlib

from ..storage import storage


def render_agreement(grant) -> bytes:
    raise NotImplementedError


def store_agreement(grant) -> None:
    """Render the agreement once, when the award is accepted, and keep the file and its SHA-256 with the grant."""
    try:
        data = render_agreement(grant)
    except NotImplementedError:
        return
    grant.agreement_key, grant.agreement_sha256 = storage().save(data), hashlib.sha256(data).hexdigest()
