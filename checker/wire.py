"""The sockets under httpcore: plain asyncio streams, TLS over memory BIOs, resumed sessions.

httpcore's own backend goes through anyio, whose layers (a cancel scope per read and write, a
task lookup per checkpoint) add CPU to every read and write of every request. This backend
speaks to asyncio directly: a ``Protocol`` collects what arrives, and TLS runs on an
``ssl.SSLObject`` over two ``MemoryBIO``, the way anyio does it, with the same errors.

A scan opens a connection for each of its probes at once, to the host its main request has just
talked to. Each one gets the session of the first handshake that succeeded with the same
address, port, server name and context (``Backend.session``), so the server resumes it instead
of sending and proving its certificate again: about 30% less CPU for the client's handshake
(measured with callgrind: the resumed handshake, plus the copy ``ssl`` makes of the session),
and much less for the server's. Sessions live as long as the backend, one scan: every scan
verifies the certificate afresh, and a session made with the unverified context is never
offered by the verified one (``ssl`` refuses a session of another context anyway).
"""

from __future__ import annotations

import asyncio
import collections
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
from httpcore._exceptions import map_exceptions

# Pause reading from a socket when this much is waiting to be read: a target that sends a body
# nobody reads fills no more memory than this.
_HIGH_WATER = 256 * 1024
_CHUNK = 64 * 1024
# New connections that read a first connection's session before it is known to have none.
_TRIES = 3

SessionKey = tuple[ssl.SSLContext, str, int, str | None]


