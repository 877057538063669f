"""The data directory's commit record: which generation is committed, and the batch in flight.

A write of a batch changes several files (policy files and the graph manifest, the FAISS index,
the BM25 manifest). The commit protocol makes the batch one step for every process:

1. The writer holds ``.writer.lock`` for its whole run (one writer at a time) and, for each
   batch, ``.commit.lock`` exclusively while it changes files (the *commit window*).
2. Opening the window writes ``journal.json`` (what the batch adds and removes) before any store
   file changes; closing it writes ``store.json`` with the next generation, then deletes the
   journal.
3. Readers read ``store.json`` and load store files while holding ``.commit.lock`` shared, so they
   see a committed state, never half a batch; a reader holding a generation older than
   ``store.json`` reloads before answering.
4. A journal found while no writer holds the commit lock was left by a writer that died in its
   window. The next process that may write finishes the batch (the graph is the source of truth;
   the clause index is brought in line with it, vectors from the embedding cache) before it does
   anything else.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from policykg.ingest.errors import StoreError
from policykg.ingest.storage import (
    atomic_write_json,
    exclusive_lock,
    fault_point,
    remove_quietly,
    shared_lock,
)

logger = logging.getLogger(__name__)

STATE_FILE = "store.json"
JOURNAL_FILE = "journal.json"
WRITER_LOCK = ".writer.lock"
COMMIT_LOCK = ".commit.lock"


@dataclass(frozen=True, slots=True)
class Journal:
    """A batch in flight: the policies it adds and removes, from the generation it started at."""

    generation: int
    added: tuple[str, ...]
    removed: tuple[str, ...]


class StoreLog:
    """``store.json``, ``journal.json`` and the two lock files of one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._mine = threading.local()  # set while this thread holds the commit lock exclusively

    @property
    def _state_path(self) -> Path:
        return self.data_dir / STATE_FILE

    @property
    def _journal_path(self) -> Path:
        return self.data_dir / JOURNAL_FILE

    def generation(self) -> int:
        """The committed generation (0 for a store that never committed, or one made before the
        commit record existed; -1 when ``store.json`` is unreadable, so readers always reload)."""
        try:
            return int(json.loads(self._state_path.read_text(encoding="utf-8"))["generation"])
        except FileNotFoundError:
            return 0
        except (OSError, ValueError, KeyError, TypeError):
            logger.warning("%s is unreadable; it is rewritten at the next write", self._state_path)
            return -1

    def journal(self) -> Journal | None:
        """The journal left in the directory, or None."""
        try:
            data = json.loads(self._journal_path.read_text(encoding="utf-8"))
            return Journal(int(data["generation"]), tuple(data["added"]), tuple(data["removed"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            # Written atomically, so only damage makes it unreadable; it still means "unfinished".
            return Journal(-1, (), ())

    @contextlib.contextmanager
    def writer(self) -> Iterator[None]:
        """The writer lock (blocking).

        Raises:
            StoreError: The directory cannot be written (read-only, or no permission).
        """
        try:
            lock = exclusive_lock(self.data_dir / WRITER_LOCK)
            lock.__enter__()
        except OSError as e:
            raise StoreError(
                f"cannot write to {self.data_dir}: {e.strerror or e} (a read-only store answers "
                "questions but takes no documents)"
            ) from e
        try:
            yield
        finally:
            lock.__exit__(None, None, None)

    def reading(self) -> contextlib.AbstractContextManager[None]:
        """Hold the commit lock shared: no commit window opens or closes meanwhile. A thread in
        its own commit window already excludes every other (and would wait for itself)."""
        if getattr(self._mine, "held", False):
            return contextlib.nullcontext()
        return shared_lock(self.data_dir / COMMIT_LOCK)

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        with exclusive_lock(self.data_dir / COMMIT_LOCK):
            self._mine.held = True
            try:
                yield
            finally:
                self._mine.held = False

    def writer_died(self) -> bool:
        """True when a journal is left and no writer is in its commit window."""
        if not self._journal_path.exists():
            return False
        try:
            with exclusive_lock(self.data_dir / COMMIT_LOCK, blocking=False) as free:
                return free and self._journal_path.exists()
        except OSError:  # a read-only directory: no writer can be in it
            return self._journal_path.exists()

    @contextlib.contextmanager
    def commit(self, added: Sequence[str], removed: Sequence[str]) -> Iterator[int]:
        """The commit window of one batch; yields the generation it commits.

        Call it holding the writer lock. The journal is written before the block and
        ``store.json`` after it; an exception in the block leaves the journal, so the batch is
        finished by the next writer (see the module docstring).
        """
        with self._exclusive():
            generation = max(0, self.generation()) + 1
            try:
                atomic_write_json(
                    self._journal_path,
                    {"generation": generation, "added": list(added), "removed": list(removed)},
                )
            except OSError as e:
                raise _write_error(self._journal_path, e) from e
            fault_point("journal-written")
            yield generation
            fault_point("before-commit-record")
            self.mark_committed(generation)

    def mark_committed(self, generation: int) -> None:
        """Write ``store.json`` at ``generation`` and drop the journal (the batch is complete)."""
        try:
            atomic_write_json(self._state_path, {"version": 1, "generation": generation})
        except OSError as e:
            raise _write_error(self._state_path, e) from e
        fault_point("commit-record-written")
        remove_quietly(self._journal_path)

    @contextlib.contextmanager
    def repairing(self) -> Iterator[int]:
        """The commit window of a repair (holding the writer lock): yields the next generation."""
        with self._exclusive():
            generation = max(0, self.generation()) + 1
            yield generation
            self.mark_committed(generation)


def _write_error(path: Path, error: OSError) -> StoreError:
    return StoreError(
        f"cannot write {path}: {error.strerror or error}; nothing of this batch was stored"
    )
