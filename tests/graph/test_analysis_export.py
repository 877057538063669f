"""Analytics and exports on the embedded store (both stores share the code: it reads the protocol)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from policykg.graph.analysis import (
    collaboration_graph,
    unit_centrality,
    unit_communities,
    workload_ranking,
)
from policykg.graph.export import export_graph
from policykg.graph.memory import MemoryGraphStore
from policykg.ingest.model import Policy


@pytest.fixture(scope="module")
def store(corpus_policies: list[Policy]) -> MemoryGraphStore:
    graph = MemoryGraphStore(None)
    graph.write_policies(corpus_policies)
    return graph


def test_centrality_and_communities_are_deterministic(
    store: MemoryGraphStore, seed_policy: Policy
) -> None:
    network = collaboration_graph(store, seed_policy.jurisdiction.name)
    assert all(
        data["jurisdiction"] == seed_policy.jurisdiction.name
        for _, data in network.nodes(data=True)
    )
    central = unit_centrality(network, top=5)
    assert central[0].name == "县高新区管委会"  # shares every clause of the seed
    assert central == unit_centrality(
        collaboration_graph(store, seed_policy.jurisdiction.name), top=5
    )
    groups = unit_communities(network)
    assert sorted(u for g in groups for u in g.units) == sorted(network.nodes)
    assert groups == unit_communities(network)


def test_workload_ranking_excludes_placeholders(store: MemoryGraphStore) -> None:
    ranking = workload_ranking(store, top=50)
    assert all(r.unit.kind.value != "placeholder" for r in ranking)
    assert ranking[0].tasks >= ranking[-1].tasks


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_exports_open_again_with_every_node_and_edge(
    store: MemoryGraphStore, tmp_path: Path, fmt: str
) -> None:
    full = store.to_networkx()
    path = tmp_path / f"graph.{fmt}"
    assert export_graph(full, path) == fmt
    if fmt == "graphml":
        back = nx.read_graphml(path)
    elif fmt == "gexf":
        back = nx.read_gexf(path)
    else:
        import json

        back = nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), edges="edges")
    assert back.number_of_nodes() == full.number_of_nodes()
    assert back.number_of_edges() == full.number_of_edges()
    commerce = next(n for n, d in full.nodes(data=True) if d.get("name") == "县商务局")
    assert "县商务局" in str(back.nodes[commerce])


def test_unknown_export_format_is_refused(store: MemoryGraphStore, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        export_graph(store.to_networkx(), tmp_path / "graph.xlsx")
