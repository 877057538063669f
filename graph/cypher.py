"""Every Cypher statement of the Neo4j store, as module constants.

Values are always ``$parameters``; labels and relationship types come only from
:mod:`graph.schema` and are formatted into the text here, once, when the module is imported.
Nothing here needs APOC; ``CALL (x) { … }`` subqueries need Neo4j 5.23 or later.

Internal properties (not part of the graph model, left out of every view): on Policy nodes
``json`` (the policy as written, for an exact round trip), ``citations`` (its citations as JSON
``[[title, 文号], …]``, to resolve them again) and ``cited_text`` (their 文号 and title keys between
newlines: which policies may cite the one being written); on Unit nodes ``aliases_text`` (its
aliases between newlines: a lookup by alias). Lists cannot be indexed for membership; such text
can, with a TEXT index (``CONTAINS "\\n<value>\\n"``). A TEXT index takes at most 32 766 bytes
per value, so a longer text is left out and ``cited_overflow``/``aliases_overflow`` is set
instead: those nodes are always candidates, and Python confirms every candidate.
"""

from __future__ import annotations

from policykg.graph.schema import (
    CITES,
    CLAUSE,
    HAS_CLAUSE,
    HAS_SECTION,
    IN_JURISDICTION,
    JURISDICTION,
    LABELS,
    LEADS,
    MENTIONS,
    NAMES,
    PART_OF,
    POLICY,
    RELATIONSHIP_TYPES,
    RESPONSIBLE_FOR,
    SECTION,
    STORE_STATE,
    UNIT,
)

INDEX_STATE = "PolicyKGIndex"
"""The node recording the model of the clause index in Neo4j (``search.neo4j_index``)."""

# -- schema -----------------------------------------------------------------------------------

CONSTRAINTS = tuple(
    f"CREATE CONSTRAINT policykg_{label.lower()}_{key} IF NOT EXISTS "
    f"FOR (n:{label}) REQUIRE n.{key} IS UNIQUE"
    for label, key in (
        (POLICY, "id"),
        (SECTION, "id"),
        (CLAUSE, "id"),
        (UNIT, "id"),
        (JURISDICTION, "name"),
    )
)

_RANGE_INDEXES = (
    (UNIT, "name"),
    (UNIT, "jurisdiction"),
    (POLICY, "doc_number"),
    (POLICY, "title_key"),
    (POLICY, "source"),
    (POLICY, "jurisdiction"),
    (POLICY, "cited_overflow"),
    (CLAUSE, "policy_id"),
    (UNIT, "aliases_overflow"),
)
# CONTAINS and ENDS WITH lookups (see the internal properties above).
_TEXT_INDEXES = (
    (UNIT, "aliases_text"),
    (POLICY, "title_key"),
    (POLICY, "cited_text"),
)
INDEXES = (
    *(
        f"CREATE INDEX policykg_{label.lower()}_{key} IF NOT EXISTS FOR (n:{label}) ON (n.{key})"
        for label, key in _RANGE_INDEXES
    ),
    *(
        f"CREATE TEXT INDEX policykg_{label.lower()}_{key.removesuffix('_text')}_text "
        f"IF NOT EXISTS FOR (n:{label}) ON (n.{key})"
        for label, key in _TEXT_INDEXES
    ),
)

AWAIT_INDEXES = "CALL db.awaitIndexes($seconds)"

# -- fragments --------------------------------------------------------------------------------

_ROLE_TYPES = f"{LEADS}|{RESPONSIBLE_FOR}"

# Relationships are counted without naming the node at the other end (each type joins only one
# pair of labels), so Neo4j reads the counts from the node's degrees instead of expanding.

# Clauses of the policy bound to ``p``: directly under it, or under one of its sections.
_CLAUSE_COUNT = f"COUNT {{ (p)-[:{HAS_CLAUSE}]->() }} + COUNT {{ (p)-[:{HAS_SECTION}]->()-[:{HAS_CLAUSE}]->() }}"

