"""Capture, redact and import real API traffic."""
