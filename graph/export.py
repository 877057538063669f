"""Export a graph for Gephi (GEXF), yEd/Cytoscape (GraphML) and notebooks (JSON node-link)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx

from policykg.ingest.storage import atomic_write_bytes

FORMATS = ("graphml", "gexf", "json")


def plain_graph(graph: nx.Graph) -> nx.Graph:
    """A copy whose attributes are scalars: lists joined with 、, None dropped.

    GraphML and GEXF store only strings, numbers and booleans.
    """
    out = graph.__class__()
    for node, data in graph.nodes(data=True):
        out.add_node(node, **_scalars(data))
    for source, target, data in graph.edges(data=True):
        out.add_edge(source, target, **_scalars(data))
    return out


def _scalars(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set):
            result[key] = "、".join(str(v) for v in value)
        elif isinstance(value, str | int | float | bool):
            result[key] = value
        else:
            result[key] = str(value)
    return result


def _graphml(graph: nx.Graph, path: Path) -> None:
    lines = nx.generate_graphml(plain_graph(graph), encoding="utf-8", prettyprint=True)
    atomic_write_bytes(path, "\n".join(lines).encode("utf-8"))


def _gexf(graph: nx.Graph, path: Path) -> None:
    plain = plain_graph(graph)
    for _, data in plain.nodes(data=True):
        # Gephi shows the "label" attribute of a node; ours holds the node type.
        data["type"] = data.pop("label", "")
        if "display" in data:
            data["label"] = data.pop("display")
        elif "name" in data:
            data["label"] = data["name"]
    for _, _, data in plain.edges(data=True):
        # GEXF reserves an edge's "type" for directed/undirected; the relationship goes in "label".
        if "type" in data:
            data["label"] = data.pop("type")
    lines = nx.generate_gexf(plain, encoding="utf-8", prettyprint=True)
    atomic_write_bytes(path, "\n".join(lines).encode("utf-8"))


def _json(graph: nx.Graph, path: Path) -> None:
    data = nx.node_link_data(graph, edges="edges")
    atomic_write_bytes(
        path, json.dumps(data, ensure_ascii=False, indent=1, default=str).encode("utf-8")
    )


_WRITERS: dict[str, Callable[[nx.Graph, Path], None]] = {
    "graphml": _graphml,
    "gexf": _gexf,
    "json": _json,
}


def export_graph(graph: nx.Graph, path: Path, fmt: str | None = None) -> str:
    """Write ``graph`` to ``path`` in ``fmt`` (default: from the file extension).

    Returns:
        The format written.

    Raises:
        ValueError: For an unknown format.
    """
    chosen = (fmt or path.suffix.lstrip(".")).lower()
    if chosen not in _WRITERS:
        raise ValueError(f"unknown export format {chosen!r}; use one of {', '.join(FORMATS)}")
    _WRITERS[chosen](graph, path)
    return chosen