_POLICY_SUMMARY = (
    "p.id AS id, p.title AS title, p.doc_number AS doc_number, p.issuer AS issuer, "
    "p.date AS date, p.jurisdiction AS jurisdiction, p.source AS source, p.stub AS stub, "
    f"{_CLAUSE_COUNT} AS clause_count, p.effective AS effective, p.expires AS expires"
)

_LEAD_COUNT = f"COUNT {{ (u)-[:{LEADS}]->() }}"
_RESPONSIBLE_COUNT = f"COUNT {{ (u)-[:{RESPONSIBLE_FOR}]->() }}"
_OTHER_COUNTS = (
    f"COUNT {{ (u)<-[:{MENTIONS}]-() }} AS mentions, COUNT {{ (u)<-[:{NAMES}]-() }} AS policies"
)

# Units a listing takes: by jurisdiction, part of the name, and for workload ($working) only
# units that are not placeholders.
_UNIT_FILTER = """($jurisdiction IS NULL OR u.jurisdiction = $jurisdiction)
  AND ($name_contains IS NULL OR u.name CONTAINS $name_contains)
  AND ($working = false OR u.kind <> $placeholder)"""


def _clause_records(match: str, relationship: str) -> str:
    """A query that binds clauses to ``c`` with ``match`` and returns them as records."""
    return (
        f"{match}\n"
        f"MATCH (p:{POLICY} {{id: c.policy_id}})\n"
        f"OPTIONAL MATCH (s:{SECTION})-[:{HAS_CLAUSE}]->(c)\n"
        # The clause index's vector and tokens stay on the server (POLICYKG_INDEX=neo4j).
        "RETURN c {.*, embedding: null, tokens: null} AS clause, p.title AS policy_title, p.doc_number AS doc_number, "
        "p.jurisdiction AS jurisdiction, s.title AS section_title, "
        f"{relationship} AS relationship"
    )


# -- writes -----------------------------------------------------------------------------------

STORED_POLICY_EXISTS = (
    f"MATCH (p:{POLICY} {{id: $id}}) WHERE p.stub = false RETURN count(p) > 0 AS found"
)

# Stored policies with the id of a policy being written (then it is unchanged), or that it may
# replace: same source, or same 文号 (graph.rules.write_decision decides).
_VERSION_FIELDS = (
    "p.id AS id, p.source AS source, p.doc_number AS doc_number, p.jurisdiction AS jurisdiction"
)
VERSION_CANDIDATES = "\nUNION\n".join(
    f"MATCH (p:{POLICY} {{{key}: ${key}}}) WHERE p.stub = false RETURN {_VERSION_FIELDS}"
    for key in ("id", "source", "doc_number")
)

# Rows innermost first; a link's node is created once, with the properties it first had.
MERGE_JURISDICTIONS = f"""
UNWIND $links AS link
MERGE (j:{JURISDICTION} {{name: link.name}})
ON CREATE SET j = link.props
WITH j, link
CALL (j, link) {{
    MATCH (child:{JURISDICTION} {{name: link.child}})
    MERGE (child)-[:{PART_OF}]->(j)
}}
"""

WRITE_POLICY = f"""
MERGE (p:{POLICY} {{id: $id}})
SET p = $props
WITH p
MATCH (j:{JURISDICTION} {{name: $jurisdiction}})
MERGE (p)-[:{IN_JURISDICTION}]->(j)
"""

WRITE_SECTIONS = f"""
MATCH (p:{POLICY} {{id: $policy_id}})
UNWIND $rows AS row
MERGE (s:{SECTION} {{id: row.props.id}})
SET s = row.props
MERGE (p)-[r:{HAS_SECTION}]->(s)
SET r.order = row.order
"""

# A unit is created with the properties it first had; its aliases are recomputed afterwards
# from every NAMES relationship (SET_UNIT_ALIASES), which this returns.
WRITE_UNITS = f"""
MATCH (p:{POLICY} {{id: $policy_id}})
UNWIND $rows AS row
MERGE (u:{UNIT} {{id: row.props.id}})
ON CREATE SET u = row.props
WITH p, u, row
CALL (u) {{
    MATCH (j:{JURISDICTION} {{name: u.jurisdiction}})
    MERGE (u)-[:{IN_JURISDICTION}]->(j)
}}
MERGE (p)-[n:{NAMES}]->(u)
SET n.aliases = row.aliases
WITH DISTINCT u
MATCH (u)<-[n:{NAMES}]-(:{POLICY})
RETURN u.id AS id, collect(n.aliases) AS alias_lists
"""

