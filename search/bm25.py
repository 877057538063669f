"""BM25 over jieba tokens (bm25s), with unit names kept as single tokens.

bm25s builds a static index, so clause tokens are kept (in SQLite) and the index is rebuilt from
them when clauses are added or removed; tokenising, the slow part, happens once per clause text.
On disk (``<directory>/``): ``tokens.sqlite`` and ``index-<generation>/`` (bm25s files plus the
clause ids), named by ``manifest.json``, which is replaced last.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ingest.errors import StoreCorruptError, StoreError
from ingest.storage import atomic_write_json

logger = logging.getLogger(__name__)

_STOPWORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "等",
        "在",
        "对",
        "为",
        "以",
        "于",
        "将",
        "是",
        "由",
        "从",
        "把",
        "被",
        "其",
        "之",
        "并",
        "而",
        "且",
        "也",
        "要",
        "按",
        "按照",
        "根据",
        "进一步",
        "加强",
        "推进",
        "做好",
        "有关",
        "相关",
        "工作",
        "什么",
        "哪些",
        "哪个",
        "谁",
        "吗",
        "呢",
        "负责",
        "the",
        "a",
        "an",
        "of",
        "and",
        "or",
        "to",
        "in",
        "for",
        "on",
        "is",
        "are",
        "what",
        "which",
        "who",
        "does",
        "do",
        "how",
    ]
)
_KEEP = re.compile(r"[\w\u4e00-\u9fff]")


class ChineseTokenizer:
    """jieba search-mode tokens, lower-cased, without punctuation and stopwords.

    A private jieba dictionary holds the unit names, so 县商务局 stays one token (and search mode
    still adds its parts 商务, 商务局).
    """

    def __init__(self) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)  # jieba logs every dictionary load at DEBUG by default
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        self._words: set[str] = set()
        self._lock = threading.Lock()

    def add_words(self, words: Iterable[str]) -> None:
        """Add domain words (unit names) to the dictionary."""
        with self._lock:
            for word in words:
                if word and word not in self._words and len(word) <= 30:
                    self._jieba.add_word(word, freq=200_000)
                    self._words.add(word)

    def __call__(self, text: str) -> list[str]:
        tokens = []
        for piece in self._jieba.cut_for_search(text):
            token = piece.strip().lower()
            if token and _KEEP.search(token) and token not in _STOPWORDS:
                tokens.append(token)
        return tokens


@dataclass(frozen=True, slots=True)
class BuiltIndex:
    """A bm25s retriever over a set of clauses, with the clause at each document position."""

    ids: list[str]
    position: dict[str, int]
    retriever: object | None


def _build(tokens: Mapping[str, list[str]]) -> BuiltIndex:
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import
    ids = sorted(tokens)
    if not ids:
        return BuiltIndex([], {}, None)
    retriever = bm25s.BM25()
    # Empty token lists would be dropped by bm25s; a placeholder keeps positions aligned.
    retriever.index([tokens[c] or ["\u0000"] for c in ids], show_progress=False)
    return BuiltIndex(ids, {c: i for i, c in enumerate(ids)}, retriever)


@dataclass(frozen=True, slots=True)
class BM25Hit:
    """A clause found by BM25."""

    clause_id: str
    score: float


class BM25Index:
    """BM25 index of clause texts.

    Args:
        directory: Where tokens and the index persist; None keeps everything in memory.
        tokenizer: The tokenizer (shared with queries).
    """

    def __init__(self, directory: Path | None, tokenizer: ChineseTokenizer | None = None) -> None:
        self._directory = directory
        self.tokenizer = tokenizer or ChineseTokenizer()
        self._lock = threading.RLock()
        self._tokens: dict[str, list[str]] | None = None  # loaded on first change
        self._retriever: object | None = None
        self._ids: list[str] = []
        self._position: dict[str, int] = {}
        self._generation = 0
        self._dirty = False  # the live retriever differs from the tokens (rebuild needed)
        self._unsaved = False  # the live retriever differs from the one on disk
        # Clauses removed since the live retriever was built: masked out of results until the
        # next rebuild, so a removal never has to wait for one.
        self._tombstones: set[str] = set()
        self._db: sqlite3.Connection | None = None
        if directory is not None and (directory / "manifest.json").exists():
            self._load()

    # -- persistence ----------------------------------------------------------------------------

    def _load(self) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import

        assert self._directory is not None
        try:
            manifest = json.loads((self._directory / "manifest.json").read_text(encoding="utf-8"))
            self._generation = int(manifest["generation"])
            folder = self._directory / manifest["index"]
            self._ids = json.loads((folder / "clause_ids.json").read_text(encoding="utf-8"))
            self._retriever = bm25s.BM25.load(str(folder), mmap=False) if self._ids else None
        except (OSError, ValueError, KeyError) as e:
            raise StoreCorruptError(f"cannot load the BM25 index in {self._directory}: {e}") from e
        self._position = {c: i for i, c in enumerate(self._ids)}

    def _token_db(self) -> sqlite3.Connection:
        if self._db is None:
            assert self._directory is not None
            self._directory.mkdir(parents=True, exist_ok=True)
            try:
                self._db = sqlite3.connect(
                    self._directory / "tokens.sqlite", check_same_thread=False, timeout=30
                )
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS tokens (clause_id TEXT PRIMARY KEY, tokens TEXT NOT NULL)"
                )
            except sqlite3.Error as e:
                raise StoreError(f"cannot open BM25 tokens in {self._directory}: {e}") from e
        return self._db

    def _all_tokens(self) -> dict[str, list[str]]:
        if self._tokens is None:
            self._tokens = {}
            if self._directory is not None:
                for clause_id, tokens in self._token_db().execute(
                    "SELECT clause_id, tokens FROM tokens"
                ):
                    self._tokens[clause_id] = json.loads(tokens)
        return self._tokens

    def commit(self) -> None:
        """Bring the live index up to date with the tokens and persist it.

        The rebuild (seconds at bulk scale) runs without holding the index lock, so searches go
        on against the previous retriever meanwhile; the swap is instant.
        """
        with self._lock:
            if not self._dirty and not self._unsaved:
                return
            snapshot = dict(self._all_tokens()) if self._dirty else None
        if snapshot is not None:
            built = _build(snapshot)
            with self._lock:
                self._install(built, snapshot_equal=snapshot == self._all_tokens())
        with self._lock:
            if self._directory is not None and self._unsaved:
                self._save()
            self._unsaved = False

    def stage(self, clause_ids: Sequence[str], token_lists: Sequence[list[str]]) -> BuiltIndex:
        """Build, without touching the live index, the index as it will be with these added.

        Pair with :meth:`add_tokens` and :meth:`install` under the caller's write lock: readers
        then never wait for a rebuild.
        """
        with self._lock:
            snapshot = dict(self._all_tokens())
        snapshot.update(zip(clause_ids, token_lists, strict=True))
        return _build(snapshot)

    def install(self, built: BuiltIndex) -> None:
        """Make a staged index live (clauses removed since it was staged stay masked out)."""
        with self._lock:
            self._install(built, snapshot_equal=set(built.ids) == set(self._all_tokens()))

    def _install(self, built: BuiltIndex, *, snapshot_equal: bool) -> None:
        tokens = self._all_tokens()
        self._retriever, self._ids, self._position = built.retriever, built.ids, built.position
        self._tombstones = {c for c in built.ids if c not in tokens}
        self._dirty = not snapshot_equal
        self._unsaved = True

    def _save(self) -> None:
        assert self._directory is not None
        generation = self._generation + 1
        name = f"index-{generation}"
        staging = self._directory / f".{name}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        if self._retriever is not None:
            self._retriever.save(str(staging))  # type: ignore[attr-defined]
        (staging / "clause_ids.json").write_text(
            json.dumps(self._ids, ensure_ascii=False), encoding="utf-8"
        )
        final = self._directory / name
        shutil.rmtree(final, ignore_errors=True)
        staging.rename(final)
        atomic_write_json(
            self._directory / "manifest.json", {"generation": generation, "index": name}
        )
        shutil.rmtree(self._directory / f"index-{self._generation - 1}", ignore_errors=True)
        self._generation = generation

    # -- updates --------------------------------------------------------------------------------

    def add(self, clause_ids: Sequence[str], texts: Sequence[str]) -> None:
        """Tokenise and add (or replace) clauses."""
        self.add_tokens(clause_ids, [self.tokenizer(t) for t in texts])

    def add_tokens(self, clause_ids: Sequence[str], token_lists: Sequence[list[str]]) -> None:
        """Add (or replace) clauses already tokenised with :attr:`tokenizer`."""
        with self._lock:
            tokens = self._all_tokens()
            fresh = dict(zip(clause_ids, token_lists, strict=True))
            tokens.update(fresh)
            if self._directory is not None:
                db = self._token_db()
                with db:
                    db.executemany(
                        "INSERT OR REPLACE INTO tokens (clause_id, tokens) VALUES (?, ?)",
                        [(c, json.dumps(t, ensure_ascii=False)) for c, t in fresh.items()],
                    )
            self._dirty = True
            self._unsaved = True

    def remove(self, clause_ids: Iterable[str]) -> None:
        """Remove clauses (unknown ids are ignored)."""
        with self._lock:
            tokens = self._all_tokens()
            gone = [c for c in clause_ids if c in tokens]
            for clause_id in gone:
                del tokens[clause_id]
            if gone and self._directory is not None:
                db = self._token_db()
                with db:
                    db.executemany("DELETE FROM tokens WHERE clause_id = ?", [(c,) for c in gone])
            self._tombstones.update(c for c in gone if c in self._position)
            self._dirty = self._dirty or bool(gone)
            self._unsaved = self._unsaved or bool(gone)

    # -- queries ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._ids) - len(self._tombstones)

    def clause_ids(self) -> set[str]:
        """Every clause id the live index can return."""
        return set(self._ids) - self._tombstones

    def all_clause_ids(self) -> set[str]:
        """Every clause id held, including additions and removals not yet committed."""
        with self._lock:
            return (
                set(self._all_tokens())
                if self._dirty or self._tokens is not None
                else set(self._ids)
            )

    def search(self, query: str, k: int, allowed: set[str] | None = None) -> list[BM25Hit]:
        """The ``k`` best clauses for ``query`` by BM25, optionally only among ``allowed``."""
        tokens = self.tokenizer(query)
        with self._lock:
            retriever = self._retriever
            if retriever is None or not tokens or k <= 0:
                return []
            mask = None
            if allowed is not None:
                mask = np.zeros(len(self._ids), dtype=np.float32)
                positions = [
                    self._position[c]
                    for c in allowed
                    if c in self._position and c not in self._tombstones
                ]
                if not positions:
                    return []
                mask[positions] = 1.0
            elif self._tombstones:
                mask = np.ones(len(self._ids), dtype=np.float32)
                mask[[self._position[c] for c in self._tombstones if c in self._position]] = 0.0
            ids_of_query = [t for t in tokens if t in retriever.vocab_dict]  # type: ignore[attr-defined]
            if not ids_of_query:
                return []
            limit = min(k, len(self._ids) if mask is None else int(mask.sum()))
            documents, scores = retriever.retrieve(  # type: ignore[attr-defined]
                [ids_of_query], k=limit, show_progress=False, weight_mask=mask, n_threads=1
            )
        return [
            BM25Hit(self._ids[int(d)], float(s))
            for d, s in zip(documents[0], scores[0], strict=True)
            if s > 0
        ]
