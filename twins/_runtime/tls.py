"""One TLS context for the twins' own outgoing requests (event deliveries, webhooks, hook checks).

An `httpx.AsyncClient` made without one loads the CA bundle anew, some 25 ms of CPU; the twins make
a client per delivery queue or per call, so they share this one instead (a context is safe to share
between clients, threads and event loops). Certificates are checked as httpx checks them."""

from __future__ import annotations

import ssl
from functools import cache

import certifi


@cache
def client_tls() -> ssl.SSLContext:
    """What httpx makes for a client with `trust_env=False`: certifi's CA bundle, verification on."""
    return ssl.create_default_context(cafile=certifi.where())
