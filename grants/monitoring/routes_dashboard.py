"""Monitoring pages (dashboard): written in issue 8."""