UNIT_ALIAS_LISTS = f"""
UNWIND $ids AS id
MATCH (u:{UNIT} {{id: id}})
OPTIONAL MATCH (u)<-[n:{NAMES}]-(:{POLICY})
RETURN u.id AS id, count(n) AS names, collect(n.aliases) AS alias_lists
"""

SET_UNIT_ALIASES = f"""
UNWIND $rows AS row
MATCH (u:{UNIT} {{id: row.id}})
SET u.aliases = row.aliases, u.aliases_text = row.aliases_text,
    u.aliases_overflow = row.aliases_overflow
"""

DELETE_UNITS = f"""
UNWIND $ids AS id
MATCH (u:{UNIT} {{id: id}})
DETACH DELETE u
"""

# Clauses under a section (``parent`` is a Section id) or directly under the policy.
SET_CLAUSE_VECTORS = f"""
UNWIND $rows AS row
MATCH (c:{CLAUSE} {{id: row.id}})
CALL db.create.setNodeVectorProperty(c, $key, row.vector)
"""
"""Vectors stored as 32-bit float arrays: Cypher's ``SET`` keeps a list of floats as 64-bit
doubles, twice the bytes for nothing (the vector index reads them as 32-bit floats anyway)."""

WRITE_CLAUSES = {
    parent_label: f"""
UNWIND $rows AS row
MERGE (c:{CLAUSE} {{id: row.props.id}})
SET c = row.props
WITH c, row
CALL (c, row) {{
    MATCH (parent:{parent_label} {{id: row.parent}})
    MERGE (parent)-[r:{HAS_CLAUSE}]->(c)
    SET r.order = row.order
}}
"""
    for parent_label in (SECTION, POLICY)
}

# Role relationships by type: Unit -> Clause for LEADS and RESPONSIBLE_FOR, Clause -> Unit for
# MENTIONS.
WRITE_ROLES = {
    **{
        rel: f"""
UNWIND $rows AS row
MATCH (u:{UNIT} {{id: row.unit}}), (c:{CLAUSE} {{id: row.clause}})
MERGE (u)-[r:{rel}]->(c)
SET r.source = row.source, r.evidence = row.evidence
"""
        for rel in (LEADS, RESPONSIBLE_FOR)
    },
    MENTIONS: f"""
UNWIND $rows AS row
MATCH (u:{UNIT} {{id: row.unit}}), (c:{CLAUSE} {{id: row.clause}})
MERGE (c)-[:{MENTIONS}]->(u)
""",
}

# Stored policies a policy's citations may name (graph.rules.resolve_citations chooses).
CITATION_CANDIDATES = f"""
CALL () {{
    MATCH (p:{POLICY}) WHERE p.doc_number IN $doc_numbers RETURN p
    UNION
    MATCH (p:{POLICY}) WHERE p.title_key IN $title_keys RETURN p
    UNION
    UNWIND $long_title_keys AS key
    MATCH (p:{POLICY}) WHERE p.title_key ENDS WITH key RETURN p
}}
WITH p
WHERE p.stub = false
RETURN p.id AS id, p.doc_number AS doc_number, p.title_key AS title_key
"""

MERGE_STUBS = f"""
UNWIND $rows AS row
MERGE (s:{POLICY} {{id: row.id}})
ON CREATE SET s = row.props
"""

WRITE_CITATIONS = f"""
MATCH (p:{POLICY} {{id: $policy_id}})
UNWIND $rows AS row
MATCH (t:{POLICY} {{id: row.target}})
MERGE (p)-[r:{CITES}]->(t)
SET r.order = row.order, r.kind = row.kind, r.sentence = row.sentence
"""

# Removes a policy's citations, then the stubs no other policy cites any more.
CLEAR_CITATIONS = f"""
MATCH (p:{POLICY} {{id: $policy_id}})-[r:{CITES}]->(t:{POLICY})
DELETE r
WITH DISTINCT t
WHERE t.stub = true AND NOT EXISTS {{ (t)<-[:{CITES}]-() }}
DELETE t
"""

