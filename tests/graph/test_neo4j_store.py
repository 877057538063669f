"""The Neo4j store against a real Neo4j 5.26: the contract, identical answers to the networkx
store, connection errors."""

from __future__ import annotations

import dataclasses
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import networkx as nx
import pytest
from neo4j import Driver, GraphDatabase

from policykg.graph import cypher, schema
from policykg.graph.base import GraphStore
from policykg.graph.memory import MemoryGraphStore
from policykg.graph.neo4j import Neo4jStore, connect
from policykg.ingest.errors import StoreUnavailableError
from policykg.ingest.model import Citation, Policy, Role
from tests.graph.contract import CITED_PROVINCIAL, GraphStoreContract, parse_text, seed_under

pytestmark = pytest.mark.neo4j


@pytest.fixture
def neo4j_store(neo4j_driver: Driver, neo4j_database: str | None) -> Neo4jStore:
    """An empty Neo4j store: every PolicyKG node in the database is deleted first.

    ``clear()`` deletes in batches; one ``MATCH (n) DETACH DELETE n`` transaction runs out of
    memory on a database holding a bulk corpus.
    """
    store = Neo4jStore(neo4j_driver, neo4j_database)
    store.clear()
    return store


class TestNeo4jStoreContract(GraphStoreContract):
    @pytest.fixture
    def store(self, neo4j_store: Neo4jStore) -> Neo4jStore:
        return neo4j_store


# -- identical answers ---------------------------------------------------------------------------


def _graph_state(
    graph: nx.MultiDiGraph,
) -> tuple[dict[str, dict[str, object]], Counter[tuple[str, str, str]]]:
    nodes = {node: dict(data) for node, data in graph.nodes(data=True)}
    edges = Counter(
        (source, target, data["type"]) for source, target, data in graph.edges(data=True)
    )
    return nodes, edges


def _sample_nodes(graph: nx.MultiDiGraph, per_label: int = 3) -> list[str]:
    """A few nodes of each label: the first and last by id."""
    chosen: list[str] = []
    for label in schema.LABELS:
        ids = sorted(n for n, data in graph.nodes(data=True) if data["label"] == label)
        chosen += ids[:per_label] + ids[-per_label:]
    return list(dict.fromkeys(chosen))


