"""Holdout scenario engine."""
