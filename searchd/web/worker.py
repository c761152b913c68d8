"""searchd's gunicorn worker: gunicorn's threaded worker (gthread), except that a request is
read by the worker's event loop, not by a thread of its pool.

gthread hands a connection to a pool thread as soon as its first bytes arrive, and the thread
then reads the rest of the request with blocking calls and no deadline: four sockets that send
one header line every few seconds hold four threads, and two hundred take the server down.
Here the event loop reads each connection's head (and a small body, if any) without blocking,
and only a complete request goes to a thread, with everything it needs already buffered:

- a request must be complete within REQUEST_SECONDS of the connection (idle ones too);
- a head larger than MAX_HEAD_BYTES is refused (414 or 431), a body larger than MAX_BODY_BYTES
  (413) or sent in chunks (411: searchd takes no uploads);
- at most MAX_READING connections are being read at once per worker; a new one past that
  closes the oldest (a flood of slow sockets then only ever delays itself);
- a thread writes its response with a send timeout of IO_SECONDS (a client that does not
  read cannot hold a thread for longer);
- health probes (GET /healthz, /readyz) have PROBE_THREADS threads of their own, so they
  never queue behind searches: a flood of searches that keeps every search thread busy
  would otherwise make an orchestrator think the service dead and restart it (as
  Elasticsearch keeps its management pool apart from its search pool).

Error responses that gunicorn writes itself (a malformed request) carry the same security
headers as searchd's own pages.

Relies on gunicorn's threaded worker (gunicorn.workers.gthread: ThreadWorker.accept,
enqueue_req, handle, finish_request, method_queue, murder_pending, TConn and its parser's
unreader), pinned in pyproject.toml.
"""

from __future__ import annotations

import errno
import html
import re
import resource
import selectors
import socket
import struct
import time
from collections import OrderedDict
from concurrent import futures
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from gunicorn import util
from gunicorn.workers.gthread import TConn, ThreadWorker

from .errors import SECURITY_HEADERS

REQUEST_SECONDS = 10.0   # from connect to a complete request
IO_SECONDS = 10.0        # a thread's wait for one send of its response
MAX_HEAD_BYTES = 16_384  # request line and headers
MAX_BODY_BYTES = 65_536
MAX_REQUEST_LINE = 8190
MAX_READING = 900        # connections being read at once, per worker
WORKER_CONNECTIONS = 1000
PROBE_THREADS = 2        # threads per worker that answer only health probes
_PROBE = re.compile(rb"(GET|HEAD) /(healthz|readyz)([?#][^ ]*)? HTTP/1\.[01]\r?\n")
_EXPECT = re.compile(rb"(?im)^expect:[ \t]*100-continue[ \t]*\r?\n")
_STATUS_OF_HEAD = {414: "URI Too Long", 431: "Request Header Fields Too Large",
                   413: "Content Too Large", 411: "Length Required", 408: "Request Timeout",
                   400: "Bad Request"}


@dataclass
class _Reading:
    """A connection whose request is still arriving."""

    deadline: float
    data: bytearray = field(default_factory=bytearray)
    continued: bool = False  # "100 Continue" sent (the client waits for it to send a body)