def assert_same_answers(neo: GraphStore, memory: GraphStore, *, exhaustive: bool = True) -> None:
    """Every query of the protocol gives the same answer from both stores.

    Every unit, policy and clause is asked about, or (``exhaustive=False``) a sample of them.
    """
    exported = memory.to_networkx()
    assert _graph_state(neo.to_networkx()) == _graph_state(exported)
    assert neo.stats() == memory.stats()
    assert neo.jurisdictions() == memory.jurisdictions()
    assert neo.policy_ids() == memory.policy_ids()
    places = [None, *(j.jurisdiction.name for j in memory.jurisdictions()), "nowhere"]
    for place in places:
        assert neo.policies(0, 10**6, place) == memory.policies(0, 10**6, place)
        assert neo.units(0, 10**6, place) == memory.units(0, 10**6, place)
        assert neo.workload(place) == memory.workload(place)
        assert neo.workload(place, limit=5) == memory.workload(place, limit=5)
        assert neo.collaboration(place) == memory.collaboration(place)
    assert neo.policies(3, 5) == memory.policies(3, 5)
    for offset, limit in ((7, 11), (0, 1), (13, 0), (-5, 10), (2, -1), (10**6, 5)):
        assert neo.units(offset, limit) == memory.units(offset, limit)
        assert neo.policies(offset, limit) == memory.policies(offset, limit)
    for limit in (0, 1, 3, 10**6):
        assert neo.workload(limit=limit) == memory.workload(limit=limit)
    assert neo.units(name_contains="局") == memory.units(name_contains="局")
    for weight in (2, 3, 5):
        assert neo.collaboration(min_weight=weight) == memory.collaboration(min_weight=weight)
    assert neo.collaboration(limit=7) == memory.collaboration(limit=7)

    units = memory.units(0, 10**6).items
    chosen = units if exhaustive else units[:: max(1, len(units) // 40)]
    for summary in chosen:
        unit = summary.unit
        assert neo.unit(unit.id) == summary
        for role in (None, *Role):
            assert neo.unit_clauses(unit.id, role) == memory.unit_clauses(unit.id, role)
        assert neo.collaboration(unit_id=unit.id) == memory.collaboration(unit_id=unit.id)
        assert neo.collaboration(unit.jurisdiction, unit.id, 2) == memory.collaboration(
            unit.jurisdiction, unit.id, 2
        )
        for name in (unit.name, *unit.aliases[:3], *unit.aliases[-2:]):
            assert neo.find_units(name) == memory.find_units(name)
            assert neo.find_units(name, unit.jurisdiction) == memory.find_units(
                name, unit.jurisdiction
            )

    pairs = [[e.source, e.target] for e in memory.collaboration(limit=12)]
    triples = [
        [*pair, other] for pair, other in zip(pairs, [p[0] for p in pairs[3:]], strict=False)
    ]
    for group in [*pairs, *triples, [units[0].unit.id] if units else [], ["nobody"]]:
        assert neo.shared_clauses(group) == memory.shared_clauses(group)

    policies = sorted(n for n, data in exported.nodes(data=True) if data["label"] == schema.POLICY)
    for policy_id in [*(policies if exhaustive else policies[::9]), "nope"]:
        assert neo.citations(policy_id) == memory.citations(policy_id)
        assert neo.cited_by(policy_id) == memory.cited_by(policy_id)
        assert neo.get_policy(policy_id) == memory.get_policy(policy_id)

    clause_ids = sorted(
        n for n, data in exported.nodes(data=True) if data["label"] == schema.CLAUSE
    )
    for clause_id in clause_ids if exhaustive else clause_ids[::7]:
        assert neo.lead_units(clause_id) == memory.lead_units(clause_id)
    asked = [*clause_ids[::-3], "missing", *clause_ids[:2]]
    assert neo.clauses(asked) == memory.clauses(asked)

    for node in [*_sample_nodes(exported), "nope"]:
        for depth in (0, 1, 2):
            assert neo.neighborhood(node, depth) == memory.neighborhood(node, depth), (node, depth)
        assert neo.neighborhood(node, 2, limit=25) == memory.neighborhood(node, 2, limit=25)
        assert neo.neighborhood(node, 3, limit=1) == memory.neighborhood(node, 3, limit=1)


@pytest.fixture
def both_stores(neo4j_store: Neo4jStore) -> tuple[Neo4jStore, MemoryGraphStore]:
    return neo4j_store, MemoryGraphStore(None)


def test_whole_corpus_gives_identical_answers(
    both_stores: tuple[Neo4jStore, MemoryGraphStore], corpus_policies: list[Policy]
) -> None:
    neo, memory = both_stores
    assert neo.write_policies(corpus_policies) == memory.write_policies(corpus_policies)
    assert_same_answers(neo, memory)


def test_deleting_and_rewriting_part_of_the_corpus_stays_identical(
    both_stores: tuple[Neo4jStore, MemoryGraphStore], corpus_policies: list[Policy]
) -> None:
    neo, memory = both_stores
    for store in both_stores:
        store.write_policies(corpus_policies)
    dropped = corpus_policies[::3]
    for policy in dropped:
        assert neo.delete_policy(policy.id) == memory.delete_policy(policy.id)
    assert_same_answers(neo, memory, exhaustive=False)
    again = [*reversed(dropped), *corpus_policies[:4]]
    assert neo.write_policies(again) == memory.write_policies(again)
    assert_same_answers(neo, memory, exhaustive=False)


PROVINCIAL_RULES = """---
标题: 河北省开发区条例实施细则
文号: 冀政发〔2020〕3号
---
一、总则
（一）规范开发区管理。依法管理开发区。（牵头单位：省商务厅，责任单位：省财政厅）
"""

COUNTY_PLAN = """---
标题: 测试县落实开发区改革开放的工作方案
文号: 测政发〔2020〕1号
---
为贯彻落实《关于深化开发区改革开放的实施意见》和《河北省开发区条例实施细则》（冀政发〔2020〕3号）精神，结合《测试县招商引资办法》，制定本方案。
一、重点任务
（一）推进改革创新。做好改革工作。（牵头单位：县商务局，责任单位：县财政局）
（二）优化营商服务。做好服务工作。（牵头单位：县发改局；责任单位：县商务局、有关部门）
"""


def _citing_documents() -> dict[str, Policy]:
    """Policies that cite each other by 文号, by exact title and by title suffix."""
    provincial = parse_text(CITED_PROVINCIAL, "hebei.md")
    rules = parse_text(PROVINCIAL_RULES, "rules.md")
    revised_rules = parse_text(PROVINCIAL_RULES.replace("依法管理", "依法规范管理"), "rules-2.md")
    renumbered_rules = parse_text(
        PROVINCIAL_RULES.replace("冀政发〔2020〕3号", "冀政发〔2021〕9号"), "rules-2021.md"
    )
    county = parse_text(COUNTY_PLAN, "county.md", jurisdiction="测试县")
    investment = parse_text(
        COUNTY_PLAN.replace("落实开发区改革开放的工作方案", "招商引资办法").replace(
            "测政发〔2020〕1号", "测政发〔2020〕2号"
        ),
        "investment.md",
        jurisdiction="测试县",
    )
    return {
        "provincial": provincial,
        "rules": rules,
        "revised_rules": revised_rules,
        "renumbered_rules": renumbered_rules,
        "county": county,
        "investment": investment,
        "seed": seed_under("测试县"),
    }


@pytest.mark.parametrize(
    "steps",
    [
        ["county", "provincial", "rules", "revised_rules", "investment", "seed"],
        ["seed", "investment", "revised_rules", "rules", "provincial", "county"],
        ["county", "investment", "-county", "provincial", "county", "-provincial", "rules"],
        ["provincial", "rules", "county", "-rules", "-provincial", "seed", "provincial"],
        ["investment", "county", "seed", "-investment", "-seed", "revised_rules", "-county"],
        ["renumbered_rules", "county", "rules", "-rules", "provincial", "-renumbered_rules"],
        ["county", "renumbered_rules", "rules", "-county", "county", "-rules"],
    ],
)
def test_citations_stubs_and_versions_match_the_networkx_store(
    both_stores: tuple[Neo4jStore, MemoryGraphStore], steps: list[str]
) -> None:
    neo, memory = both_stores
    documents = _citing_documents()
    for step in steps:
        if step.startswith("-"):
            policy_id = documents[step[1:]].id
            assert neo.delete_policy(policy_id) == memory.delete_policy(policy_id)
        else:
            batch = [documents[step]]
            assert neo.write_policies(batch) == memory.write_policies(batch)
        assert_same_answers(neo, memory)


def test_stubs_are_adopted_by_number_and_by_title_suffix(neo4j_store: Neo4jStore) -> None:
    documents = _citing_documents()
    county, provincial, rules = documents["county"], documents["provincial"], documents["rules"]
    neo4j_store.write_policies([county])
    assert [c.stub for c in neo4j_store.citations(county.id)] == [True, True, True]
    neo4j_store.write_policies([provincial, rules])
    cited = neo4j_store.citations(county.id)
    assert [c.id for c in cited[:2]] == [provincial.id, rules.id]  # suffix of the title; 文号
    assert cited[2].stub and neo4j_store.stats().stub_policies == 1
    [result] = neo4j_store.write_policies([documents["revised_rules"]])
    assert result.replaced == (rules.id,)
    assert neo4j_store.citations(county.id)[1].id == documents["revised_rules"].id


def test_a_unit_named_lead_and_responsible_in_one_clause(
    both_stores: tuple[Neo4jStore, MemoryGraphStore],
) -> None:
    """A hand-made policy naming a unit in both roles: one relationship, as in networkx."""
    neo, memory = both_stores
    county = _citing_documents()["county"]
    first = county.clauses[0]
    doubled = dataclasses.replace(
        first, responsible_units=(*first.lead_units, *first.responsible_units)
    )
    policy = dataclasses.replace(county, clauses=(doubled, *county.clauses[1:]))
    for store in both_stores:
        store.write_policies([policy])
    assert_same_answers(neo, memory)


def test_aliases_follow_the_policies_that_name_a_unit(
    both_stores: tuple[Neo4jStore, MemoryGraphStore],
) -> None:
    neo, memory = both_stores
    documents = _citing_documents()
    county, investment = documents["county"], documents["investment"]
    commerce = next(u for u in investment.units if u.name == "县商务局")
    renamed = dataclasses.replace(commerce, aliases=("商务局", "县商务和投资促进局"))
    investment = dataclasses.replace(
        investment, units=tuple(renamed if u is commerce else u for u in investment.units)
    )
    for store in both_stores:
        store.write_policies([county, investment])
    assert neo.find_units("商务局") == memory.find_units("商务局") != []
    assert_same_answers(neo, memory)
    for store in both_stores:
        store.delete_policy(investment.id)
    assert neo.find_units("商务局") == []
    assert_same_answers(neo, memory)


def test_lookups_too_long_for_a_text_index_still_work(
    both_stores: tuple[Neo4jStore, MemoryGraphStore],
) -> None:
    """A policy with hundreds of citations, a unit with a thousand aliases: past the TEXT
    index's 32 766 bytes the store falls back to checking those nodes directly."""
    neo, memory = both_stores
    documents = _citing_documents()
    county = documents["county"]
    many = tuple(Citation(f"关于推进第{i}批开发区改革开放试点的实施意见", None) for i in range(700))
    commerce = next(u for u in county.units if u.name == "县商务局")
    spellings = tuple(f"县商务局别名第{i}号" for i in range(1200))
    county = dataclasses.replace(
        county,
        citations=(*county.citations, *many),
        units=tuple(
            dataclasses.replace(u, aliases=spellings) if u is commerce else u for u in county.units
        ),
    )
    for store in both_stores:
        store.write_policies([county])
    assert [u.id for u in neo.find_units("县商务局别名第1199号")] == [commerce.id]
    later = [documents["provincial"], documents["rules"]]
    assert neo.write_policies(later) == memory.write_policies(later)
    assert neo.citations(county.id)[0].id == documents["provincial"].id
    assert_same_answers(neo, memory, exhaustive=False)


# -- Neo4j specifics -----------------------------------------------------------------------------


def test_constraints_and_indexes_are_created_on_first_use(
    neo4j_store: Neo4jStore, neo4j_driver: Driver, neo4j_database: str | None
) -> None:
    neo4j_store.stats()
    records, _, _ = neo4j_driver.execute_query(
        "SHOW CONSTRAINTS YIELD name RETURN name", database_=neo4j_database
    )
    assert {r["name"] for r in records} >= {
        "policykg_policy_id",
        "policykg_section_id",
        "policykg_clause_id",
        "policykg_unit_id",
        "policykg_jurisdiction_name",
    }
    records, _, _ = neo4j_driver.execute_query(
        "SHOW INDEXES YIELD name RETURN name", database_=neo4j_database
    )
    assert {r["name"] for r in records} >= {
        "policykg_unit_name",
        "policykg_policy_doc_number",
        "policykg_policy_title_key",
    }


def _operators(plan: Mapping[str, Any]) -> Iterator[str]:
    """Operator names of a query plan, root first."""
    yield str(plan["operatorType"])
    for child in plan.get("children", ()):
        yield from _operators(child)


@pytest.mark.parametrize("query", list(cypher.UNIT_CLAUSES.values()), ids=list(cypher.UNIT_CLAUSES))
def test_unit_clauses_is_one_index_backed_query(
    seed_policy: Policy,
    neo4j_store: Neo4jStore,
    neo4j_driver: Driver,
    neo4j_database: str | None,
    query: str,
) -> None:
    neo4j_store.write_policies([seed_policy])
    summary = neo4j_driver.execute_query(
        "EXPLAIN " + query, {"id": "x"}, database_=neo4j_database
    ).summary
    assert summary.plan is not None
    operators = list(_operators(summary.plan))
    assert any(op.startswith("NodeUniqueIndexSeek") for op in operators), operators
    assert not any(op.startswith(("AllNodesScan", "NodeByLabelScan")) for op in operators), (
        operators
    )


def test_stored_properties_and_relationship_properties(
    neo4j_store: Neo4jStore, neo4j_driver: Driver, neo4j_database: str | None, seed_policy: Policy
) -> None:
    """Analysts opening Neo4j Browser see the model: edge order and aliases are stored too."""
    neo4j_store.write_policies([seed_policy])
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (:Policy {id: $id})-[r:HAS_SECTION]->(s:Section) RETURN r.order AS order, s.order AS section ORDER BY order",
        {"id": seed_policy.id},
        database_=neo4j_database,
    )
    assert (
        [r["order"] for r in records]
        == [r["section"] for r in records]
        == list(range(len(seed_policy.sections)))
    )
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (:Policy {id: $id})-[n:NAMES]->(u:Unit {name: '县自然资源和规划局'}) RETURN n.aliases AS aliases",
        {"id": seed_policy.id},
        database_=neo4j_database,
    )
    assert "县然资源和规划局" in records[0]["aliases"]