CITING_POLICIES = f"""
MATCH (c:{POLICY})-[:{CITES}]->(:{POLICY} {{id: $policy_id}})
RETURN c.id AS id
"""

# Stored policies with a citation that may name the policy just written: $needles are its 文号,
# its title key and the tails of it, each between newlines (see cited_text);
# graph.rules.citing_to_resolve_again confirms.
CITING_CANDIDATES = f"""
CALL () {{
    UNWIND $needles AS needle
    MATCH (c:{POLICY}) WHERE c.cited_text CONTAINS needle RETURN c
    UNION
    MATCH (c:{POLICY} {{cited_overflow: true}}) RETURN c
}}
WITH c
WHERE c.stub = false
RETURN c.id AS id, c.citations AS citations
"""

POLICY_CITATIONS = f"""
UNWIND $ids AS id
MATCH (p:{POLICY} {{id: id}})
WHERE p.stub = false
RETURN p.id AS id, p.citations AS citations
"""

POLICY_DOCUMENTS = f"""
UNWIND $ids AS id
MATCH (p:{POLICY} {{id: id}})
WHERE p.stub = false
RETURN p.id AS id, p.json AS json
"""

DELETE_NODES = {
    label: f"""
UNWIND $ids AS id
MATCH (n:{label} {{id: id}})
DETACH DELETE n
"""
    for label in (CLAUSE, SECTION, POLICY)
}

DELETE_NAMES = f"""
MATCH (:{POLICY} {{id: $policy_id}})-[n:{NAMES}]->(:{UNIT})
DELETE n
"""

PRUNE_JURISDICTION = f"""
MATCH (j:{JURISDICTION} {{name: $name}})
WHERE NOT EXISTS {{ (j)<--() }}
DETACH DELETE j
"""

# -- reads ------------------------------------------------------------------------------------

POLICY_JSON = f"MATCH (p:{POLICY} {{id: $id}}) WHERE p.stub = false RETURN p.json AS json"

POLICY_IDS = f"MATCH (p:{POLICY}) WHERE p.stub = false RETURN p.id AS id"

CLAUSE_IDS_OF = f"MATCH (c:{CLAUSE}) WHERE c.policy_id IN $policy_ids RETURN c.id AS id"

POLICY_SUMMARIES = f"""
MATCH (p:{POLICY})
WHERE p.stub = false AND ($jurisdiction IS NULL OR p.jurisdiction = $jurisdiction)
RETURN {_POLICY_SUMMARY}
"""

CLAUSE_RECORDS = _clause_records(f"UNWIND $ids AS id\nMATCH (c:{CLAUSE} {{id: id}})", "null")

# unit_clauses by relationship type; "any" is LEADS or RESPONSIBLE_FOR.
UNIT_CLAUSES = {
    "any": _clause_records(
        f"MATCH (:{UNIT} {{id: $id}})-[r:{_ROLE_TYPES}]->(c:{CLAUSE})", "type(r)"
    ),
    LEADS: _clause_records(f"MATCH (:{UNIT} {{id: $id}})-[r:{LEADS}]->(c:{CLAUSE})", "type(r)"),
    RESPONSIBLE_FOR: _clause_records(
        f"MATCH (:{UNIT} {{id: $id}})-[r:{RESPONSIBLE_FOR}]->(c:{CLAUSE})", "type(r)"
    ),
    MENTIONS: _clause_records(
        f"MATCH (:{UNIT} {{id: $id}})<-[r:{MENTIONS}]-(c:{CLAUSE})", "type(r)"
    ),
}

# Clauses that state a time limit, of one jurisdiction's policies or ($jurisdiction null) of all.
DATED_CLAUSES = _clause_records(
    f"""MATCH (c:{CLAUSE}) WHERE c.deadline IS NOT NULL AND c.deadline <> ''
  AND ($jurisdiction IS NULL OR EXISTS {{
      MATCH (:{POLICY} {{id: c.policy_id, jurisdiction: $jurisdiction}}) }})""",
    "null",
)

