"""Sponsor exports: data dictionary, CSV, PDF, CDISC ODM, transfer packages (no Qt)."""
