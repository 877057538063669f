"""The Neo4j graph store: the networkx store's graph and answers, in a Neo4j 5 database.

Nodes and relationships are those of :mod:`graph.schema`, with the properties of
:mod:`graph.views`; relationships carry ``order`` (HAS_SECTION, HAS_CLAUSE, CITES) and
``aliases`` (NAMES). Jurisdiction nodes are keyed by name and appear in views as ``J:<name>``,
as in the networkx store. A Policy node also keeps the policy as written (``json``) and what its
citations name (see :mod:`graph.cypher`); views leave those out.

Writes follow the networkx store's steps (replace versions, add, resolve citations, adopt stubs;
on removal, drop orphan units, stubs and jurisdictions) with the same rules
(:mod:`graph.rules`), each batch of policies in one transaction. Queries fetch with parameterised
Cypher and order in Python with the sort keys of :mod:`graph.views`, so both stores answer
identically.

Modules: :mod:`.store` (the store and :func:`connect`), :mod:`.connection` (driver, sessions,
transactions, error translation, the version node), :mod:`.reads`, :mod:`.writes` and
:mod:`.records` (Neo4j records to and from the domain dataclasses). All Cypher is in
:mod:`graph.cypher`.
"""

from __future__ import annotations

from policykg.graph.neo4j.store import Neo4jStore, connect

__all__ = ["Neo4jStore", "connect"]
