"""Reconnaissance detectors: automated collection, targeted watching, searches."""
