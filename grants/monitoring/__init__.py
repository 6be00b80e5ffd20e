"""Monitoring: grantees' progress reports, site visits, program dashboards and donor exports."""
