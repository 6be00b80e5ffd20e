"""Permission rows for monitoring. The world's grant (owned by the target applicant, not by the tested user) has
progress report 1 due ("report") with a receipt ("report_file") and a site visit ("visit") with a photo
("visit_file"). Each part below is written by the slice that adds its pages."""
from ..fixtures.permissions import STAFF, everyone, only, signed_in  # noqa: F401

ROWS = {
    # --- grantee pages
    # the report form is the target grantee's alone: others get 404; staff are sent to the report's review page
    "monitoring.report": ("GET", {"report_id": "report"}, {**only(*STAFF, ok=302), "applicant": 404,
                                                          "reviewer": 404}),
    "monitoring.upload_file": ("POST", {"report_id": "report"}, {**only(), "applicant": 404, "reviewer": 404,
                                                                 "staff": 404, "admin": 404}),
    "monitoring.remove_file": ("POST", {"report_id": "report", "file_id": "report_file"},
                               {**only(), "applicant": 404, "reviewer": 404, "staff": 404, "admin": 404}),
    # a report's receipt: its grantee and staff (the target grantee is not among the tested users)
    "monitoring.file": ("GET", {"file_id": "report_file"}, {**only(*STAFF), "applicant": 404, "reviewer": 404}),
    # --- end of grantee rows
    # --- staff pages
    "monitoring.overdue": ("GET", {}, only(*STAFF)),
    "monitoring.call_reports": ("GET", {"call_id": "call"}, only(*STAFF)),
    # without months the call's reports page is shown again with the error beside the field
    "monitoring.call_followup": ("POST", {"call_id": "call"}, only(*STAFF)),
    # the world's report is due (not submitted): staff read it, without the review buttons
    "monitoring.review": ("GET", {"report_id": "report"}, only(*STAFF)),
    "monitoring.grant_monitoring": ("GET", {"grant_id": "grant"}, only(*STAFF)),
    "monitoring.new_visit": ("GET", {"grant_id": "grant"}, only(*STAFF)),
    "monitoring.visit": ("GET", {"visit_id": "visit"}, only(*STAFF)),
    # without a file the visit page is shown again with the error beside the photos field
    "monitoring.add_visit_file": ("POST", {"visit_id": "visit"}, only(*STAFF)),
    # --- end of staff rows
    # --- dashboards
    "monitoring.dashboard": ("GET", {}, only(*STAFF)),
    # --- end of dashboard rows
    # --- exports
    # the form; its POST downloads the workbook (tested in tests/monitoring/test_exports.py)
    "monitoring.export": ("GET", {}, only(*STAFF)),
    "monitoring.summary_pdf": ("GET", {"call_id": "call"}, only(*STAFF)),
    # --- end of export rows
}
