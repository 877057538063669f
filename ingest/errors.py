"""The PolicyKG exception hierarchy.

Every error PolicyKG raises on purpose derives from :class:`PolicyKGError`. It lives in ``ingest``
because that package depends on nothing else of ours, so every other package can import it.
"""

from __future__ import annotations

from pathlib import Path


class PolicyKGError(Exception):
    """Root of every error PolicyKG raises on purpose."""


class IngestError(PolicyKGError):
    """A document could not be read or parsed.

    Attributes:
        source: The file (or upload name) the error is about, when known.
        problem: What is wrong, in one line, without the file name.
    """

    def __init__(self, problem: str, source: str | Path | None = None) -> None:
        self.source = str(source) if source is not None else None
        self.problem = problem
        super().__init__(f"{self.source}: {problem}" if self.source else problem)


class UnsupportedFormatError(IngestError):
    """The file is not one of the formats PolicyKG reads (txt, md, html, docx, pdf)."""


class EmptyDocumentError(IngestError):
    """The file holds no text (empty, whitespace only, or a PDF without a text layer)."""


class DecodeError(IngestError):
    """The bytes cannot be decoded as text in any encoding PolicyKG detects."""


class FileTooLargeError(IngestError):
    """The file is larger than the configured ingest limit."""


class DocumentTooLargeError(IngestError):
    """The document's text or clauses exceed the configured limits (refused before embedding)."""


class CorruptDocumentError(IngestError):
    """A container format (docx, pdf) is truncated, malformed or suspicious (e.g. a zip bomb)."""


class StoreError(PolicyKGError):
    """A store (graph, vectors, BM25) cannot complete an operation."""


class StoreUnavailableError(StoreError):
    """The backing server cannot be reached or refuses our credentials."""


class StoreCorruptError(StoreError):
    """Persisted data on disk cannot be loaded."""


class InvalidRequestError(PolicyKGError):
    """A request the service refuses as given: an empty or too long question, a filter that
    needs another (``role`` without a unit), an unknown export format."""


class NotFoundError(PolicyKGError):
    """A policy, clause or unit asked for by id or name does not exist.

    Args:
        message: What was not found, and the nearest names where there are some.
        what: The kind of thing asked for (unit, jurisdiction, policy, clause, node), so a face
            can say where the right names come from.
    """

    def __init__(self, message: str, what: str = "") -> None:
        super().__init__(message)
        self.what = what


class ModelUnavailableError(PolicyKGError):
    """An embedding model cannot be loaded (not installed, not cached, no hub access)."""
