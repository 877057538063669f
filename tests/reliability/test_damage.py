"""Damaged files: every derived file truncated, deleted and bit-flipped; policy files edited,
truncated and deleted; the graph manifest lost. Each time the store says what is wrong and what
to run, `check` does not call it consistent, and `check --repair` brings back exactly the store
as it was (derived files are rebuilt from the graph and the cache; a damaged policy is restored
from its source document, or dropped when the source is gone)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CORPUS, SEED
from tests.reliability.helpers import Contents, cli, contents, same_contents


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 3)])


def _delete(path: Path) -> None:
    path.unlink()


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for offset in range(len(data) // 2, len(data), max(1, len(data) // 40)):
        data[offset] ^= 0x5A
    path.write_bytes(bytes(data))


DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated": _truncate,
    "deleted": _delete,
    "bit-flipped": _flip,
}

# Derived files, found by pattern in a data directory.
DERIVED = {
    "faiss index": "index/vectors/index-*.faiss",
    "faiss ids": "index/vectors/ids-*.json",
    "vectors manifest": "index/vectors/manifest.json",
    "bm25 segment": "index/bm25/index-*/data.csc.index.npy",
    "bm25 clause ids": "index/bm25/index-*/clause_ids.json",
    "bm25 manifest": "index/bm25/manifest.json",
    "bm25 tokens": "index/bm25/tokens.sqlite",
    "embedding cache": "cache/embeddings.sqlite",
    "commit record": "store.json",
}


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Contents]:
    folder = tmp_path_factory.mktemp("docs")
    shutil.copytree(CORPUS / "dev", folder / "dev")
    shutil.copy(SEED, folder / "seed.txt")
    data = tmp_path_factory.mktemp("original") / "data"
    for batch in (folder / "dev", folder / "seed.txt"):  # two commits: a delta and a segment
        assert cli("-d", str(data), "ingest", str(batch)).returncode == 0
    return data, contents(data)


@pytest.fixture
def store(tmp_path: Path, original: tuple[Path, Contents]) -> Path:
    data = tmp_path / "data"
    shutil.copytree(original[0], data)
    return data


def only(data: Path, pattern: str) -> Path:
    matches = sorted(data.glob(pattern))
    assert matches, pattern
    return matches[-1]


def assert_told_what_to_run(result: object) -> None:
    """No traceback; a command that fails names the command that repairs the store."""
    told = getattr(result, "stderr", "") + getattr(result, "stdout", "")
    assert "Traceback" not in told, told
    if getattr(result, "returncode", 0) != 0:
        assert "check --repair" in told, told


@pytest.mark.parametrize("damage", DAMAGE)
@pytest.mark.parametrize("part", DERIVED)
def test_a_damaged_derived_file_is_reported_and_rebuilt(
    store: Path, original: tuple[Path, Contents], part: str, damage: str
) -> None:
    DAMAGE[damage](only(store, DERIVED[part]))

    assert_told_what_to_run(cli("-d", str(store), "search", "招商引资"))
    checked = cli("-d", str(store), "check")
    assert_told_what_to_run(checked)
    harmless = part in ("embedding cache", "commit record") and damage == "deleted"
    if not harmless:  # a missing cache or commit record is simply made again
        assert checked.returncode == 1 and "problems found" in checked.stdout

    repaired = cli("-d", str(store), "check", "--repair")

    # Exit 0 is the full check run again after the repair (a fresh process checks it in the
    # policy-file tests below); the store read back from disk holds what it held before.
    assert repaired.returncode == 0 and ": consistent" in repaired.stdout, repaired.stdout
    assert same_contents(contents(store), original[1]) == []


@pytest.mark.parametrize("damage", ["edited", *DAMAGE])
@pytest.mark.parametrize("source_kept", [True, False])
def test_a_damaged_policy_file_is_named_and_restored_or_dropped(
    store: Path, original: tuple[Path, Contents], damage: str, source_kept: bool
) -> None:
    listed = json.loads(cli("-d", str(store), "policies", "--json").stdout)
    seed_id = next(
        p["id"]
        for p in listed.get("items", listed.get("policies"))
        if p["title"] == "开发区改革开放实施意见"
    )
    path = store / "graph" / "policies" / f"{seed_id}.json"
    if damage == "edited":
        path.write_text(path.read_text("utf-8").replace("县商务局", "县公安局"), "utf-8")
    else:
        DAMAGE[damage](path)
    sources = json.loads((store / "sources.json").read_text("utf-8"))
    if not source_kept:
        Path(sources[seed_id]).rename(Path(sources[seed_id]).with_suffix(".moved"))

    try:
        answer = cli("-d", str(store), "ask", "县公安局负责什么？", "--json")
        assert answer.returncode == 0 and "开发区改革开放实施意见" not in answer.stdout
        others = cli("-d", str(store), "stats", "--json")
        assert json.loads(others.stdout)["policies"] == len(original[1].policies) - 1
        checked = cli("-d", str(store), "check")
        assert checked.returncode == 1 and seed_id in checked.stdout

        repaired = cli("-d", str(store), "check", "--repair")

        assert repaired.returncode == 0, repaired.stdout + repaired.stderr
        after = contents(store)
        if source_kept:
            assert "restored" in repaired.stdout
            assert same_contents(after, original[1]) == []
        else:
            assert "dropped" in repaired.stdout
            assert after.policies == original[1].policies - {seed_id}
        assert json.loads(cli("-d", str(store), "check", "--json").stdout)["consistent"]
    finally:
        moved = Path(sources[seed_id]).with_suffix(".moved")
        if moved.exists():
            moved.rename(sources[seed_id])


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_lost_graph_manifest_is_rebuilt(
    store: Path, original: tuple[Path, Contents], damage: str
) -> None:
    DAMAGE[damage](store / "graph" / "manifest.json")

    failed = cli("-d", str(store), "stats")
    assert failed.returncode != 0
    assert_told_what_to_run(failed)
    repaired = cli("-d", str(store), "check", "--repair")

    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert same_contents(contents(store), original[1]) == []