# Clauses every one of $ids (distinct, $count of them) leads or shares.
SHARED_CLAUSES = _clause_records(
    f"""UNWIND $ids AS id
MATCH (u:{UNIT} {{id: id}})-[:{_ROLE_TYPES}]->(c:{CLAUSE})
WITH c, count(DISTINCT u) AS units
WHERE units = $count""",
    "null",
)

# By canonical name, or by alias ($needle is the name between newlines, see aliases_text).
FIND_UNITS = f"""
CALL () {{
    MATCH (u:{UNIT} {{name: $name}}) RETURN u
    UNION
    MATCH (u:{UNIT}) WHERE u.aliases_text CONTAINS $needle RETURN u
    UNION
    MATCH (u:{UNIT} {{aliases_overflow: true}}) RETURN u
}}
WITH u
WHERE (u.name = $name OR $name IN u.aliases)
  AND ($jurisdiction IS NULL OR u.jurisdiction = $jurisdiction)
RETURN u {{.*}} AS unit
"""

UNITS_BY_ID = f"""
UNWIND $ids AS id
MATCH (u:{UNIT} {{id: id}})
RETURN u {{.*}} AS unit
"""

UNIT_SUMMARY = f"""
MATCH (u:{UNIT} {{id: $id}})
RETURN u {{.*}} AS unit, {_LEAD_COUNT} AS lead, {_RESPONSIBLE_COUNT} AS responsible, {_OTHER_COUNTS}
"""

# Listings rank units by tasks and leads: these count the units of each (tasks, lead) rank,
# then RANKED_UNITS fetches only the ranks a page reaches (ties are ordered in Python).
UNIT_RANKS = f"""
MATCH (u:{UNIT})
WHERE {_UNIT_FILTER}
WITH {_LEAD_COUNT} AS lead, {_RESPONSIBLE_COUNT} AS responsible
WITH lead + responsible AS tasks, lead
WHERE $working = false OR tasks > 0
RETURN tasks, lead, count(*) AS units
"""

RANKED_UNITS = f"""
MATCH (u:{UNIT})
WHERE {_UNIT_FILTER}
WITH u, {_LEAD_COUNT} AS lead, {_RESPONSIBLE_COUNT} AS responsible
WHERE [lead + responsible, lead] IN $ranks
RETURN u {{.*}} AS unit, lead, responsible, {_OTHER_COUNTS}
"""

CLAUSE_LEADS = f"""
MATCH (c:{CLAUSE} {{id: $id}})
MATCH (p:{POLICY} {{id: c.policy_id}})
RETURN c.lead_units AS names, p.jurisdiction AS jurisdiction
"""

CITATIONS = f"""
MATCH (:{POLICY} {{id: $id}})-[r:{CITES}]->(p:{POLICY})
RETURN {_POLICY_SUMMARY}, r.order AS order
ORDER BY order
"""

CITATION_LINKS = f"""
MATCH (s:{POLICY})-[r:{CITES}]->(p:{POLICY})
WHERE s.stub = false
RETURN s.id AS citing, {_POLICY_SUMMARY}, r.kind AS kind, r.sentence AS sentence,
       r.order AS order
ORDER BY citing, order
"""

CITED_BY = f"""
MATCH (p:{POLICY})-[:{CITES}]->(:{POLICY} {{id: $id}})
WHERE p.stub = false
RETURN {_POLICY_SUMMARY}
"""

# (clause id, units that lead or share it), placeholders left out.
COLLABORATION = f"""
MATCH (u:{UNIT})-[:{_ROLE_TYPES}]->(c:{CLAUSE})
WHERE u.kind <> $placeholder
  AND ($jurisdiction IS NULL
       OR EXISTS {{ MATCH (p:{POLICY} {{id: c.policy_id}}) WHERE p.jurisdiction = $jurisdiction }})
RETURN c.id AS clause_id, collect(u.id) AS units
"""

