"""Okta domain operations: no FastAPI here; they raise OktaError and write through the store."""
