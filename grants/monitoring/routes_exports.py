"""Monitoring pages (exports): written in issue 8."""
