"""Shared twin runtime: app factory, store, tenancy, clock, ids, admin API, faults, journal."""
