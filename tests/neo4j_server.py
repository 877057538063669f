"""Start and stop the throw-away Neo4j server of ``tools/neo4j-server`` from Python tests.

The server is a real Neo4j 5.26 (Community) started in process by neo4j-harness. Its launcher
``tools/neo4j-server/start.sh`` builds the Maven project on first use, prints exactly one line
``NEO4J READY bolt://127.0.0.1:PORT`` on stdout once Bolt accepts connections, and shuts Neo4j
down when its stdin is closed or it receives SIGTERM/SIGINT.

Only the standard library is used, so this module can be imported by ``conftest.py`` before
anything of the project is importable.

Example::

    server = Neo4jServerProcess()
    uri = server.start()          # e.g. "bolt://127.0.0.1:40123"; no auth
    try:
        ...                       # neo4j.GraphDatabase.driver(uri, auth=None)
    finally:
        server.stop()
"""

from __future__ import annotations

import collections
import contextlib
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, NoReturn

READY_PREFIX = "NEO4J READY "
"""Prefix of the single line that the server prints on stdout when it is ready."""

DEFAULT_START_SCRIPT = (
    Path(__file__).resolve().parent.parent / "tools" / "neo4j-server" / "start.sh"
)
"""Location of the launcher in this repository."""

_STOP_GRACE_SECONDS = 20.0
_STDERR_TAIL_LINES = 200


