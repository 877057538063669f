"""Batch ingest: find documents under paths, read and parse each, report failures per file.

One bad file never stops a batch: its error is collected with the file name and the others go on.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import IngestError
from ingest.model import Policy
from ingest.parser import KnownUnits, parse_document
from ingest.readers import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES, read_bytes, read_path

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ParseResult:
    """The outcome for one file: a policy, or the error that stopped it.

    Attributes:
        source: The file.
        policy: The parsed policy, or None when parsing failed.
        error: The error, or None on success.
    """

    source: str
    policy: Policy | None = None
    error: IngestError | None = None

    @property
    def ok(self) -> bool:
        """True when the file parsed."""
        return self.policy is not None


def find_documents(paths: Iterable[Path]) -> list[Path]:
    """Expand files and folders into the document files to ingest, in a stable order.

    Folders are walked recursively; hidden files and files with extensions we do not read are
    skipped there. A file named explicitly is always tried, so its error can be reported.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                        found.append(Path(root) / name)
        else:
            found.append(path)
    return found


def parse_paths(
    files: Iterable[Path],
    *,
    jurisdiction: str | None = None,
    known_units: KnownUnits | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[ParseResult]:
    """Read and parse each file, yielding one result per file in order."""
    known = known_units if known_units is not None else KnownUnits()
    for path in files:
        if not path.exists():
            yield ParseResult(str(path), error=IngestError("no such file or folder", path))
            continue
        try:
            raw = read_path(path, max_bytes=max_bytes)
            policy = parse_document(raw, jurisdiction=jurisdiction, known_units=known)
        except IngestError as e:
            logger.info("skipped %s: %s", path, e.problem)
            yield ParseResult(str(path), error=e)
            continue
        yield ParseResult(str(path), policy=policy)


def parse_upload(
    data: bytes,
    filename: str,
    *,
    jurisdiction: str | None = None,
    known_units: KnownUnits | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Policy:
    """Parse an uploaded document held in memory.

    Raises:
        IngestError: When it cannot be read or parsed.
    """
    raw = read_bytes(data, filename, max_bytes=max_bytes)
    return parse_document(raw, jurisdiction=jurisdiction, known_units=known_units)
