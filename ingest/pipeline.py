"""Batch ingest: find documents under paths, read and parse each, report failures per file.

One bad file never stops a batch: its error is collected with the file name and the others go on.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from policykg.ingest.coverage import Coverage, text_coverage
from policykg.ingest.errors import DocumentTooLargeError, IngestError
from policykg.ingest.model import Policy
from policykg.ingest.parser import KnownUnits, parse_document
from policykg.ingest.readers import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_CHARS,
    SUPPORTED_SUFFIXES,
    read_bytes,
    read_path,
)

DEFAULT_MAX_CLAUSES = 20_000
"""Clauses one document may yield (POLICYKG_MAX_CLAUSES); more is refused before embedding."""


@dataclass(frozen=True, slots=True)
class Limits:
    """How much one document may be: file bytes, text characters, clauses."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_chars: int = DEFAULT_MAX_CHARS
    max_clauses: int = DEFAULT_MAX_CLAUSES


def check_clauses(policy: Policy, limits: Limits, source: str | Path) -> Policy:
    """``policy``, or :class:`DocumentTooLargeError` when it has more clauses than allowed."""
    if len(policy.clauses) > limits.max_clauses:
        raise DocumentTooLargeError(
            f"{len(policy.clauses):,} clauses, over the limit of {limits.max_clauses:,} "
            "(POLICYKG_MAX_CLAUSES)",
            source,
        )
    return policy


logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ParseResult:
    """The outcome for one file: a policy, or the error that stopped it.

    Attributes:
        source: The file.
        policy: The parsed policy, or None when parsing failed.
        error: The error, or None on success.
        coverage: How much of the document's text the policy keeps (None when it failed).
    """

    source: str
    policy: Policy | None = None
    error: IngestError | None = None
    coverage: Coverage | None = None

    @property
    def ok(self) -> bool:
        """True when the file parsed."""
        return self.policy is not None


@dataclass(frozen=True, slots=True)
class FoundDocuments:
    """What :func:`scan_documents` found under the paths it was given.

    Attributes:
        files: The document files to ingest, in a stable order.
        skipped: Files inside the folders that are not read, each with the reason.
        roots: The folders among the paths (sources are recorded relative to them).
    """

    files: list[Path]
    skipped: list[tuple[Path, str]]
    roots: list[Path]


_SKIP_HINTS = {
    ".doc": "old Word format: save it as .docx",
    ".wps": "WPS format: save it as .docx",
    ".xls": "spreadsheets are not read: save the table as .docx or .html",
    ".xlsx": "spreadsheets are not read: save the table as .docx or .html",
    ".et": "spreadsheets are not read: save the table as .docx or .html",
    ".ofd": "OFD is not read: export it as PDF",
    ".zip": "archives are not opened: unpack it first",
    ".rar": "archives are not opened: unpack it first",
}


def skip_reason(path: Path) -> str:
    """Why a file found in a folder is not ingested."""
    suffix = path.suffix.lower()
    hint = _SKIP_HINTS.get(suffix)
    kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
    if hint is not None:
        return f"{suffix} is not a supported format ({hint})"
    return f"{suffix or 'no extension'}: not a document format PolicyKG reads ({kinds})"


def scan_documents(paths: Iterable[Path]) -> FoundDocuments:
    """Expand files and folders into the document files to ingest, and say what was skipped.

    Folders are walked recursively; hidden files and folders are passed over silently, files with
    extensions we do not read are listed in ``skipped`` with the reason. A file named explicitly
    is always tried, so its error can be reported.
    """
    found = FoundDocuments([], [], [])
    for path in paths:
        if path.is_dir():
            found.roots.append(path)
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    file = Path(root) / name
                    if file.suffix.lower() in SUPPORTED_SUFFIXES:
                        found.files.append(file)
                    else:
                        found.skipped.append((file, skip_reason(file)))
        else:
            found.files.append(path)
    return found


def find_documents(paths: Iterable[Path]) -> list[Path]:
    """The document files under ``paths`` (see :func:`scan_documents`)."""
    return scan_documents(paths).files


def source_name(path: Path, roots: Sequence[Path] = ()) -> str:
    """What a stored policy records as its source: never an absolute path of the machine.

    A file found in a folder given to ingest is named by its path from that folder's parent
    (``examples/开发区改革开放实施意见.txt``); a file given by a relative path keeps it
    (``county/plan.txt``); any other file is named by its file name. Answers and exports show the
    source to users of a shared server, who must not learn its directory layout. The name is
    also what makes a changed file a new version of the policy it replaces.
    """
    resolved = path.resolve()
    for root in roots:
        base = root.resolve()
        try:
            return (base.name + "/" + resolved.relative_to(base).as_posix()).lstrip("/")
        except ValueError:
            continue
    if not path.is_absolute() and ".." not in path.parts:
        return path.as_posix()
    return path.name


def upload_name(filename: str) -> str:
    """The file name of an upload (a client may send a path, even ``../../x.txt``)."""
    return PurePath(filename.replace("\\", "/")).name or "upload"


def parse_paths(
    files: Iterable[Path],
    *,
    jurisdiction: str | None = None,
    known_units: KnownUnits | None = None,
    limits: Limits | None = None,
    roots: Sequence[Path] = (),
) -> Iterator[ParseResult]:
    """Read and parse each file, yielding one result per file in order.

    ``roots`` are the folders the files were found in; each policy's ``source`` is the file's
    path relative to its folder (see :func:`source_name`).
    """
    known = known_units if known_units is not None else KnownUnits()
    limits = limits or Limits()
    for path in files:
        if not path.exists():
            yield ParseResult(str(path), error=IngestError("no such file or folder", path))
            continue
        try:
            raw = read_path(path, max_bytes=limits.max_bytes, max_chars=limits.max_chars)
            policy = parse_document(raw, jurisdiction=jurisdiction, known_units=known)
            check_clauses(policy, limits, path)
        except IngestError as e:
            logger.info("skipped %s: %s", path, e.problem)
            yield ParseResult(str(path), error=e)
            continue
        yield ParseResult(
            str(path),
            policy=dataclasses.replace(policy, source=source_name(path, roots)),
            coverage=text_coverage(raw.text, policy),
        )


def parse_upload(
    data: bytes,
    filename: str,
    *,
    jurisdiction: str | None = None,
    known_units: KnownUnits | None = None,
    limits: Limits | None = None,
) -> ParseResult:
    """Parse an uploaded document held in memory.

    Returns:
        The result, with the policy and how much of the text it keeps.

    Raises:
        IngestError: When it cannot be read or parsed.
    """
    name = upload_name(filename)
    limits = limits or Limits()
    raw = read_bytes(data, name, max_bytes=limits.max_bytes, max_chars=limits.max_chars)
    policy = parse_document(raw, jurisdiction=jurisdiction, known_units=known_units)
    policy = check_clauses(policy, limits, name)
    return ParseResult(name, policy=policy, coverage=text_coverage(raw.text, policy))
