"""Monitoring pages (grantee): written in issue 8."""
