"""Disbursements: paying approved awards out in tranches."""
