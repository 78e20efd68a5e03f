"""A small TCP proxy for fault injection: cuts connections after some bytes, or slows them down.
Loopback only; it stops with the test."""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class FaultyProxy:
    def __init__(self, upstream_port: int, cut_after: list[int] | None = None, delay: float = 0.0) -> None:
        self.upstream_port = upstream_port
        self.cut_after = list(cut_after or [])  # per new connection: server->client bytes before a cut
        self.delay = delay
        self.connections = 0
        self.cuts = 0
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._stop.set()
        self.listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            limit = self.cut_after.pop(0) if self.cut_after else None
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            pair = (client, upstream)
            threading.Thread(target=self._pump, args=(client, upstream, None, pair), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, limit, pair), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, limit: int | None, pair: tuple) -> None:
        sent = 0
        try:
            while not self._stop.is_set():
                data = source.recv(4096)
                if not data:
                    break
                if self.delay:
                    time.sleep(self.delay)
                if limit is not None and sent + len(data) > limit:
                    sink.sendall(data[: max(0, limit - sent)])
                    self.cuts += 1
                    break
                sink.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for s in pair:  # a cut closes both directions, as a dropped connection would
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
