"""Engagement detectors: fake personas, scripted outreach, coordination."""
