"""`policykg serve --workers N`: N processes, each with its own listening socket on one port.

uvicorn's own ``--workers`` hands every worker the same listening socket, and asyncio accepts
every pending connection of a wake-up at once, so one worker takes most keep-alive clients and
the others idle (measured with 16 clients: one worker at 60% of a core, the other at 10%). Here
each worker binds the port itself with ``SO_REUSEPORT`` and the kernel spreads new connections
over the workers' sockets by address hash. The supervisor restarts a worker that dies after it
started serving and stops everything when one cannot start (a broken store or app would fail the
same way on every restart).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from multiprocessing.process import BaseProcess

from policykg.ingest.errors import InvalidRequestError

logger = logging.getLogger(__name__)

STARTUP_FAILURE = 3
"""Exit code of a worker whose app did not start (as uvicorn's)."""

REUSE_PORT = hasattr(socket, "SO_REUSEPORT") and sys.platform.startswith("linux")
"""Whether the kernel balances connections over sockets sharing a port (Linux does)."""


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` with ``SO_REUSEPORT``, not yet listening (uvicorn
    listens on it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def ensure_port_free(host: str, port: int) -> None:
    """Fail if something listens on ``host:port`` already.

    Sockets with ``SO_REUSEPORT`` of the same user would otherwise join a running server's
    group silently and take half its connections.

    Raises:
        InvalidRequestError: The port is taken.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            raise InvalidRequestError(f"cannot listen on {host}:{port}: {e.strerror}") from e


def _worker(data_dir: str, host: str, port: int, log_level: str) -> None:  # pragma: no cover
    """One worker process: the app built from the environment, served on its own socket."""
    import uvicorn

    os.environ["POLICYKG_DATA_DIR"] = data_dir
    config = uvicorn.Config(
        "policykg.api.app:create_app", factory=True, host=host, port=port, log_level=log_level
    )
    server = uvicorn.Server(config)
    server.run(sockets=[listening_socket(host, port)])
    if not server.started:
        sys.exit(STARTUP_FAILURE)


class Supervisor:
    """Starts the workers, restarts one that dies after it served, stops all on a signal."""

    def __init__(self, data_dir: str, host: str, port: int, workers: int, log_level: str) -> None:
        self._args = (data_dir, host, port, log_level)
        self._count = workers
        self._context = multiprocessing.get_context("spawn")
        self._stop = threading.Event()
        self.exit_code = 0

    def _start(self) -> BaseProcess:
        process = self._context.Process(target=_worker, args=self._args, daemon=False)
        process.start()
        return process

    def run(self) -> int:
        """Serve until SIGINT or SIGTERM (or a worker fails to start); the exit code."""
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, lambda *_: self._stop.set())
        processes = [self._start() for _ in range(self._count)]
        started = time.monotonic()
        try:
            while not self._stop.wait(0.5):
                for i, process in enumerate(processes):
                    if process.is_alive():
                        continue
                    if process.exitcode == STARTUP_FAILURE:
                        logger.error("worker %s could not start; stopping", process.pid)
                        self.exit_code = 1
                        self._stop.set()
                        break
                    logger.warning(
                        "worker %s exited (code %s) after %.0f s; starting another",
                        process.pid,
                        process.exitcode,
                        time.monotonic() - started,
                    )
                    processes[i] = self._start()
        finally:
            for process in processes:
                if process.is_alive():
                    process.terminate()
            deadline = time.monotonic() + 30
            for process in processes:
                process.join(max(0.1, deadline - time.monotonic()))
                if process.is_alive():
                    process.kill()
                    process.join()
        return self.exit_code


def serve_workers(data_dir: str, host: str, port: int, workers: int, log_level: str) -> int:
    """Serve the API from ``workers`` processes on ``host:port``; the exit code.

    Raises:
        InvalidRequestError: The port is taken.
    """
    ensure_port_free(host, port)
    return Supervisor(data_dir, host, port, workers, log_level).run()