# The same, only over the clauses of one unit.
UNIT_COLLABORATION = f"""
MATCH (:{UNIT} {{id: $unit_id}})-[:{_ROLE_TYPES}]->(c:{CLAUSE})
WHERE $jurisdiction IS NULL
   OR EXISTS {{ MATCH (p:{POLICY} {{id: c.policy_id}}) WHERE p.jurisdiction = $jurisdiction }}
MATCH (u:{UNIT})-[:{_ROLE_TYPES}]->(c)
WHERE u.kind <> $placeholder
RETURN c.id AS clause_id, collect(u.id) AS units
"""

# A node by its view id (Jurisdiction nodes by name), with its element id for traversal.
# Policy JSON and clause text are left out: views do not show them.
_VIEW_FIELDS = "elementId(n) AS element_id, n {.*, json: null, text: null} AS props"
FIND_NODE = "\nUNION\n".join(
    [
        *(
            f"MATCH (n:{label} {{id: $id}}) RETURN '{label}' AS label, {_VIEW_FIELDS}"
            for label in (POLICY, SECTION, CLAUSE, UNIT)
        ),
        f"MATCH (n:{JURISDICTION} {{name: $name}}) "
        f"RETURN '{JURISDICTION}' AS label, {_VIEW_FIELDS}",
    ]
)

# For each node (by element id): its neighbours in either direction, as view fields.
NEIGHBOURS = """
UNWIND $element_ids AS element_id
MATCH (m) WHERE elementId(m) = element_id
MATCH (m)--(n)
WHERE any(label IN labels(n) WHERE label IN $labels)
WITH element_id, collect(DISTINCT n) AS others
UNWIND others AS n
RETURN element_id AS origin, elementId(n) AS element_id,
       [label IN labels(n) WHERE label IN $labels][0] AS label,
       n {.*, json: null, text: null} AS props
"""

EDGES_AMONG = """
UNWIND $element_ids AS element_id
MATCH (a) WHERE elementId(a) = element_id
MATCH (a)-[r]->(b)
WHERE elementId(b) IN $element_ids
RETURN elementId(a) AS source, elementId(b) AS target, type(r) AS type, r.kind AS kind
"""

JURISDICTION_COUNTS = f"""
MATCH (p:{POLICY})
WHERE p.stub = false
WITH p.jurisdiction AS name, {_CLAUSE_COUNT} AS clauses
WITH name, count(*) AS policies, sum(clauses) AS clauses
OPTIONAL MATCH (j:{JURISDICTION} {{name: name}})
RETURN name, policies, clauses, j {{.*}} AS props,
       COUNT {{ MATCH (u:{UNIT}) WHERE u.jurisdiction = name }} AS units
"""

# Node counts by label (and stubs), relationship counts by type, from the count store.
_COUNT_PARTS = [
    *(f"MATCH (n:{label}) RETURN '{label}' AS name, count(n) AS count" for label in LABELS),
    f"MATCH (n:{POLICY}) WHERE n.stub = true RETURN 'stub' AS name, count(n) AS count",
    *(
        f"MATCH ()-[r:{rel}]->() RETURN '{rel}' AS name, count(r) AS count"
        for rel in RELATIONSHIP_TYPES
    ),
]
COUNTS = "\nUNION ALL\n".join(_COUNT_PARTS)

EXPORT_NODES = f"""
MATCH (n)
WHERE {" OR ".join(f"n:{label}" for label in LABELS)}
RETURN elementId(n) AS element_id, [label IN labels(n) WHERE label IN $labels][0] AS label,
       n {{.*, json: null}} AS props
"""

EXPORT_EDGES = """
MATCH (a)-[r]->(b)
WHERE type(r) IN $types
RETURN elementId(a) AS source, elementId(b) AS target, type(r) AS type, r.kind AS kind,
       r.sentence AS sentence
"""

CHECK_DATABASE = "RETURN 1 AS ok"

BUMP_VERSION = f"MERGE (s:{STORE_STATE} {{id: 'graph'}}) SET s.version = coalesce(s.version, 0) + 1"
VERSION = f"MATCH (s:{STORE_STATE} {{id: 'graph'}}) RETURN s.version AS version"

CLEAR = f"""
MATCH (n)
WHERE {" OR ".join(f"n:{label}" for label in (*LABELS, STORE_STATE, INDEX_STATE))}
CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF 10000 ROWS
"""
