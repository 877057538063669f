"""A process following another's writes reads only what changed, and ends where a fresh load does."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import networkx as nx

from policykg.graph.memory import MemoryGraphStore
from policykg.ingest.model import Policy


def _same(following: MemoryGraphStore, fresh: MemoryGraphStore) -> None:
    assert following.policy_ids() == fresh.policy_ids()
    assert following.stats() == fresh.stats()
    assert following.jurisdictions() == fresh.jurisdictions()
    assert following.damaged() == fresh.damaged()
    for policy_id in fresh.policy_ids():
        assert following.get_policy(policy_id) == fresh.get_policy(policy_id)
        assert following.citations(policy_id) == fresh.citations(policy_id)
        assert following.cited_by(policy_id) == fresh.cited_by(policy_id)
    ours, theirs = following.to_networkx(), fresh.to_networkx()
    assert set(ours.nodes) == set(theirs.nodes)
    assert nx.utils.edges_equal(
        sorted((u, v, d.get("type")) for u, v, d in ours.edges(data=True)),
        sorted((u, v, d.get("type")) for u, v, d in theirs.edges(data=True)),
    )


def test_reload_reads_only_changed_policies_and_matches_a_fresh_load(
    tmp_path: Path, corpus_policies: list[Policy]
) -> None:
    folder = tmp_path / "graph"
    writer = MemoryGraphStore(folder)
    first, rest = corpus_policies[:12], corpus_policies[12:20]
    writer.write_policies(first)
    follower = MemoryGraphStore(folder)
    assert follower.stats().policies == len(first)

    before = _listed(folder)
    new_version = dataclasses.replace(corpus_policies[20], source=first[2].source)
    writer.write_policies([*rest, new_version])  # a new version of first[2]'s file replaces it
    writer.delete_policy(first[5].id)
    after = _listed(folder)
    changed = {p for p, checksum in after.items() if before.get(p) != checksum}
    assert changed == {p.id for p in [*rest, new_version]}
    assert first[2].id not in after and first[5].id not in after

    reads: list[str] = []
    original = follower._read_policy

    def counting(policy_id: str, checksum: str | None) -> None:
        reads.append(policy_id)
        original(policy_id, checksum)

    follower._read_policy = counting  # type: ignore[method-assign]
    follower.reload()
    assert sorted(reads) == sorted(changed)  # nothing it already held is read again
    _same(follower, MemoryGraphStore(folder))


def _listed(folder: Path) -> dict[str, str]:
    listed: dict[str, str] = json.loads((folder / "manifest.json").read_text("utf-8"))["policies"]
    return listed


def test_a_damaged_file_listed_unchanged_is_read_again_and_a_manifest_without_checksums_reloads_all(
    tmp_path: Path, corpus_policies: list[Policy]
) -> None:
    folder = tmp_path / "graph"
    writer = MemoryGraphStore(folder)
    writer.write_policies(corpus_policies[:6])
    follower = MemoryGraphStore(folder)
    manifest = folder / "manifest.json"
    listed = json.loads(manifest.read_text(encoding="utf-8"))
    listed["policies"] = sorted(listed["policies"])  # version 1: ids only
    manifest.write_text(json.dumps(listed), encoding="utf-8")
    follower.reload()
    _same(follower, MemoryGraphStore(folder))


def test_ranked_units_and_policies_follow_every_change(
    tmp_path: Path, corpus_policies: list[Policy]
) -> None:
    """The ranked unit and policy lists are kept between changes; a write, a delete and a
    reload of another process's write each give what a fresh load lists."""
    folder = tmp_path / "graph"
    writer = MemoryGraphStore(folder)
    writer.write_policies(corpus_policies[:6])
    follower = MemoryGraphStore(folder)

    def lists(store: MemoryGraphStore) -> tuple[object, ...]:
        place = corpus_policies[0].jurisdiction.name
        return (
            store.units(0, 10**6),
            store.units(0, 10**6, jurisdiction=place),
            store.units(3, 5, name_contains="局"),
            store.policies(0, 10**6),
            store.policies(0, 10**6, jurisdiction=place),
            store.workload(limit=20),
        )

    def agrees(store: MemoryGraphStore) -> None:
        assert lists(store) == lists(MemoryGraphStore(folder))

    agrees(writer)
    agrees(follower)  # both hold their lists now
    writer.write_policies(corpus_policies[6:10])
    agrees(writer)
    writer.delete_policy(corpus_policies[1].id)
    agrees(writer)
    follower.reload()
    agrees(follower)
    assert lists(follower) == lists(writer)