class _Wire(asyncio.Protocol):
    """The bytes a TCP connection received and not yet read, and whether it ended."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.chunks: collections.deque[bytes] = collections.deque()
        self.buffered = 0
        self.ended = False
        self.error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._drained: asyncio.Future[None] | None = None
        self._paused = False

    # asyncio's callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered > _HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.ended = True
        self._wake()
        return False  # close the transport

    def connection_lost(self, exc: BaseException | None) -> None:
        self.ended = True
        self.error = exc
        self._wake()
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    def pause_writing(self) -> None:
        self._drained = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        self._drained = None

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # what the stream uses
    async def receive(self, max_bytes: int, timeout: float | None) -> bytes:
        """Up to ``max_bytes`` that arrived; empty once the peer has closed and all is read."""
        if not self.chunks and not self.ended:
            await self._wait(timeout)
        if not self.chunks:
            if self.error is not None:
                raise self.error if isinstance(self.error, OSError) else OSError(self.error)
            return b""
        data = self.chunks.popleft()
        if len(data) > max_bytes:
            self.chunks.appendleft(data[max_bytes:])
            data = data[:max_bytes]
        self.buffered -= len(data)
        if self._paused and self.buffered <= _HIGH_WATER // 4 and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return data

    async def _wait(self, timeout: float | None) -> None:
        loop = asyncio.get_running_loop()
        self._waiter = waiter = loop.create_future()
        timer = None if timeout is None else loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()

    async def drain(self, timeout: float | None) -> None:
        drained = self._drained
        if drained is None or drained.done():
            return
        loop = asyncio.get_running_loop()
        timer = None if timeout is None else loop.call_later(timeout, _expire, drained)
        try:
            await asyncio.shield(drained)
        finally:
            if timer is not None:
                timer.cancel()


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


_READ_ERRORS = {TimeoutError: httpcore.ReadTimeout, OSError: httpcore.ReadError}
_WRITE_ERRORS = {TimeoutError: httpcore.WriteTimeout, OSError: httpcore.WriteError}
_TLS_ERRORS = {
    TimeoutError: httpcore.ConnectTimeout,
    OSError: httpcore.ConnectError,  # ssl.SSLError too, a certificate that did not verify
}
_CONNECT_ERRORS = {TimeoutError: httpcore.ConnectTimeout, OSError: httpcore.ConnectError}


class _Broken(OSError):
    """The TLS layer failed under a read or a write (anyio's BrokenResourceError)."""


class Stream(httpcore.AsyncNetworkStream):
    """One TCP connection, plain or (after ``start_tls``) TLS."""

    def __init__(self, wire: _Wire, backend: Backend, address: str, port: int) -> None:
        self._wire = wire
        self._backend = backend
        self._address = address
        self._port = port
        self._tls: ssl.SSLObject | None = None
        self._incoming: ssl.MemoryBIO | None = None
        self._outgoing: ssl.MemoryBIO | None = None

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with map_exceptions(_READ_ERRORS):
            if self._tls is None:
                return await self._wire.receive(max_bytes, timeout)
            return await self._tls_call(self._tls.read, timeout, max_bytes, ended=b"")

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        with map_exceptions(_WRITE_ERRORS):
            if self._wire.ended:
                raise _Broken("the connection is closed")
            if self._tls is None:
                self._transport.write(buffer)
            else:
                await self._tls_call(self._tls.write, timeout, buffer)
            await self._wire.drain(timeout)

    async def aclose(self) -> None:
        transport = self._wire.transport
        if transport is not None and not transport.is_closing():
            transport.close()
            transport.abort()  # drops what a peer that reads nothing would keep waiting

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        key: SessionKey = (ssl_context, self._address, self._port, server_hostname)
        self._incoming, self._outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        try:
            with map_exceptions(_TLS_ERRORS):
                tls = ssl_context.wrap_bio(
                    self._incoming,
                    self._outgoing,
                    server_side=False,
                    server_hostname=_idna(server_hostname),
                    session=self._backend.session(key),
                )
                self._tls = tls
                # The last flight of the handshake leaves with the request, in one segment.
                await self._tls_call(tls.do_handshake, timeout, flush=False)
        except BaseException:
            await self.aclose()
            raise
        self._backend.remember(key, tls)
        return self

    def get_extra_info(self, info: str) -> Any:
        transport = self._wire.transport
        if info == "ssl_object":
            return self._tls
        if info == "client_addr":
            return None if transport is None else transport.get_extra_info("sockname")
        if info == "server_addr":
            return None if transport is None else transport.get_extra_info("peername")
        if info == "socket":
            return None if transport is None else transport.get_extra_info("socket")
        if info == "is_readable":
            # What a kept-alive connection tells the pool: the peer closed it or sent
            # something unasked, so it must not be used again.
            return self._wire.ended or bool(self._wire.chunks)
        return None

    @property
    def _transport(self) -> asyncio.Transport:
        assert self._wire.transport is not None
        return self._wire.transport

    async def _tls_call(
        self,
        method: Any,
        timeout: float | None,
        *args: Any,
        ended: bytes | None = None,
        flush: bool = True,
    ) -> Any:
        """Run an SSLObject method, feeding it from the socket until it stops wanting more.

        As anyio does for httpcore: a TLS end without close_notify ends a read (``ended`` is
        returned) and breaks anything else, a system error under TLS breaks the stream, and any
        other TLS error is raised as it is. Without ``flush``, what the method wrote waits for
        the next write (or read) to be sent."""
        assert self._incoming is not None and self._outgoing is not None
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            try:
                result = method(*args)
            except ssl.SSLWantReadError:
                self._flush()
                left = None if deadline is None else max(0.0, deadline - loop.time())
                try:
                    data = await self._wire.receive(_CHUNK, left)
                except TimeoutError:
                    raise
                except OSError as exc:
                    self._incoming.write_eof()
                    self._outgoing.write_eof()
                    raise _Broken(str(exc)) from exc
                if data:
                    self._incoming.write(data)
                else:
                    self._incoming.write_eof()
            except ssl.SSLWantWriteError:
                self._flush()
            except ssl.SSLSyscallError as exc:
                self._incoming.write_eof()
                self._outgoing.write_eof()
                raise _Broken(str(exc)) from exc
            except ssl.SSLError as exc:
                self._incoming.write_eof()
                self._outgoing.write_eof()
                if isinstance(exc, ssl.SSLEOFError) or (
                    exc.strerror and "UNEXPECTED_EOF_WHILE_READING" in exc.strerror
                ):
                    if ended is not None:
                        return ended
                    raise _Broken("the peer closed the connection") from exc
                raise
            else:
                if flush:
                    self._flush()
                return result

    def _flush(self) -> None:
        assert self._outgoing is not None
        if self._outgoing.pending:
            data = self._outgoing.read()
            if self._wire.ended:
                raise _Broken("the connection is closed")
            self._transport.write(data)


def _idna(host: str | None) -> bytes | None:
    """The server name as anyio gives it to ``ssl``: IDNA 2008, not ``ssl``'s IDNA 2003."""
    if host is None:
        return None
    try:
        return host.encode("ascii")
    except UnicodeEncodeError:
        import idna

        return idna.encode(host, uts46=True)


class Backend(httpcore.AsyncNetworkBackend):
    """Connects to an address (never a name: ``PinnedBackend`` resolved it) over asyncio, and
    keeps the TLS sessions of one scan."""

    def __init__(self) -> None:
        # Per key: the first connection that completed a handshake, until its session is
        # settled; then that session, or None when the server gives none to resume.
        self._sessions: dict[SessionKey, ssl.SSLObject | ssl.SSLSession | None] = {}
        self._tries: dict[SessionKey, int] = {}

    def session(self, key: SessionKey) -> ssl.SSLSession | None:
        """The session to resume for a new connection, if a handshake like it succeeded.

        Reading ``SSLObject.session`` copies the session, peer certificate and all (about as
        much CPU as a resumed handshake), so it is read until it is settled, then kept."""
        done = self._sessions.get(key)
        if not isinstance(done, ssl.SSLObject):
            return done
        session = done.session
        # A TLS 1.3 session is resumable once its ticket came, after the first answer.
        if session is not None and (session.has_ticket or done.version() != "TLSv1.3"):
            self._sessions[key] = session
        else:
            self._tries[key] = tries = self._tries.get(key, 0) + 1
            if tries >= _TRIES:
                self._sessions[key] = None
        return session

    def remember(self, key: SessionKey, tls: ssl.SSLObject) -> None:
        """Note a connection whose handshake succeeded (verified, with a verifying context):
        the first one of a key is the one later connections resume."""
        self._sessions.setdefault(key, tls)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        local = None if local_address is None else (local_address, 0)
        with map_exceptions(_CONNECT_ERRORS):
            async with asyncio.timeout(timeout):
                _, wire = await loop.create_connection(_Wire, host, port, local_addr=local)
        stream = Stream(wire, self, host, port)
        if socket_options:
            raw = wire.transport.get_extra_info("socket") if wire.transport else None
            for option in socket_options:
                raw.setsockopt(*option)
        return stream

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("a scan connects over TCP only")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