# -- connecting ----------------------------------------------------------------------------------


def _user_and_password(auth: tuple[str, str] | None) -> tuple[str, str]:
    return auth or ("", "")


def test_connect_checks_and_answers(
    neo4j_uri: str,
    neo4j_auth: tuple[str, str] | None,
    neo4j_database: str | None,
    seed_policy: Policy,
) -> None:
    store = connect(
        neo4j_uri, *_user_and_password(neo4j_auth), database=neo4j_database, timeout=10.0
    )
    try:
        store.write_policies([seed_policy])
        assert store.get_policy(seed_policy.id) == seed_policy
    finally:
        store.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_closed_port_fails_at_once_with_a_clear_message() -> None:
    uri = f"bolt://127.0.0.1:{_free_port()}"
    started = time.monotonic()
    with pytest.raises(
        StoreUnavailableError, match=r"^cannot reach Neo4j at bolt://127\.0\.0\.1:\d+: "
    ) as caught:
        connect(uri, "neo4j", "secret", timeout=3.0)
    assert time.monotonic() - started < 5.0
    assert "\n" not in str(caught.value)


@contextmanager
def _tcp_server(handle: Callable[[socket.socket], None]) -> Iterator[str]:
    """A loopback TCP server that passes each connection to ``handle``; yields its bolt URI."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()
    connections: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connections.append(connection)
            connection.settimeout(5)
            try:
                handle(connection)
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"bolt://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=10)
        for connection in connections:
            connection.close()
        listener.close()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A port that accepts TCP connections and never says a word."""
    with _tcp_server(lambda connection: None) as uri:
        yield uri