class Neo4jServerProcess:
    """A Neo4j server child process started through ``tools/neo4j-server/start.sh``.

    The child runs in its own process group (so that a Maven build that is still running is
    stopped together with it) and gets a stdin pipe: if this Python process dies without
    calling :meth:`stop`, the pipe closes and the server shuts itself down.

    Attributes:
        start_script: Path of the launcher script.
        data_dir: Directory that keeps the store between runs, or None for a temp directory
            that is deleted when the server stops.
        extra_args: Further command-line arguments for the launcher.
        env: Environment for the child, or None to inherit this process's environment.
        uri: Bolt URI of the running server, or None when not started.
    """

    def __init__(
        self,
        start_script: str | os.PathLike[str] | None = None,
        *,
        data_dir: str | os.PathLike[str] | None = None,
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        """Prepares (but does not start) a server process.

        Args:
            start_script: Launcher to run; defaults to ``tools/neo4j-server/start.sh`` of this
                repository.
            data_dir: Passed as ``--data-dir``; None keeps the database in a temp directory.
            extra_args: Further arguments appended to the launcher's command line.
            env: Environment for the child; None inherits the current one.
        """
        self.start_script = Path(start_script) if start_script is not None else DEFAULT_START_SCRIPT
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.extra_args = tuple(extra_args)
        self.env = dict(env) if env is not None else None
        self.uri: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL_LINES)
        self._stdout_lines: queue.Queue[str | None] = queue.Queue()
        self._threads: list[threading.Thread] = []

    @property
    def pid(self) -> int | None:
        """Process id of the launcher (after ``exec``, the JVM itself), or None."""
        return self._proc.pid if self._proc is not None else None

    def is_running(self) -> bool:
        """Tells whether the child process is still alive.

        Returns:
            True if the process was started and has not exited yet.
        """
        return self._proc is not None and self._proc.poll() is None

    def stderr_tail(self, lines: int = 40) -> str:
        """Returns the last lines that the server wrote to stderr.

        Args:
            lines: How many lines to return at most.

        Returns:
            The lines joined with newlines (empty if nothing was written).
        """
        tail = list(self._stderr_tail)[-lines:] if lines > 0 else []
        return "\n".join(tail)

    def start(self, port: int = 0, timeout: float = 180.0) -> str:
        """Launches the server and waits until Bolt accepts connections.

        The first start on a machine may build the Maven project (and download Neo4j's jars),
        which is why the default timeout is generous.

        Args:
            port: Bolt port on 127.0.0.1; 0 lets the server pick a free port.
            timeout: Seconds to wait for the READY line before giving up.

        Returns:
            The Bolt URI, e.g. ``"bolt://127.0.0.1:40123"`` (authentication is disabled).

        Raises:
            RuntimeError: If the server is already started, exits early, prints something
                unexpected, or is not ready within ``timeout``. The message includes the tail
                of the server's stderr; the process is stopped before raising.
        """
        if self._proc is not None:
            raise RuntimeError("Neo4j server already started")
        if not self.start_script.is_file():
            raise RuntimeError(f"Neo4j launcher not found: {self.start_script}")

        cmd = [str(self.start_script), "--port", str(port)]
        if self.data_dir is not None:
            cmd += ["--data-dir", str(self.data_dir)]
        cmd += list(self.extra_args)

        self._stderr_tail.clear()
        self._stdout_lines = queue.Queue()
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.env,
            start_new_session=True,  # own process group: stop() signals the whole tree
        )
        assert self._proc.stdout is not None and self._proc.stderr is not None
        self._threads = [
            threading.Thread(
                target=self._pump_stdout,
                args=(self._proc.stdout,),
                name="neo4j-stdout",
                daemon=True,
            ),
            threading.Thread(
                target=self._pump_stderr,
                args=(self._proc.stderr,),
                name="neo4j-stderr",
                daemon=True,
            ),
        ]
        for thread in self._threads:
            thread.start()

        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._fail(f"Neo4j server not ready after {timeout:.0f} s")
            try:
                line = self._stdout_lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if line is None:  # stdout closed: the process is exiting
                try:
                    code = self._proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    code = None
                self._fail(f"Neo4j server exited before it was ready (exit code {code})")
            if line.startswith(READY_PREFIX):
                self.uri = line[len(READY_PREFIX) :].strip()
                return self.uri
            self._stderr_tail.append(f"[stdout] {line}")

    def stop(self) -> None:
        """Stops the server and waits for it to exit.

        Closes the server's stdin and sends SIGTERM to its process group; if it has not
        exited after 20 seconds, the group is killed with SIGKILL. Safe to call more than once
        and on a server that never started.
        """
        proc = self._proc
        if proc is None:
            return
        try:
            if proc.poll() is None:
                if proc.stdin is not None:
                    with contextlib.suppress(OSError):
                        proc.stdin.close()
                self._signal_group(proc, signal.SIGTERM)
                try:
                    proc.wait(timeout=_STOP_GRACE_SECONDS)
                except subprocess.TimeoutExpired:
                    self._signal_group(proc, signal.SIGKILL)
                    proc.wait()
            # Anything else still in the group (e.g. a Maven build) goes too.
            self._signal_group(proc, signal.SIGKILL)
        finally:
            for thread in self._threads:
                thread.join(timeout=5)
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
            self._threads = []
            self._proc = None
            self.uri = None

    def __enter__(self) -> Neo4jServerProcess:
        """Starts the server with default arguments unless already started.

        Returns:
            This object; its ``uri`` attribute holds the Bolt URI.
        """
        if self._proc is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stops the server."""
        self.stop()

    def _fail(self, message: str) -> NoReturn:
        """Stops the process and raises RuntimeError with the tail of its stderr."""
        self.stop()
        tail = self.stderr_tail()
        raise RuntimeError(
            f"{message}; stderr tail:\n{tail}" if tail else f"{message} (no stderr output)"
        )

    @staticmethod
    def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
        """Sends a signal to the child's process group, ignoring a group that is gone."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)

    def _pump_stdout(self, stream: IO[bytes]) -> None:
        """Forwards stdout lines to the queue; None marks end-of-file."""
        try:
            for raw in iter(stream.readline, b""):
                self._stdout_lines.put(raw.decode("utf-8", "replace").rstrip("\r\n"))
        except (OSError, ValueError):
            pass
        finally:
            self._stdout_lines.put(None)

    def _pump_stderr(self, stream: IO[bytes]) -> None:
        """Keeps the last stderr lines (and keeps the pipe drained)."""
        try:
            for raw in iter(stream.readline, b""):
                self._stderr_tail.append(raw.decode("utf-8", "replace").rstrip("\r\n"))
        except (OSError, ValueError):
            pass
