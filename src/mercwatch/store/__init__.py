"""Stores: the analytics engine (Ibis) and the operational state store (SQLAlchemy)."""