def test_a_server_that_never_answers_fails_within_the_timeout(silent_server: str) -> None:
    started = time.monotonic()
    with pytest.raises(StoreUnavailableError, match=r"^cannot reach Neo4j at bolt://"):
        connect(silent_server, "", "", timeout=2.0)
    assert time.monotonic() - started < 2.0 * 2 + 2.0


@pytest.mark.parametrize(
    "uri", ["localhost:7687", "http://localhost:7474", "bolt://localhost:notaport"]
)
def test_a_malformed_uri_is_refused_with_a_clear_message(uri: str) -> None:
    with pytest.raises(StoreUnavailableError, match=r"^invalid Neo4j URI ") as caught:
        connect(uri, "", "", timeout=2.0)
    assert "\n" not in str(caught.value)


def test_an_unknown_database_is_refused(neo4j_uri: str, neo4j_auth: tuple[str, str] | None) -> None:
    with pytest.raises(StoreUnavailableError, match=r"has no database 'nosuchdb'$"):
        connect(neo4j_uri, *_user_and_password(neo4j_auth), database="nosuchdb", timeout=5.0)


def _packstream_string(text: str) -> bytes:
    data = text.encode()
    return (bytes([0x80 + len(data)]) if len(data) < 16 else bytes([0xD0, len(data)])) + data