class SearchdWorker(ThreadWorker):
    """gthread with requests read by the event loop (see the module's docstring)."""

    def init_process(self) -> None:
        """Set up the table of connections being read, then gthread's own state."""
        self._reading: OrderedDict[TConn, _Reading] = OrderedDict()
        self._probes = futures.ThreadPoolExecutor(PROBE_THREADS, thread_name_prefix="probe")
        util.write_error = write_error  # gunicorn's error pages, with security headers
        super().init_process()

    def handle_quit(self, sig: Any, frame: Any) -> None:
        """Stop the probes' threads too on an immediate stop."""
        self._probes.shutdown(wait=False)
        super().handle_quit(sig, frame)

    def accept(self, listener: socket.socket) -> None:
        """Replaces ThreadWorker.accept, which hands a new connection to a pool thread at
        once: here the event loop reads its request first."""
        try:
            sock, addr = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = TConn(self.cfg, sock, addr, listener.getsockname())  # non-blocking
        if len(self._reading) >= MAX_READING:
            oldest = next(iter(self._reading))
            self._close_reading(oldest)
        self._reading[conn] = _Reading(time.monotonic() + REQUEST_SECONDS)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_data, conn))

    def _on_data(self, conn: TConn, _sock: Any) -> None:
        """Read what arrived; hand the connection to a thread once its request is whole."""
        reading = self._reading.get(conn)
        if reading is None:
            return
        try:
            chunk = conn.sock.recv(65_536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._close_reading(conn)
            return
        reading.data += chunk
        verdict = request_state(bytes(reading.data))
        if verdict == "incomplete":
            self._continue(conn, reading)
            return
        if isinstance(verdict, int):
            self._close_reading(conn, status=verdict)
            return
        data = bytes(reading.data)
        if reading.continued:  # answered here: gunicorn would answer it once more
            data = _EXPECT.sub(b"", data, count=1)
        self._dispatch(conn, data)

    @staticmethod
    def _continue(conn: TConn, reading: _Reading) -> None:
        """Answer "100 Continue" to a client that asked for it before sending its body
        (curl does for bodies over 1 KB), once its head is whole."""
        head, found, _ = bytes(reading.data).partition(b"\r\n\r\n")
        if found and not reading.continued and b"\nexpect: 100-continue" in head.lower():
            reading.continued = True
            try:
                conn.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            except OSError:
                pass

    def _dispatch(self, conn: TConn, data: bytes) -> None:
        """Give a connection whose request is buffered to the thread pool."""
        del self._reading[conn]
        self.poller.unregister(conn.sock)
        conn.init()  # the HTTP/1 parser (searchd serves no TLS, no HTTP/2)
        conn.parser.unreader.unread(data)
        conn.data_ready = True
        # an OS-level send timeout survives the pool thread's setblocking(True)
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO,
                             struct.pack("ll", int(IO_SECONDS), 0))
        if is_probe(data):
            done = self._probes.submit(self.handle, conn)
            done.add_done_callback(
                lambda fut: self.method_queue.defer(self.finish_request, conn, fut))
        else:
            self.enqueue_req(conn)

    def _close_reading(self, conn: TConn, status: int | None = None) -> None:
        """Stop reading a connection, answering status first if given."""
        self._reading.pop(conn, None)
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass
        if status is not None:
            try:
                write_error(conn.sock, status, _STATUS_OF_HEAD.get(status, "Bad Request"),
                            "The request was refused.")
            except OSError:
                pass
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self) -> None:
        """ThreadWorker.murder_pending, and then: close connections whose request has not
        arrived within REQUEST_SECONDS (called by the event loop at least once a second),
        and all of them once the worker stops (a browser's idle spare connections would
        hold up its graceful stop)."""
        super().murder_pending()
        now = time.monotonic()
        while self._reading:
            conn, reading = next(iter(self._reading.items()))
            if reading.deadline > now and self.alive:
                break  # the table is in order of arrival, so of deadline
            self._close_reading(conn, status=408 if reading.data else None)


def is_probe(data: bytes) -> bool:
    """True for a request for /healthz or /readyz (answered by the probes' threads)."""
    return _PROBE.match(data) is not None


def request_state(data: bytes) -> str | int:
    """"complete" when data holds a whole request, "incomplete" when more must come, or
    the HTTP status that refuses it."""
    end = data.find(b"\r\n\r\n")
    size = 4
    if end < 0:
        end, size = data.find(b"\n\n"), 2
    first_line = data.split(b"\n", 1)[0]
    if len(first_line) > MAX_REQUEST_LINE:
        return 414
    if end < 0:
        return 431 if len(data) > MAX_HEAD_BYTES else "incomplete"
    if end > MAX_HEAD_BYTES:
        return 431
    head = data[:end].lower()
    if b"\ntransfer-encoding:" in head:
        return 411
    length = _content_length(head)
    if length is None:
        return 400
    if length > MAX_BODY_BYTES:
        return 413
    return "complete" if len(data) >= end + size + length else "incomplete"


def _content_length(head: bytes) -> int | None:
    """The Content-Length of a lowercased head (0 when absent), None when it is bad."""
    for line in head.split(b"\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip() == b"content-length":
            value = value.strip()
            return int(value) if value.isdigit() and len(value) < 10 else None
    return 0


def write_error(sock: socket.socket, status: int, reason: str, message: str) -> None:
    """Replaces gunicorn.util.write_error (its pages had no security headers): a short
    HTML error page, then the connection is closed."""
    body = (f"<!doctype html><title>{status} {html.escape(reason)}</title>"
            f"<h1>{status} {html.escape(reason)}</h1><p>{html.escape(message)}</p>")
    encoded = body.encode("utf-8")
    headers = "".join(f"{name}: {value}\r\n" for name, value in SECURITY_HEADERS.items())
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
            f"Content-Type: text/html; charset=utf-8\r\nContent-Length: {len(encoded)}\r\n"
            f"{headers}\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + encoded)


def raise_open_files_limit() -> None:
    """Let the server keep as many connections open as the hard limit allows (each slow
    client holds one file descriptor)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65_536
    if soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            pass
