"""Indicators in and out: STIX 2.1, MISP, Meta CSV, plain lists; TAXII 2.1; the threat report."""
