"""Stable content-hash ids, so parsing the same document twice yields the same ids."""

from __future__ import annotations

import hashlib


def normalise_for_hash(text: str) -> str:
    """Whitespace removed: re-wrapping or re-indenting a document does not change its id."""
    return "".join(text.split())


def content_hash(text: str, length: int = 16) -> str:
    """Hex SHA-256 prefix of the normalised text."""
    digest = hashlib.sha256(normalise_for_hash(text).encode("utf-8")).hexdigest()
    return digest[:length]


def text_hash(text: str) -> str:
    """Full SHA-256 of exactly ``text`` (the embedding cache key: any change re-embeds)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def policy_id(normalised_body: str) -> str:
    """Id of a policy: ``p`` plus the hash of its normalised text."""
    return "p" + content_hash(normalised_body)


def stub_policy_id(title: str | None, doc_number: str | None) -> str:
    """Id of a policy known only from citations: keyed by its 文号, else by its title."""
    key = doc_number or normalise_for_hash(title or "")
    return "s" + content_hash(key)


def clause_id(policy: str, path: tuple[str, ...]) -> str:
    """Id of a clause: the policy id plus the clause's path in the document."""
    return f"{policy}:{'/'.join(p for p in path if p)}"


def unit_id(jurisdiction: str, name: str) -> str:
    """Id of a unit: its jurisdiction and canonical name."""
    return f"{jurisdiction}/{name}"
