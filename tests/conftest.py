"""Shared fixtures: sample documents, parsed policies, and (for `neo4j` tests) a real Neo4j."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from policykg.ingest.model import Policy
from policykg.ingest.parser import parse_document
from policykg.ingest.readers import read_path

if TYPE_CHECKING:
    from neo4j import Driver

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
    from policykg.ingest.pipeline import find_documents, parse_paths

    results = list(parse_paths(find_documents([CORPUS])))
    assert all(r.ok for r in results), [str(r.error) for r in results if not r.ok]
    return [r.policy for r in results if r.policy is not None]


@pytest.fixture(scope="session")
def neo4j_uri() -> Iterator[str]:
    """Bolt URI of a Neo4j for `neo4j` tests.

    ``POLICYKG_NEO4J_URI`` (with ``POLICYKG_NEO4J_USER``/``PASSWORD``) names a server to use;
    otherwise the harness of ``tools/neo4j-server`` is started once for the session. When it
    cannot start, the tests fail under ``CI=true`` and are skipped elsewhere.
    """
    configured = os.environ.get("POLICYKG_NEO4J_URI")
    if configured:
        yield configured
        return
    from tests.neo4j_server import Neo4jServerProcess

    server = Neo4jServerProcess()
    try:
        uri = server.start()
    except (RuntimeError, OSError) as e:
        message = f"cannot start the test Neo4j server (tools/neo4j-server): {e}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield uri
    finally:
        server.stop()


@pytest.fixture(scope="module", autouse=True)
def _one_module_at_a_time_on_a_shared_neo4j(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """With ``POLICYKG_NEO4J_URI`` and several xdist workers, one module's `neo4j` tests at once.

    The tests clear the database they use, so two workers on one server would delete each
    other's data; each module's fixtures write for all its tests, so the lock is held per module.
    A worker's own harness server (no ``POLICYKG_NEO4J_URI``) needs no lock.
    """
    shared = os.environ.get("POLICYKG_NEO4J_URI") and os.environ.get("PYTEST_XDIST_WORKER")
    if not shared or not any(
        item.get_closest_marker("neo4j") and getattr(item, "module", None) is request.module
        for item in request.session.items
    ):
        yield
        return
    lock = tmp_path_factory.getbasetemp().parent / "shared-neo4j.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def neo4j_auth() -> tuple[str, str] | None:
    """Credentials for ``neo4j_uri``: from the environment, or None (the harness has no auth)."""
    user = os.environ.get("POLICYKG_NEO4J_USER", "")
    password = os.environ.get("POLICYKG_NEO4J_PASSWORD", "")
    return (user, password) if user or password else None


@pytest.fixture(scope="session")
def neo4j_database() -> str | None:
    """Database for `neo4j` tests (``POLICYKG_NEO4J_DATABASE``), or None for the default."""
    return os.environ.get("POLICYKG_NEO4J_DATABASE") or None


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_uri: str, neo4j_auth: tuple[str, str] | None) -> Iterator[Driver]:
    """One driver for the session's `neo4j` tests."""
    from neo4j import GraphDatabase

    driver = GraphDatabase.driver(neo4j_uri, auth=neo4j_auth, connection_timeout=10.0)
    try:
        yield driver
    finally:
        driver.close()
