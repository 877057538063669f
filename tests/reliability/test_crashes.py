"""kill -9 at every commit point of an ingest, an upload and a delete, then a plain re-run: the
store ends equal, value for value, to one that was never interrupted, and says it is consistent.

The kill comes from ``POLICYKG_FAULT`` (``ingest.storage.fault_point``): the process sends itself
SIGKILL at the named point, as an outside ``kill -9`` landing there would.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from tests.conftest import CORPUS, SEED
from tests.reliability.helpers import cli, contents, same_contents

POINTS = [
    "journal-written",  # the journal is on disk, nothing else changed yet
    "graph-committed",  # policy files and graph manifest written, the index not
    "vectors-committed",  # FAISS written, BM25 not
    "before-commit-record",  # everything written but store.json
    "commit-record-written",  # store.json written, the journal not yet removed
]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("uninterrupted") / "data"
    result = cli("-d", str(data), "ingest", str(CORPUS))
    assert result.returncode == 0, result.stderr
    return data


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("batch", [1, 3])
def test_an_ingest_killed_at_a_commit_point_then_run_again_equals_an_uninterrupted_one(
    tmp_path: Path, uninterrupted: Path, point: str, batch: int
) -> None:
    data = tmp_path / "data"
    killed = cli("-d", str(data), "ingest", str(CORPUS), POLICYKG_FAULT=f"{point}:{batch}")
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    again = cli("-d", str(data), "ingest", str(CORPUS))

    assert again.returncode == 0, again.stderr
    assert same_contents(contents(data), contents(uninterrupted)) == []
    check = cli("-d", str(data), "check", "--json")
    assert check.returncode == 0 and json.loads(check.stdout)["consistent"], check.stdout


@pytest.mark.parametrize("point", POINTS)
def test_any_command_after_a_kill_finishes_the_batch_first(tmp_path: Path, point: str) -> None:
    data = tmp_path / "data"
    killed = cli("-d", str(data), "ingest", str(SEED), POLICYKG_FAULT=point)
    assert killed.returncode == -signal.SIGKILL

    answer = cli("-d", str(data), "search", "招商引资", "--json")  # a reader, not a writer

    assert answer.returncode == 0, answer.stderr
    assert not (data / "journal.json").exists()
    check = json.loads(cli("-d", str(data), "check", "--json").stdout)
    assert check["consistent"] and check["clauses_in_graph"] == check["vectors"] == check["bm25"]


@pytest.mark.parametrize("point", POINTS)
def test_a_delete_killed_at_a_commit_point_is_finished_or_undone(
    tmp_path: Path, point: str
) -> None:
    data = tmp_path / "data"
    assert cli("-d", str(data), "ingest", str(CORPUS / "dev")).returncode == 0
    policies = json.loads(cli("-d", str(data), "policies", "--json", "--limit", "100").stdout)
    items = policies.get("items", policies.get("policies"))
    victim = items[0]["id"]

    killed = cli("-d", str(data), "delete", victim, POLICYKG_FAULT=point)
    assert killed.returncode == -signal.SIGKILL
    check = json.loads(cli("-d", str(data), "check", "--json").stdout)
    assert check["consistent"], check
    cli("-d", str(data), "delete", victim)  # a user runs it again (or it already happened)

    after = json.loads(cli("-d", str(data), "policies", "--json", "--limit", "100").stdout)
    remaining = {p["id"] for p in after.get("items", after.get("policies"))}
    assert remaining == {p["id"] for p in items} - {victim}
    assert json.loads(cli("-d", str(data), "check", "--json").stdout)["consistent"]


def test_temporary_files_left_by_a_kill_are_removed_at_the_next_write(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert cli("-d", str(data), "ingest", str(SEED)).returncode == 0
    leftovers = [
        data / "index" / "vectors" / ".index-9.faiss.abc123.tmp",
        data / "graph" / "policies" / ".p0.json.xyz.tmp",
        data / ".store.json.q1.tmp",
    ]
    for path in leftovers:
        path.write_bytes(b"half a file")
    (data / "index" / "bm25" / ".index-9.tmp").mkdir()

    assert cli("-d", str(data), "ingest", str(CORPUS / "dev" / "012.txt")).returncode == 0

    assert not list(data.rglob(".*.tmp"))
