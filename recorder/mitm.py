"""mitmproxy addon: forward-proxy capture for apps whose base URL cannot be changed.

`twins record --mitm` runs `mitmdump -s recorder/mitm.py`; the app sends its traffic through it
(`HTTPS_PROXY=http://127.0.0.1:8180`, trusting mitmproxy's CA for HTTPS). Each finished flow
becomes an exchange, redacted and written by the same rotating writer as the reverse proxy.
This module imports mitmproxy nowhere at import time: it needs only the flow objects it is given.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from recorder.classify import detect_service
from recorder.codec import iso_timestamp
from recorder.redact import Redactor
from recorder.redact_rules import Rules, redaction_key
from recorder.trace import Body, Exchange, Request, Response
from recorder.wire import ENCODING_NOTE, forwardable
from recorder.writer import RotatingTraceWriter

AUTO = "auto"


def _pairs(headers: Any) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers.fields]


def flow_to_exchange(flow: Any, service: str = AUTO) -> Exchange:
    """An exchange from a finished mitmproxy HTTP flow: bodies decoded, encoding noted."""
    from datetime import UTC, datetime

    request, response = flow.request, flow.response
    url = request.pretty_url
    headers = forwardable(_pairs(response.headers))
    encoding = response.headers.get("content-encoding", "")
    body = response.get_content(strict=False) or b""
    if encoding and encoding.lower() != "identity":
        headers = [(k, v) for k, v in headers if k.lower() not in ("content-encoding", "content-length")]
        headers += [("content-length", str(len(body))), (ENCODING_NOTE, encoding)]
    started = request.timestamp_start or 0.0
    ended = response.timestamp_end or started
    return Exchange(
        service=detect_service(url) if service == AUTO else service,
        ts=iso_timestamp(datetime.fromtimestamp(started, UTC)) if started else "",
        request=Request(
            method=request.method,
            url=url,
            headers=forwardable(_pairs(request.headers)),
            body=Body.from_bytes(request.get_content(strict=False) or b""),
        ),
        response=Response(status=response.status_code, headers=headers, body=Body.from_bytes(body)),
        duration_ms=round(max(ended - started, 0.0) * 1000, 3),
    )


class TwinsRecorder:
    """The addon: options `twins_out`, `twins_service`, `twins_hosts`, `twins_redact`,
    `twins_rules`, `twins_fsync`, `twins_rotate_mb`; the pseudonym key from TWINS_REDACT_KEY."""

    def __init__(self) -> None:
        self.writers: dict[str, RotatingTraceWriter] = {}
        self.redactor: Redactor | None = None
        self.options: Any = None

    def load(self, loader: Any) -> None:
        loader.add_option("twins_out", str, "traces", "folder for the JSONL traces")
        loader.add_option("twins_service", str, AUTO, "service name, or auto (from the host)")
        loader.add_option("twins_hosts", str, "", "comma-separated hosts to record (empty: all)")
        loader.add_option("twins_redact", bool, True, "redact before writing")
        loader.add_option("twins_rules", str, "", "YAML file of extra redaction rules")
        loader.add_option("twins_fsync", bool, False, "fsync after every exchange")
        loader.add_option("twins_rotate_mb", int, 64, "start a new file past this size")

    def configure(self, updated: Any) -> None:
        from mitmproxy import ctx

        self.options = ctx.options
        if self.options.twins_redact:
            rules = Rules.load(Path(self.options.twins_rules)) if self.options.twins_rules else None
            self.redactor = Redactor(redaction_key(os.environ.get("TWINS_REDACT_KEY")), rules)

    def wanted(self, host: str) -> bool:
        hosts = [h.strip().lower() for h in (self.options.twins_hosts or "").split(",") if h.strip()]
        return not hosts or host.lower() in hosts

    def response(self, flow: Any) -> None:
        if flow.response is None or not self.wanted(flow.request.pretty_host):
            return
        exchange = flow_to_exchange(flow, self.options.twins_service)
        self.writer(exchange.service).write(exchange)

    def writer(self, service: str) -> RotatingTraceWriter:
        if service not in self.writers:
            out = Path(self.options.twins_out)
            self.writers[service] = RotatingTraceWriter(
                out,
                service,
                max_bytes=self.options.twins_rotate_mb * 1024 * 1024,
                fsync=self.options.twins_fsync,
                redactor=self.redactor,
            )
        return self.writers[service]

    def done(self) -> None:
        for writer in self.writers.values():
            writer.close()


addons = [TwinsRecorder()]


def mitmdump_argv(
    mitmdump: str,
    host: str,
    port: int,
    out: Path,
    service: str,
    *,
    redact: bool,
    rules: Path | None,
    fsync: bool,
) -> list[str]:
    """The `mitmdump` command line that runs this addon as a forward proxy on host:port."""
    argv = [mitmdump, "--quiet", "--listen-host", host, "--listen-port", str(port), "-s", __file__]
    settings = {
        "twins_out": str(out),
        "twins_service": service,
        "twins_redact": str(redact).lower(),
        "twins_fsync": str(fsync).lower(),
    }
    if rules is not None:
        settings["twins_rules"] = str(rules)
    for name, value in settings.items():
        argv += ["--set", f"{name}={value}"]
    return argv
