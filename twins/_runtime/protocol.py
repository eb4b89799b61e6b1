"""The HTTP protocol the twins are served with: uvicorn's httptools protocol, with the bound on a
request's line and headers that it lacks (uvicorn's h11 protocol has
`h11_max_incomplete_event_size`, which is set as well)."""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEADER_BYTES = 64 * 1024  # request line and headers of one request, together
KEEP_ALIVE = 75
"""Seconds an idle connection stays open (uvicorn's default is 5). Clients keep theirs longer
than 5 s (aiohttp, under the okta SDK, 15 s; urllib3, under requests, for as long as the pool
lives), and a server that closes an idle connection first races the client's next request on
it: a request with side effects sent at that moment fails, and is not sent again. The vendors'
own endpoints keep idle connections for a minute or more."""
_MESSAGE = b"request line and headers too large"
TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: " + str(len(_MESSAGE)).encode() + b"\r\n"
    b"connection: close\r\n\r\n" + _MESSAGE
)


class BoundedHttpTools(HttpToolsProtocol):
    """Counts the bytes that arrive while a request's head is incomplete; past the limit the request
    gets a 431 and the connection is closed, before the head is buffered whole."""

    head_bytes = 0
    in_body = False

    def data_received(self, data: bytes) -> None:
        if not self.in_body:
            self.head_bytes += len(data)
            if self.head_bytes > MAX_HEADER_BYTES:
                self.transport.write(TOO_LARGE)
                self.transport.close()
                return
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self.in_body = True
        self.head_bytes = 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self.in_body = False
        super().on_message_complete()
