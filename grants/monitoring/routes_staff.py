"""Monitoring pages (staff): written in issue 8."""
