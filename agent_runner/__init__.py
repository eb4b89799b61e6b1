"""Regenerate a twin from traces."""
