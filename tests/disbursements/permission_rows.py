"""Permission rows for disbursements. The world's application (owned by the target applicant, not by the tested
user) has a grant: tranche 1 ("issued_tranche") with an issued letter ("letter", token "letter_token"), tranche 2
("tranche") pending."""
from ..fixtures.permissions import STAFF, everyone, only, signed_in  # noqa: F401

ROWS = {
    # --- staff pages
    "disbursements.call_grants": ("GET", {"call_id": "call"}, only(*STAFF)),
    # without form data the schedule form is shown again with its error
    "disbursements.call_schedule": ("POST", {"call_id": "call"}, only(*STAFF)),
    "disbursements.grant": ("GET", {"grant_id": "grant"}, only(*STAFF)),
    "disbursements.schedule": ("GET", {"grant_id": "grant"}, only(*STAFF)),
    # without a date the grant page is shown again with the error beside the field
    "disbursements.file_agreement": ("POST", {"grant_id": "grant"}, only(*STAFF)),
    # tranche 2 is pending and tranche 1 unpaid: each verb is refused and staff go back to the grant with the reason
    "disbursements.request": ("POST", {"tranche_id": "tranche"}, only(*STAFF, ok=302)),
    "disbursements.approve": ("POST", {"tranche_id": "tranche"}, only(*STAFF, ok=302)),
    "disbursements.issue_letter": ("POST", {"tranche_id": "tranche"}, only(*STAFF, ok=302)),
    "disbursements.pay": ("GET", {"tranche_id": "issued_tranche"}, only(*STAFF)),
    "disbursements.cancel": ("GET", {"tranche_id": "tranche"}, only(*STAFF)),
    "disbursements.reissue_letter": ("GET", {"letter_id": "letter"}, only(*STAFF)),
    # --- end of staff rows
    # --- grantee pages
    # the tested users do not own the world's application: 404 for them, staff see the grantee's page
    "disbursements.mine": ("GET", {"application_id": "application"}, {**only(*STAFF), "applicant": 404,
                                                                      "reviewer": 404}),
    # the world's grant has no stored agreement yet: the download makes it (grants.disbursements.agreement)
    "disbursements.agreement": ("GET", {"grant_id": "grant"}, {**only(*STAFF), "applicant": 404, "reviewer": 404}),
    # --- end of grantee rows
    # --- letters and verification
    # the letter belongs to the target's grant: other applicants and reviewers get 404, as for any other's object
    "disbursements.letter": ("GET", {"letter_id": "letter"}, {**only(*STAFF), "applicant": 404, "reviewer": 404}),
    # the QR code's page is public: anyone holding the letter may check it
    "disbursements.verify_letter": ("GET", {"token": "letter_token"}, everyone(200)),
    "disbursements.letters_zip": ("GET", {"call_id": "call"}, only(*STAFF)),
    # staff are sent back to the call's (or grant's) page with a message once the emails are queued
    "disbursements.email_letters": ("POST", {"call_id": "call"}, only(*STAFF, ok=302)),
    "disbursements.email_letter": ("POST", {"letter_id": "letter"}, only(*STAFF, ok=302)),
    # --- end of letter rows
    # --- ledger
    "disbursements.ledger": ("GET", {"call_id": "call"}, only(*STAFF)),
    "disbursements.ledger_export": ("GET", {"call_id": "call", "fmt": "xlsx"}, only(*STAFF)),
    "disbursements.program_ledger": ("GET", {}, only(*STAFF)),
    # --- end of ledger rows
}
