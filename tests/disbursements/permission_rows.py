"""Permission rows for disbursements. The world's application (owned by the target applicant, not by the tested
user) has a grant: tranche 1 ("issued_tranche") with an issued letter ("letter", token "letter_token"), tranche 2
("tranche") pending."""
from ..fixtures.permissions import STAFF, everyone, only, signed_in  # noqa: F401

ROWS = {
    # --- staff pages
    # --- end of staff rows
    # --- grantee pages
    # --- end of grantee rows
    # --- letters and verification
    # --- end of letter rows
    # --- ledger
    # --- end of ledger rows
}
