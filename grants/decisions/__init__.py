"""Funding decisions: selecting which ranked applications are funded."""
