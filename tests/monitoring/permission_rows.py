"""Permission rows for monitoring. The world's grant (owned by the target applicant, not by the tested user) has
progress report 1 due ("report") with a receipt ("report_file") and a site visit ("visit") with a photo
("visit_file"). Each part below is written by the slice that adds its pages."""
from ..fixtures.permissions import STAFF, everyone, only, signed_in  # noqa: F401

ROWS = {
    # --- grantee pages
    # --- end of grantee rows
    # --- staff pages
    # --- end of staff rows
    # --- dashboards
    # --- end of dashboard rows
    # --- exports
    # --- end of export rows
}