@pytest.fixture
def refusing_server() -> Iterator[str]:
    """A minimal Bolt 5.0 server that answers HELLO with an authentication failure.

    The harness runs Neo4j with authentication off, so wrong credentials cannot be tried against
    it; this speaks just enough Bolt (handshake, then FAILURE) to send a real server's reply.
    """
    failure = (
        b"\xb1\x7f\xa2"
        + _packstream_string("code")
        + _packstream_string("Neo.ClientError.Security.Unauthorized")
        + _packstream_string("message")
        + _packstream_string("The client is unauthorized due to authentication failure.")
    )

    def refuse(connection: socket.socket) -> None:
        connection.recv(20)  # magic and four version proposals
        connection.sendall(b"\x00\x00\x00\x05")  # Bolt 5.0: HELLO carries the credentials
        connection.recv(65536)  # HELLO
        connection.sendall(struct.pack(">H", len(failure)) + failure + b"\x00\x00")

    with _tcp_server(refuse) as uri:
        yield uri


def test_refused_credentials_are_reported_as_such(refusing_server: str) -> None:
    with pytest.raises(
        StoreUnavailableError, match=r"^Neo4j refused the credentials for user 'neo4j' at bolt://"
    ) as caught:
        connect(refusing_server, "neo4j", "wrong", timeout=3.0)
    assert "wrong" not in str(caught.value)
    assert "\n" not in str(caught.value)


def test_queries_on_a_lost_server_raise_store_unavailable() -> None:
    driver = GraphDatabase.driver(
        f"bolt://127.0.0.1:{_free_port()}",
        auth=None,
        connection_timeout=1.0,
        connection_acquisition_timeout=1.0,
        max_transaction_retry_time=1.0,
    )
    store = Neo4jStore(driver, owns_driver=True)
    try:
        queries: list[Callable[[], object]] = [
            store.stats,
            store.policy_ids,
            lambda: store.delete_policy("p0"),
        ]
        for query in queries:
            with pytest.raises(StoreUnavailableError, match="Neo4j is unreachable while"):
                query()
    finally:
        store.close()


def test_clear_removes_everything_policykg_wrote(
    neo4j_store: Neo4jStore, seed_policy: Policy
) -> None:
    neo4j_store.write_policies([seed_policy])
    neo4j_store.clear()
    stats = neo4j_store.stats()
    assert (stats.policies, stats.stub_policies, stats.units, stats.relationships) == (0, 0, 0, {})
    assert neo4j_store.write_policies([seed_policy])[0].unchanged is False
