"""BM25 over jieba tokens (bm25s), with unit names kept as single tokens.

bm25s builds a static index, so the index has two segments, as search engines do: the *main*
segment, a bm25s index over most clauses, and a small *delta* of clauses added since it was built,
scored here with the same BM25 formula (bm25s's default Lucene variant) and the corpus statistics
of both. Removals from the main segment are masked (tombstones). Adding or removing a document
therefore touches only the delta and the masks; when they outgrow a share of the main segment,
:meth:`BM25Index.commit` merges them into a new main segment, built without holding the lock, so
searches go on meanwhile. Tokenising, the slow part, happens once per clause text.

On disk (``<directory>/``): ``tokens.sqlite`` (tokens of every clause), ``index-<generation>/``
(the main segment: bm25s files, its clause ids and its average length) and ``manifest.json``,
replaced last, naming the main segment, the delta's clause ids and the masked ones.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
import re
import shutil
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from policykg.ingest.errors import StoreCorruptError, StoreError
from policykg.ingest.storage import atomic_write_json, file_sha256

if TYPE_CHECKING:
    import jieba

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


@functools.cache
def _jieba_tokenizer() -> jieba.Tokenizer:
    """One jieba tokenizer per process, its dictionary loaded once.

    Loading the dictionary takes most of a second, and a process opens an index several times
    (a repair three, a server once per store generation); the tokenizer is only read after
    loading (no word is ever added to it), so every :class:`ChineseTokenizer` can share it.
    """
    import jieba

    jieba.setLogLevel(logging.WARNING)  # jieba logs every dictionary load at DEBUG by default
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


class ChineseTokenizer:
    """jieba search-mode tokens, lower-cased, without punctuation and stopwords, plus whole names.

    jieba cuts 县商务局 into 县 / 商务 / 商务局; a unit name is also kept whole as a token of its
    own, so a question naming the unit matches it exactly. Which names count is given per text:
    a clause gets the names of its own policy's units (so its tokens depend on that policy only,
    never on what else the store held when it was indexed, and a rebuilt index is identical), a
    query gets every unit name added with :meth:`add_words`. jieba's dictionary is never changed.
    """

    def __init__(self) -> None:
        self._jieba = _jieba_tokenizer()
        self._words: set[str] = set()
        self._lengths: tuple[int, ...] = ()  # the added words' lengths (a query is scanned by them)
        self._lock = threading.Lock()

    def add_words(self, words: Iterable[str]) -> None:
        """Add domain words (unit names) that queries keep whole."""
        with self._lock:
            before = len(self._words)
            self._words.update(w.lower() for w in words if w and len(w) <= 30)
            if len(self._words) != before:
                self._lengths = tuple(sorted({len(w) for w in self._words}))

    def __call__(self, text: str, words: Iterable[str] | None = None) -> list[str]:
        """Tokens of ``text``; ``words`` are the names kept whole (default: the added ones)."""
        tokens = []
        for piece in self._jieba.cut_for_search(text):
            token = piece.strip().lower()
            if token and _KEEP.search(token) and token not in _STOPWORDS:
                tokens.append(token)
        lowered = text.lower()
        if words is None:  # the added words the text holds: one set lookup per place and length
            known, lengths = self._words, self._lengths
            names = sorted(
                {
                    lowered[i : i + n]
                    for i in range(len(lowered))
                    for n in lengths
                    if lowered[i : i + n] in known
                }
            )
        else:
            names = sorted({w.lower() for w in words if w and len(w) <= 30})
        for name in names:
            count = lowered.count(name)
            if count and name not in _STOPWORDS:
                tokens.extend([name] * count)
        return tokens


K1 = 1.5
"""BM25 term-frequency saturation (bm25s's default)."""
B = 0.75
"""BM25 length normalisation (bm25s's default)."""
MERGE_SHARE = 0.05
"""The delta and the masks are merged into the main segment when they exceed this share of it…"""
MERGE_MIN = 500
"""…or this many clauses, whichever is larger…"""
MERGE_MAX = 5_000
"""…but never later than at this many (delta scoring is plain Python)."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A bm25s index over a fixed set of clauses (the main segment)."""

    ids: list[str]
    position: dict[str, int]
    retriever: object | None
    average_length: float

    @classmethod
    def empty(cls) -> Segment:
        """A segment without clauses."""
        return cls([], {}, None, 0.0)

    def document_frequency(self, token: str) -> int:
        """How many of the segment's clauses contain ``token``."""
        if self.retriever is None:
            return 0
        column = self.retriever.vocab_dict.get(token)  # type: ignore[attr-defined]
        if column is None:
            return 0
        indptr = self.retriever.scores["indptr"]  # type: ignore[attr-defined]
        return int(indptr[column + 1] - indptr[column]) if column + 1 < len(indptr) else 0


def _build(tokens: Mapping[str, list[str]]) -> Segment:
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import
    ids = sorted(tokens)
    if not ids:
        return Segment.empty()
    retriever = bm25s.BM25(k1=K1, b=B)
    # Empty token lists would be dropped by bm25s; a placeholder keeps positions aligned.
    corpus = [tokens[c] or ["\u0000"] for c in ids]
    retriever.index(corpus, show_progress=False)
    average = sum(len(t) for t in corpus) / len(corpus)
    return Segment(ids, {c: i for i, c in enumerate(ids)}, retriever, average)


@dataclass(frozen=True, slots=True)
class BM25Hit:
    """A clause found by BM25."""

    clause_id: str
    score: float


def _verify_segment(folder: Path) -> None:
    """Check a main segment's files against the checksums written with it."""
    listed = folder / "checksums.json"
    if not listed.exists():
        return  # written before checksums existed
    for name, expected in json.loads(listed.read_text(encoding="utf-8")).items():
        if file_sha256(folder / name) != expected:
            raise StoreCorruptError(f"{folder / name} does not match its checksum")


def top_positive(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` highest positive scores, best first.

    Only the documents that share a term with the query are ranked. bm25s's own top-k runs
    ``argpartition`` over every document, which with most scores tied at zero takes ~15 ms for
    118,000 clauses instead of well under one.
    """
    positive = np.flatnonzero(scores > 0)
    if len(positive) > k:
        positive = positive[np.argpartition(-scores[positive], k - 1)[:k]]
    return positive[np.argsort(-scores[positive], kind="stable")]


class BM25Index:
    """BM25 index of clause texts: a bm25s main segment plus a small delta.

    Args:
        directory: Where tokens and the index persist; None keeps everything in memory.
        tokenizer: The tokenizer (shared with queries).
    """

    def __init__(self, directory: Path | None, tokenizer: ChineseTokenizer | None = None) -> None:
        self._directory = directory
        self.tokenizer = tokenizer or ChineseTokenizer()
        self._lock = threading.RLock()
        self._merge_lock = threading.Lock()  # one merge at a time
        self._main = Segment.empty()
        self._masked: set[str] = set()  # main-segment clauses removed (or replaced) since its build
        self._delta: dict[str, list[str]] = {}
        # token -> clause -> term frequency, built for the first search that needs it (a bulk
        # load that is merged before anyone searches never pays for it).
        self._postings: dict[str, dict[str, int]] | None = None
        self._delta_length = 0
        self._memory: dict[str, list[str]] = {}  # the tokens, when there is no directory
        # Changes made while a merge builds, replayed onto the new main segment.
        self._changes: list[tuple[str, list[str] | None]] | None = None
        self._generation = 0
        self._folder: str | None = None  # the main segment's folder on disk
        self._unsaved = False
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
            self._folder = manifest["index"]
            ids, retriever, average = [], None, 0.0
            if self._folder is not None:
                folder = self._directory / self._folder
                _verify_segment(folder)
                ids = json.loads((folder / "clause_ids.json").read_text(encoding="utf-8"))
                # Mapped: processes serving one store share the pages; a segment is never changed
                # in place (a merge writes a new folder).
                retriever = bm25s.BM25.load(str(folder), mmap=True) if ids else None
                stats = folder / "stats.json"
                if stats.exists():
                    average = float(json.loads(stats.read_text(encoding="utf-8"))["average_length"])
                else:  # a folder written before segments existed: computed once, then kept
                    average = self._average_length(ids)
                    atomic_write_json(stats, {"average_length": average})
            delta_ids = list(manifest.get("delta", []))
            self._masked = set(manifest.get("masked", []))
            if (ids or delta_ids) and not (self._directory / "tokens.sqlite").exists():
                raise StoreCorruptError("tokens.sqlite is missing")
        except (OSError, ValueError, KeyError, TypeError, StoreCorruptError) as e:
            raise StoreCorruptError(
                f"cannot load the BM25 index in {self._directory}: {e}; run "
                "`policykg check --repair` to rebuild it from the graph"
            ) from e
        self._main = Segment(ids, {c: i for i, c in enumerate(ids)}, retriever, average)
        tokens = self._read_tokens(delta_ids)
        removed = [c for c in delta_ids if c not in tokens]
        if removed:
            # remove() deletes tokens at once and the manifest follows at commit: a process that
            # died in between left these, removed before it died. They stay removed.
            logger.warning(
                "BM25 index in %s: %d clauses removed before an unfinished commit stay removed",
                self._directory,
                len(removed),
            )
            self._unsaved = True
        for clause_id in delta_ids:
            if clause_id in tokens:
                self._delta_put(clause_id, tokens[clause_id])

    def _token_db(self) -> sqlite3.Connection:
        if self._db is None:
            assert self._directory is not None
            path = self._directory / "tokens.sqlite"
            try:
                if path.exists() and not os.access(self._directory, os.W_OK):
                    # A read-only store answers: open the tokens without writing anything.
                    self._db = sqlite3.connect(
                        f"{path.as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False
                    )
                    return self._db
                self._directory.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS tokens (clause_id TEXT PRIMARY KEY, tokens TEXT NOT NULL)"
                )
            except sqlite3.Error as e:
                raise StoreCorruptError(
                    f"cannot open BM25 tokens in {self._directory}: {e}; run "
                    "`policykg check --repair` to rebuild them from the graph"
                ) from e
        return self._db

    def _read_tokens(self, clause_ids: Iterable[str] | None = None) -> dict[str, list[str]]:
        """Stored tokens of these clauses (of every clause with None)."""
        if self._directory is None:
            if clause_ids is None:
                with self._lock:
                    return dict(self._memory)
            return {c: self._memory[c] for c in clause_ids if c in self._memory}
        found: dict[str, list[str]] = {}
        if clause_ids is None:  # a merge: its own connection, so writers and readers go on
            with self._lock:
                self._token_db()  # creates the table if needed
            try:
                with sqlite3.connect(self._directory / "tokens.sqlite", timeout=30) as db:
                    rows = db.execute("SELECT clause_id, tokens FROM tokens").fetchall()
            except sqlite3.Error as e:
                raise StoreCorruptError(
                    f"cannot read BM25 tokens in {self._directory}: {e}; run "
                    "`policykg check --repair`"
                ) from e
        else:
            with self._lock:  # the connection is shared with writers
                db = self._token_db()
                wanted = list(clause_ids)
                rows = []
                try:
                    for start in range(0, len(wanted), 500):
                        chunk = wanted[start : start + 500]
                        marks = ",".join("?" * len(chunk))
                        rows += db.execute(
                            f"SELECT clause_id, tokens FROM tokens WHERE clause_id IN ({marks})",
                            chunk,
                        ).fetchall()
                except sqlite3.Error as e:
                    raise StoreCorruptError(
                        f"cannot read BM25 tokens in {self._directory}: {e}; run "
                        "`policykg check --repair`"
                    ) from e
        try:
            for clause_id, tokens in rows:
                found[clause_id] = json.loads(tokens)
                if not isinstance(found[clause_id], list):
                    raise ValueError(f"tokens of {clause_id} are not a list")
        except (ValueError, TypeError) as e:
            raise StoreCorruptError(
                f"BM25 tokens in {self._directory} are damaged ({e}); run `policykg check --repair`"
            ) from e
        return found

    def close(self) -> None:
        """Close the token database (the index is not used afterwards)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def tokens_of(self, clause_ids: Iterable[str]) -> dict[str, list[str]]:
        """The stored tokens of these clauses (those without any are absent)."""
        return self._read_tokens(list(clause_ids))

    def _average_length(self, clause_ids: list[str]) -> float:
        tokens = self._read_tokens(clause_ids)
        return sum(max(1, len(t)) for t in tokens.values()) / max(1, len(tokens))

    def _save(self, main_folder: str | None) -> None:
        """Write the manifest (naming ``main_folder`` when a merge wrote a new main segment)."""
        assert self._directory is not None
        previous = self._folder
        if main_folder is not None:
            self._generation += 1
            self._folder = main_folder
        manifest = {
            "generation": self._generation,
            "index": self._folder,
            "delta": list(self._delta),
            "masked": sorted(self._masked),
        }
        atomic_write_json(self._directory / "manifest.json", manifest)
        if main_folder is not None:
            # Keep the previous main segment for readers that loaded its manifest a moment ago.
            for old in self._directory.glob("index-*"):
                if old.name not in (main_folder, previous):
                    shutil.rmtree(old, ignore_errors=True)

    def _write_segment(self, segment: Segment, generation: int) -> str:
        """Write a main segment to ``index-<generation>/``; returns the folder name."""
        assert self._directory is not None
        name = f"index-{generation}"
        staging = self._directory / f".{name}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        if segment.retriever is not None:
            segment.retriever.save(str(staging))  # type: ignore[attr-defined]
        (staging / "clause_ids.json").write_text(
            json.dumps(segment.ids, ensure_ascii=False), encoding="utf-8"
        )
        (staging / "stats.json").write_text(
            json.dumps({"average_length": segment.average_length}), encoding="utf-8"
        )
        checksums = {p.name: file_sha256(p) for p in sorted(staging.iterdir()) if p.is_file()}
        (staging / "checksums.json").write_text(json.dumps(checksums), encoding="utf-8")
        final = self._directory / name
        shutil.rmtree(final, ignore_errors=True)
        staging.rename(final)
        return name

    def commit(self, *, merge: bool | None = None) -> None:
        """Persist the index, merging the delta into a new main segment when it has grown.

        Args:
            merge: Force (True) or forbid (False) the merge; None merges when the delta and the
                masks exceed :data:`MERGE_SHARE` of the main segment (bounded by
                :data:`MERGE_MIN` and :data:`MERGE_MAX`) or the main segment is empty.

        The merge (seconds at bulk scale) builds without holding the index lock: searches go on
        against the current segments, and changes made meanwhile are replayed onto the new one.
        """
        with self._merge_lock:
            with self._lock:
                if merge is None:
                    merge = self._merge_due()
                if not merge and not self._unsaved:
                    return
                if merge:
                    live = self.clause_ids()
                    self._changes = []
            if not merge:
                with self._lock:
                    if self._directory is not None:
                        self._save(None)
                    self._unsaved = False
                return
            try:
                stored = self._read_tokens()
                segment = _build({c: t for c, t in stored.items() if c in live})
                folder = (
                    self._write_segment(segment, self._generation + 1)
                    if self._directory is not None
                    else None
                )
                with self._lock:
                    self._install(segment)
                    if self._directory is not None:
                        self._save(folder)
                        self._drop_orphans(stored.keys() - live)
                    self._unsaved = False
            finally:
                with self._lock:
                    self._changes = None

    def _merge_due(self) -> bool:
        pending = len(self._delta) + len(self._masked)
        if not pending:
            return False
        if not self._main.ids:
            return True
        limit = max(MERGE_MIN, min(MERGE_MAX, MERGE_SHARE * len(self._main.ids)))
        return pending > limit

    def _install(self, segment: Segment) -> None:
        """Make ``segment`` the main segment and replay the changes made while it was built."""
        changes, self._changes = self._changes or [], None
        self._main = segment
        self._masked = set()
        self._delta = {}
        self._postings = None
        self._delta_length = 0
        for clause_id, tokens in changes:
            self._apply_change(clause_id, tokens)

    def _drop_orphans(self, clause_ids: Iterable[str]) -> None:
        """Delete stored tokens no segment names (left by an interrupted write)."""
        orphans = [
            (c,) for c in clause_ids if c not in self._delta and c not in self._main.position
        ]
        if orphans:
            self._execute("DELETE FROM tokens WHERE clause_id = ?", orphans)

    def _execute(self, sql: str, rows: Sequence[tuple[str, ...]]) -> None:
        """Run a write on the token database in one transaction, errors as store errors."""
        db = self._token_db()
        try:
            with db:
                db.executemany(sql, rows)
        except sqlite3.Error as e:
            raise StoreError(f"cannot write BM25 tokens in {self._directory}: {e}") from e

    # -- updates --------------------------------------------------------------------------------

    def add(self, clause_ids: Sequence[str], texts: Sequence[str]) -> None:
        """Tokenise and add (or replace) clauses."""
        self.add_tokens(clause_ids, [self.tokenizer(t) for t in texts])

    def add_tokens(self, clause_ids: Sequence[str], token_lists: Sequence[list[str]]) -> None:
        """Add (or replace) clauses already tokenised with :attr:`tokenizer`; searches see them at once."""
        fresh = dict(zip(clause_ids, token_lists, strict=True))
        with self._lock:
            if self._directory is not None:
                self._execute(
                    "INSERT OR REPLACE INTO tokens (clause_id, tokens) VALUES (?, ?)",
                    [(c, json.dumps(t, ensure_ascii=False)) for c, t in fresh.items()],
                )
            else:
                self._memory.update(fresh)
            for clause_id, tokens in fresh.items():
                self._apply_change(clause_id, tokens)
                if self._changes is not None:
                    self._changes.append((clause_id, tokens))
            self._unsaved = True

    def remove(self, clause_ids: Iterable[str]) -> None:
        """Remove clauses (unknown ids are ignored); searches stop seeing them at once."""
        with self._lock:
            gone = [c for c in clause_ids if c in self._delta or self._live_in_main(c)]
            if not gone:
                return
            if self._directory is not None:
                self._execute("DELETE FROM tokens WHERE clause_id = ?", [(c,) for c in gone])
            for clause_id in gone:
                self._memory.pop(clause_id, None)
                self._apply_change(clause_id, None)
                if self._changes is not None:
                    self._changes.append((clause_id, None))
            self._unsaved = True

    def _live_in_main(self, clause_id: str) -> bool:
        return clause_id in self._main.position and clause_id not in self._masked

    def _apply_change(self, clause_id: str, tokens: list[str] | None) -> None:
        """Add (tokens) or remove (None) one clause in the segments."""
        if clause_id in self._main.position:
            self._masked.add(clause_id)
        old = self._delta.pop(clause_id, None)
        if old is not None:
            self._delta_length -= len(old)
            if self._postings is not None:
                for token in set(old):
                    postings = self._postings[token]
                    del postings[clause_id]
                    if not postings:
                        del self._postings[token]
        if tokens is not None:
            self._delta_put(clause_id, tokens)

    def _delta_put(self, clause_id: str, tokens: list[str]) -> None:
        self._delta[clause_id] = tokens
        self._delta_length += len(tokens)
        if self._postings is not None:
            self._post(clause_id, tokens)

    def _post(self, clause_id: str, tokens: list[str]) -> None:
        assert self._postings is not None
        for token in tokens:
            postings = self._postings.setdefault(token, {})
            postings[clause_id] = postings.get(clause_id, 0) + 1

    # -- queries ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._main.ids) - len(self._masked) + len(self._delta)

    def clause_ids(self) -> set[str]:
        """Every clause id a search can return."""
        with self._lock:
            return (set(self._main.ids) - self._masked) | set(self._delta)

    @property
    def delta_size(self) -> int:
        """Clauses in the delta plus clauses masked in the main segment (merged at commit)."""
        return len(self._delta) + len(self._masked)

    def search(self, query: str, k: int, allowed: set[str] | None = None) -> list[BM25Hit]:
        """The ``k`` best clauses for ``query`` by BM25, optionally only among ``allowed``."""
        tokens = self.tokenizer(query)
        if not tokens or k <= 0:
            return []
        with self._lock:
            hits = self._search_main(tokens, k, allowed) + self._search_delta(tokens, allowed)
        hits.sort(key=lambda h: (-h.score, h.clause_id))
        return hits[:k]

    def _search_main(self, tokens: list[str], k: int, allowed: set[str] | None) -> list[BM25Hit]:
        main = self._main
        retriever = main.retriever
        if retriever is None:
            return []
        mask = None
        if allowed is not None:
            positions = [
                main.position[c] for c in allowed if c in main.position and c not in self._masked
            ]
            if not positions:
                return []
            mask = np.zeros(len(main.ids), dtype=np.float32)
            mask[positions] = 1.0
        elif self._masked:
            mask = np.ones(len(main.ids), dtype=np.float32)
            mask[[main.position[c] for c in self._masked]] = 0.0
        known = [t for t in tokens if t in retriever.vocab_dict]  # type: ignore[attr-defined]
        if not known:
            return []
        limit = min(k, len(main.ids) if mask is None else int(mask.sum()))
        if limit <= 0:
            return []
        scores = retriever.get_scores(known, weight_mask=mask)  # type: ignore[attr-defined]
        return [BM25Hit(main.ids[int(d)], float(scores[d])) for d in top_positive(scores, limit)]

    def _search_delta(self, tokens: list[str], allowed: set[str] | None) -> list[BM25Hit]:
        """Score the delta with BM25 over the statistics of both segments."""
        if not self._delta:
            return []
        if self._postings is None:
            self._postings = {}
            for clause_id, clause_tokens in self._delta.items():
                self._post(clause_id, clause_tokens)
        main = self._main
        documents = len(main.ids) + len(self._delta)
        # Masked clauses stay in the counts, as they do in the main segment's bm25s scores: N
        # without them but document frequencies with them would drive the IDF below zero.
        average = (main.average_length * len(main.ids) + self._delta_length) / documents
        scores: dict[str, float] = defaultdict(float)
        for token in tokens:  # a repeated query token counts again, as in bm25s
            postings = self._postings.get(token)
            if not postings:
                continue
            frequency = main.document_frequency(token) + len(postings)
            idf = math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))
            for clause_id, tf in postings.items():
                if allowed is not None and clause_id not in allowed:
                    continue
                length = max(1, len(self._delta[clause_id]))
                norm = K1 * ((1 - B) + B * length / max(average, 1e-9))
                scores[clause_id] += idf * tf / (norm + tf)
        return [BM25Hit(c, s) for c, s in scores.items() if s > 0]
