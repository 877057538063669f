"""The workspace keeps graph, vectors and BM25 in step through ingest, replace and delete."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from policykg.ingest import parser
from policykg.ingest.model import Role
from policykg.service.workspace import Workspace
from tests.conftest import CORPUS, SEED
from tests.helpers import hashing_workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return hashing_workspace(tmp_path / "data")


def test_ingest_replace_delete_keep_the_three_stores_equal(
    workspace: Workspace, tmp_path: Path
) -> None:
    doc = tmp_path / "seed.txt"
    shutil.copy(SEED, doc)
    report = workspace.ingest_paths([doc, CORPUS / "dev" / "012.txt"])
    assert len(report.added) == 2 and report.embedded == 19 + 31
    assert workspace.check().clean
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text.replace("县商务局", "县商务和投资促进局"), encoding="utf-8")
    changed = workspace.ingest_paths([doc])
    assert len(changed.replaced) == 1
    # Only clauses whose text changed are embedded again: the six that name 县商务局.
    assert changed.embedded == 6 == text.count("县商务局")
    assert workspace.check().clean
    stored = [workspace.graph.get_policy(p) for p in workspace.graph.policy_ids()]
    [policy_id] = [p.id for p in stored if p is not None and p.source == doc.name]
    assert workspace.delete_policy(policy_id)
    assert workspace.check().clean
    assert len(workspace.index.vectors) == 31


def test_a_new_parser_version_rereads_the_same_files(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = workspace.ingest_paths([SEED])
    assert workspace.ingest_paths([SEED]).unchanged == first.added  # same parser: unchanged
    monkeypatch.setattr(parser, "PARSER_VERSION", parser.PARSER_VERSION + "-next")
    again = workspace.ingest_paths([SEED])
    assert again.replaced == first.added
    assert len(again.added) == 1 and again.added != first.added
    assert again.embedded == 0  # the clauses' text is the same: embeddings come from the cache
    assert workspace.graph.policy_ids() == set(again.added)
    assert workspace.check().clean


def test_a_new_process_sees_the_same_consistent_store(workspace: Workspace) -> None:
    workspace.ingest_paths([SEED])
    again = hashing_workspace(workspace.data_dir)
    assert again.check().clean
    assert again.search("招商引资", 1)[0].record.clause.number == "十五"


def test_drift_from_a_crash_between_commits_is_found_and_repaired(workspace: Workspace) -> None:
    workspace.ingest_paths([SEED])
    # Simulate a process killed after the graph commit and before the index commit.
    workspace.index.vectors.remove([next(iter(workspace.index.vectors.clause_ids()))])
    workspace.index.vectors.commit()
    restarted = hashing_workspace(workspace.data_dir)
    report = restarted.check()
    assert report.drift is not None and len(report.drift.missing_vectors) == 1
    assert not report.clean
    restarted.repair()
    assert restarted.check().clean
    assert hashing_workspace(workspace.data_dir).check().clean


def test_search_filters_by_unit_role_policy_and_jurisdiction(workspace: Workspace) -> None:
    workspace.ingest_paths([SEED, CORPUS / "dev" / "012.txt"])
    [commerce] = workspace.graph.find_units("县商务局")
    led = workspace.search("工作", 10, unit_ids=[commerce.id], role=Role.LEAD)
    assert sorted(f.record.clause.number for f in led) == ["十九", "十五"]
    national = workspace.search("开放", 5, jurisdiction="国家")
    assert national and all(f.record.jurisdiction == "国家" for f in national)
    stored = [workspace.graph.get_policy(p) for p in workspace.graph.policy_ids()]
    seed_id = next(p.id for p in stored if p is not None and p.title.startswith("开发区"))
    assert all(
        f.record.clause.policy_id == seed_id for f in workspace.search("开放", 5, policy_id=seed_id)
    )
    assert workspace.search("开放", 5, jurisdiction="没有") == []


def test_a_reader_may_read_again_while_a_writer_waits(workspace: Workspace) -> None:
    """An answer holds the read lock and searches inside it; an upload arriving between the two
    must not deadlock them (it did under the load test)."""
    import threading
    import time

    workspace.ingest_paths([SEED])
    found: list[int] = []

    def upload() -> None:
        with workspace._rw.write():
            found.append(-1)

    def answer() -> None:
        with workspace.reading():
            writer = threading.Thread(target=upload, daemon=True)
            writer.start()
            while workspace._rw._writers_waiting == 0:  # the writer queues up behind us
                time.sleep(0.01)
            found.append(len(workspace.search("县商务局", 3)))  # re-enters the read lock

    reader = threading.Thread(target=answer, daemon=True)
    reader.start()
    reader.join(10)
    assert not reader.is_alive(), "the reader and the waiting writer deadlocked"
    deadline = time.monotonic() + 10
    while len(found) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert found[0] > 0 and found[1:] == [-1]  # the read finished first, then the write
