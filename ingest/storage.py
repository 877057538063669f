"""Crash-safe file writes shared by every store in the data directory.

A file is written to a temporary sibling, flushed to disk, then renamed over the target, so a
process killed at any moment leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import hashlib
import json
import os
import signal
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically."""
    atomic_write_with(path, lambda tmp: tmp.write_bytes(data))


def atomic_write_with(path: Path, write: Callable[[Path], object]) -> None:
    """Replace ``path`` atomically with what ``write`` writes to the temporary path it is given.

    For writers that want a file name rather than bytes (``faiss.write_index`` streams a large
    index to disk without a copy in memory).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        # mkstemp creates the file 0600; the file we replace it with follows the umask, as
        # open() would have made it (exports are for other programs and people to read).
        os.chmod(tmp, 0o666 & ~current_umask())
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def writable_dir(path: Path) -> bool:
    """True when ``path`` (or, while it does not exist yet, its nearest existing parent) may be
    written by this process (false on a read-only file system)."""
    directory = path
    while not directory.exists() and directory != directory.parent:
        directory = directory.parent
    return os.access(directory, os.W_OK)


def current_umask() -> int:
    """The process umask, read without changing it where Linux tells it (``/proc``)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore (a brief window for other threads)
    os.umask(mask)
    return mask


def atomic_write_json(path: Path, value: Any) -> None:
    """Replace ``path`` with ``value`` as UTF-8 JSON, atomically."""
    atomic_write_bytes(
        path, json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    )


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def exclusive_lock(path: Path, *, blocking: bool = True) -> Iterator[bool]:
    """Hold an exclusive advisory lock on ``path`` (created if missing) for the block.

    Writers of one data directory, in this process or others, take it so their writes do not
    interleave. With ``blocking=False`` the block gets False at once when another holder has it
    (and holds nothing), else True.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def shared_lock(path: Path) -> Iterator[None]:
    """Hold a shared advisory lock on ``path`` for the block (many holders; no exclusive one).

    Where the lock file cannot be created (a read-only directory, where no one writes), the
    block runs without it.
    """
    try:
        f = open(path, "a+b")  # noqa: SIM115 - closed below, after the lock is released
    except OSError:
        yield
        return
    with f:
        fcntl.flock(f.fileno(), fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, hex, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a store builds millions of small objects.

    Loading the bulk store's graph creates a few million dicts, tuples and strings, none of them
    garbage; the collector ran over all of them again and again (3.7 s to load, 1.9 s paused).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


FAULT_ENV = "POLICYKG_FAULT"
_fault_counts: dict[str, int] = {}


def fault_point(name: str) -> None:
    """Die here, as ``kill -9`` would, when ``POLICYKG_FAULT`` names this point.

    For the fault-injection tests: ``POLICYKG_FAULT=graph-committed`` kills the process the first
    time it passes that point, ``graph-committed:3`` the third time. Unset, this does nothing.
    """
    wanted = os.environ.get(FAULT_ENV)
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _fault_counts[name] = _fault_counts.get(name, 0) + 1
    if _fault_counts[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)


def remove_quietly(path: Path) -> None:
    """Delete a file if it exists."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
