"""Network analytics on either store: who carries the work, who works with whom.

Everything is computed with networkx on the collaboration network the store returns (units
linked by the clauses they share, weighted by how many), so both backends give the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from policykg.graph.base import GraphStore, UnitSummary


@dataclass(frozen=True, slots=True)
class UnitCentrality:
    """How central a unit is in the collaboration network.

    Attributes:
        unit_id: The unit.
        name: Its name.
        jurisdiction: Its jurisdiction.
        partners: Number of units it shares clauses with (degree).
        shared_clauses: Sum of shared-clause weights (weighted degree).
        betweenness: Betweenness centrality (how often it sits between two other units).
        pagerank: PageRank on the weighted network.
    """

    unit_id: str
    name: str
    jurisdiction: str
    partners: int
    shared_clauses: int
    betweenness: float
    pagerank: float


@dataclass(frozen=True, slots=True)
class Community:
    """A group of units that mostly work with each other.

    Attributes:
        units: Unit ids, most connected first.
        names: Their names, in the same order.
        internal_weight: Shared clauses inside the group.
    """

    units: tuple[str, ...]
    names: tuple[str, ...]
    internal_weight: int


def collaboration_graph(
    store: GraphStore, jurisdiction: str | None = None, min_weight: int = 1
) -> nx.Graph:
    """The collaboration network: units as nodes, ``weight`` = clauses two units share."""
    graph = nx.Graph()
    for edge in store.collaboration(jurisdiction=jurisdiction, min_weight=min_weight):
        graph.add_edge(edge.source, edge.target, weight=edge.weight)
    names = {s.unit.id: s.unit for s in store.units(0, 10**9, jurisdiction).items}
    for node in graph.nodes:
        unit = names.get(node)
        if unit is not None:
            graph.nodes[node].update(
                name=unit.name,
                jurisdiction=unit.jurisdiction,
                kind=unit.kind.value,
                level=unit.level.value,
            )
    return graph


def workload_ranking(
    store: GraphStore, jurisdiction: str | None = None, top: int = 20
) -> list[UnitSummary]:
    """Units ranked by clauses led and shared (placeholders excluded)."""
    return store.workload(jurisdiction=jurisdiction, limit=top)


def unit_centrality(graph: nx.Graph, top: int = 20) -> list[UnitCentrality]:
    """Units ranked by PageRank on the weighted collaboration network, then by name."""
    if graph.number_of_nodes() == 0:
        return []
    # Betweenness treats weights as distances: units sharing many clauses are close.
    distance = {(a, b): 1.0 / d["weight"] for a, b, d in graph.edges(data=True)}
    nx.set_edge_attributes(graph, distance, "distance")
    betweenness = nx.betweenness_centrality(graph, weight="distance", normalized=True)
    pagerank = nx.pagerank(graph, weight="weight")
    rows = [
        UnitCentrality(
            unit_id=node,
            name=graph.nodes[node].get("name", node),
            jurisdiction=graph.nodes[node].get("jurisdiction", ""),
            partners=graph.degree(node),
            shared_clauses=int(graph.degree(node, weight="weight")),
            betweenness=round(betweenness[node], 6),
            pagerank=round(pagerank[node], 6),
        )
        for node in graph.nodes
    ]
    rows.sort(key=lambda r: (-r.pagerank, -r.shared_clauses, r.name, r.unit_id))
    return rows[:top]


def unit_communities(graph: nx.Graph, seed: int = 7) -> list[Community]:
    """Communities of units (Louvain, fixed seed so runs agree), largest first."""
    if graph.number_of_nodes() == 0:
        return []
    found = nx.community.louvain_communities(graph, weight="weight", seed=seed)
    communities = []
    for members in found:
        sub = graph.subgraph(members)
        ordered = sorted(members, key=lambda n: (-sub.degree(n, weight="weight"), n))
        communities.append(
            Community(
                units=tuple(ordered),
                names=tuple(graph.nodes[n].get("name", n) for n in ordered),
                internal_weight=int(sub.size(weight="weight")),
            )
        )
    communities.sort(key=lambda c: (-len(c.units), -c.internal_weight, c.units))
    return communities
