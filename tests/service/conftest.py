"""One store of every fixture document (hashing embedder), built once per session."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from policykg.ingest.model import Policy
from policykg.service.answers.answerer import Answerer
from policykg.service.core import PolicyService
from policykg.service.workspace import Workspace
from tests.conftest import CORPUS
from tests.helpers import hashing_workspace


@dataclass(frozen=True)
class CorpusStore:
    """The fixture corpus, ingested: the workspace, its service and answerer, its policies."""

    workspace: Workspace
    service: PolicyService
    answerer: Answerer
    policies: list[Policy]


@pytest.fixture(scope="session")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> CorpusStore:
    """Every document under tests/fixtures/corpus in one store (a real, small embedder)."""
    workspace = hashing_workspace(tmp_path_factory.mktemp("corpus") / "data")
    report = workspace.ingest_paths([CORPUS])
    assert report.added and not report.failed, [str(e) for _, e in report.failed]
    policies = [
        p for i in sorted(workspace.graph.policy_ids()) if (p := workspace.graph.get_policy(i))
    ]
    return CorpusStore(workspace, PolicyService(workspace), Answerer(workspace), policies)
