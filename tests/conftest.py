"""Shared fixtures: sample documents, parsed policies, and (for `neo4j` tests) a real Neo4j."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.model import Policy
from ingest.parser import parse_document
from ingest.readers import read_path

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = FIXTURES / "corpus"
SEED = CORPUS / "seed.txt"


@pytest.fixture(scope="session")
def seed_policy() -> Policy:
    """The seed document (开发区改革开放实施意见), parsed."""
    return parse_document(read_path(SEED))


@pytest.fixture(scope="session")
def corpus_policies() -> list[Policy]:
    """The seed, every dev document and the other fixtures, parsed in one batch."""
    from ingest.pipeline import find_documents, parse_paths

    results = list(parse_paths(find_documents([CORPUS])))
    assert all(r.ok for r in results), [str(r.error) for r in results if not r.ok]
    return [r.policy for r in results if r.policy is not None]
