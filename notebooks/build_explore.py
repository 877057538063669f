"""Write notebooks/explore.ipynb from the cells below (so the notebook is reviewable as code).

    python notebooks/build_explore.py
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS = [
    new_markdown_cell(
        "# Exploring a PolicyKG store\n\n"
        "Who carries the work, who works with whom, and which documents a policy implements. "
        "The notebook ingests the sample documents in `examples/` into a scratch data directory, "
        "or opens the store named by `POLICYKG_DATA_DIR` when it is set."
    ),
    new_code_cell(
        """import os
import tempfile
from pathlib import Path

from policykg.api.settings import Settings
from policykg.api.factory import open_workspace

ROOT = Path.cwd() if (Path.cwd() / "examples").exists() else Path.cwd().parent
if os.environ.get("POLICYKG_DATA_DIR"):
    settings = Settings()
    workspace = open_workspace(settings)
else:
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="policykg-notebook-")), neo4j_uri=None)
    workspace = open_workspace(settings)
    report = workspace.ingest_paths([ROOT / "examples"])
    print(f"ingested {len(report.added)} documents, {report.clauses} clauses into {settings.data_dir}")
graph = workspace.graph
stats = graph.stats()
print(f"{stats.policies} policies, {stats.clauses} clauses, {stats.units} units, {stats.jurisdictions} jurisdictions")"""
    ),
    new_markdown_cell("## Workload: clauses each unit leads (牵头) and shares (责任/配合)"),
    new_code_cell(
        """from IPython.display import HTML, display

ranking = graph.workload(limit=15)
rows = "".join(
    f"<tr><td>{s.unit.name}</td><td>{s.unit.jurisdiction}</td><td>{s.lead}</td><td>{s.responsible}</td><td>{s.policies}</td></tr>"
    for s in ranking
)
display(HTML(f"<table><tr><th>unit</th><th>jurisdiction</th><th>lead</th><th>responsible</th><th>policies</th></tr>{rows}</table>"))
assert ranking and ranking[0].tasks >= ranking[-1].tasks"""
    ),
    new_markdown_cell(
        "## The collaboration network\n\nUnits linked by the clauses they share; "
        "edge width is the number of shared clauses. Chinese labels need a CJK font (Noto Sans CJK)."
    ),
    new_code_cell(
        """import matplotlib.pyplot as plt
import networkx as nx
from matplotlib import font_manager

from policykg.graph.analysis import collaboration_graph, unit_centrality, unit_communities

cjk = [f.name for f in font_manager.fontManager.ttflist if "CJK" in f.name or "WenQuanYi" in f.name]
if cjk:
    plt.rcParams["font.sans-serif"] = [cjk[0], "DejaVu Sans"]
plt.rcParams["axes.unicode_minus"] = False
print("CJK font:", cjk[0] if cjk else "none found (install fonts-noto-cjk)")

place = graph.jurisdictions()[0].jurisdiction.name
network = collaboration_graph(graph, jurisdiction=place, min_weight=2)
fig, ax = plt.subplots(figsize=(10, 8))
layout = nx.spring_layout(network, seed=7, weight="weight")
widths = [0.4 * d["weight"] for _, _, d in network.edges(data=True)]
nx.draw_networkx_edges(network, layout, width=widths, alpha=0.4, ax=ax)
nx.draw_networkx_nodes(network, layout, node_size=[120 * network.degree(n) for n in network], node_color="#4c78a8", ax=ax)
nx.draw_networkx_labels(network, layout, labels={n: d.get("name", n) for n, d in network.nodes(data=True)}, font_size=9, ax=ax)
ax.set_title(f"{place}: units sharing at least 2 clauses")
ax.axis("off")
plt.show()
print(network.number_of_nodes(), "units,", network.number_of_edges(), "links")"""
    ),
    new_markdown_cell("## Centrality and communities"),
    new_code_cell(
        """full = collaboration_graph(graph)
for row in unit_centrality(full, top=8):
    print(f"{row.name:<16} {row.jurisdiction:<24} partners {row.partners:>3}  shared {row.shared_clauses:>4}  pagerank {row.pagerank:.3f}")
print()
for i, group in enumerate(unit_communities(full)[:5], start=1):
    print(f"community {i}: {'、'.join(group.names[:10])}")"""
    ),
    new_markdown_cell("## The citation chain of one policy\n\nWhat it cites (stubs: cited, not ingested) and what cites it."),
    new_code_cell(
        """policy = max(graph.policies(0, 1000).items, key=lambda p: len(graph.citations(p.id)))
chain = nx.DiGraph()
chain.add_node(policy.id, label=policy.title[:16])
for cited in graph.citations(policy.id):
    chain.add_edge(policy.id, cited.id)
    chain.nodes[cited.id]["label"] = (cited.doc_number or cited.title)[:16] + (" (stub)" if cited.stub else "")
for citing in graph.cited_by(policy.id):
    chain.add_edge(citing.id, policy.id)
    chain.nodes[citing.id]["label"] = citing.title[:16]
print(f"《{policy.title}》 cites {len(graph.citations(policy.id))} documents, cited by {len(graph.cited_by(policy.id))}")
fig, ax = plt.subplots(figsize=(10, 6))
layout = nx.shell_layout(chain, nlist=[[policy.id], [n for n in chain if n != policy.id]])
nx.draw_networkx(chain, layout, labels=nx.get_node_attributes(chain, "label"), node_color="#f58518", font_size=8, ax=ax, arrows=True)
ax.axis("off")
plt.show()"""
    ),
    new_markdown_cell(
        "## Neo4j\n\nWhen `POLICYKG_NEO4J_URI` is set, load this store into Neo4j (idempotent) and ask "
        "Cypher the same question; open the database in Neo4j Browser to explore it by hand, e.g. "
        "`MATCH (u:Unit {name: '县商务局'})-[r:LEADS|RESPONSIBLE_FOR]->(c:Clause) RETURN u, r, c`."
    ),
    new_code_cell(
        """uri = os.environ.get("POLICYKG_NEO4J_URI")
if not uri:
    print("POLICYKG_NEO4J_URI is not set: skipping the Neo4j section")
else:
    from policykg.graph.memory import MemoryGraphStore
    from policykg.graph.neo4j import connect

    target = connect(uri, os.environ.get("POLICYKG_NEO4J_USER", ""), os.environ.get("POLICYKG_NEO4J_PASSWORD", ""))
    source = MemoryGraphStore(settings.data_dir / "graph") if settings.neo4j_uri is None else graph
    policies = [source.get_policy(i) for i in sorted(source.policy_ids())]
    target.write_policies([p for p in policies if p is not None])
    busiest = source.workload(limit=1)[0].unit
    from_neo4j = [r.clause.id for r in target.unit_clauses(busiest.id)]
    print(f"Neo4j holds {target.stats().policies} policies; {busiest.name} has {len(from_neo4j)} clauses there")
    assert from_neo4j == [r.clause.id for r in source.unit_clauses(busiest.id)]
    target.close()"""
    ),
]


def main() -> None:
    notebook = new_notebook(cells=CELLS, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path = Path(__file__).with_name("explore.ipynb")
    nbformat.write(notebook, path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
