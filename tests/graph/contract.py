"""The graph store contract, as tests every backend inherits (haystack-style mixin).

A backend's test class inherits :class:`GraphStoreContract` and supplies one fixture, ``store``:
an empty store of that backend. Everything else here must hold for every backend.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from policykg.graph.base import GraphStore
from policykg.ingest.model import Policy, Role
from policykg.ingest.parser import parse_document
from policykg.ingest.readers import RawDocument, read_path
from tests.conftest import CORPUS, SEED

COMMERCE = "县商务局"


def parse_text(text: str, source: str, jurisdiction: str | None = None) -> Policy:
    """Parse a document given as text."""
    return parse_document(
        RawDocument(source, read_path(SEED).format, text), jurisdiction=jurisdiction
    )


def seed_under(jurisdiction: str, source: str | None = None) -> Policy:
    """The seed document filed under ``jurisdiction``."""
    raw = read_path(SEED)
    return parse_document(
        dataclasses.replace(raw, source=source or f"{jurisdiction}/seed.txt"),
        jurisdiction=jurisdiction,
    )


CITED_PROVINCIAL = """---
标题: 中共河北省委 河北省人民政府关于深化开发区改革开放的实施意见
文号: 冀字〔2019〕8号
---
一、总体要求
（一）强化改革创新。推动开发区体制机制改革。（牵头单位：省商务厅，责任单位：省发展改革委）
（二）优化营商环境。深化放管服改革。（牵头单位：省发展改革委，责任单位：省商务厅、省财政厅）
"""


class GraphStoreContract:
    """Tests every :class:`~graph.base.GraphStore` must pass."""

    @pytest.fixture
    def store(self) -> GraphStore:  # pragma: no cover - every backend overrides it
        raise NotImplementedError

    @pytest.fixture
    def seeded(self, store: GraphStore, seed_policy: Policy) -> GraphStore:
        store.write_policies([seed_policy])
        return store

    def _commerce(self, store: GraphStore) -> str:
        [unit] = store.find_units(COMMERCE)
        return unit.id

    # -- writing ------------------------------------------------------------------------------

    def test_store_satisfies_the_protocol(self, store: GraphStore) -> None:
        assert isinstance(store, GraphStore)

    def test_commerce_bureau_leads_and_shares_the_right_clauses(self, seeded: GraphStore) -> None:
        unit_id = self._commerce(seeded)
        lead = [r.clause.number for r in seeded.unit_clauses(unit_id, Role.LEAD)]
        responsible = [r.clause.number for r in seeded.unit_clauses(unit_id, Role.RESPONSIBLE)]
        assert lead == ["十五", "十九"]
        assert responsible == ["四", "九", "十四", "十六"]
        every = seeded.unit_clauses(unit_id)
        assert [(r.clause.number, r.role) for r in every] == [
            ("四", Role.RESPONSIBLE),
            ("九", Role.RESPONSIBLE),
            ("十四", Role.RESPONSIBLE),
            ("十五", Role.LEAD),
            ("十六", Role.RESPONSIBLE),
            ("十九", Role.LEAD),
        ]
        assert every[3].policy_title == "开发区改革开放实施意见"
        assert every[3].section_title == "进一步打造高质量开放平台"
        assert every[3].clause.title == "创新精准招商方式"
        mentions = seeded.unit_clauses(unit_id, Role.MENTION)
        assert [r.clause.number for r in mentions] == ["二"]

    def test_writing_the_same_policy_twice_changes_nothing(
        self, seeded: GraphStore, seed_policy: Policy
    ) -> None:
        before = seeded.stats()
        [result] = seeded.write_policies([seed_policy])
        assert result.unchanged and result.replaced == ()
        assert seeded.stats() == before

    def test_a_new_version_replaces_the_old_one(
        self, seeded: GraphStore, seed_policy: Policy
    ) -> None:
        text = read_path(SEED).text.replace("(牵头单位:县商务局。", "(牵头单位:县招商局。")
        changed = parse_text(text, seed_policy.source)
        [result] = seeded.write_policies([changed])
        assert result.replaced == (seed_policy.id,)
        assert seeded.policy_ids() == {changed.id}
        [unit] = seeded.find_units(COMMERCE)
        assert [r.clause.number for r in seeded.unit_clauses(unit.id, Role.LEAD)] == []
        [new_unit] = seeded.find_units("县招商局")
        assert [r.clause.number for r in seeded.unit_clauses(new_unit.id, Role.LEAD)] == [
            "十五",
            "十九",
        ]
        assert seeded.stats().clauses == 19

    def test_delete_removes_the_policy_and_units_no_one_else_names(
        self, seeded: GraphStore, seed_policy: Policy
    ) -> None:
        assert seeded.delete_policy(seed_policy.id)
        assert not seeded.delete_policy(seed_policy.id)
        stats = seeded.stats()
        assert (stats.policies, stats.stub_policies, stats.clauses, stats.units) == (0, 0, 0, 0)
        assert stats.jurisdictions == 0
        assert seeded.find_units(COMMERCE) == []
        assert seeded.get_policy(seed_policy.id) is None

    def test_get_policy_returns_it_as_written(
        self, seeded: GraphStore, seed_policy: Policy
    ) -> None:
        assert seeded.get_policy(seed_policy.id) == seed_policy
        assert seeded.get_policy("nope") is None

    # -- queries ------------------------------------------------------------------------------

    def test_units_are_found_by_name_and_alias(self, seeded: GraphStore) -> None:
        [by_alias] = seeded.find_units("县然资源和规划局")
        assert by_alias.name == "县自然资源和规划局"
        assert "县然资源和规划局" in by_alias.aliases
        assert seeded.find_units("没有这个单位") == []

    def test_shared_clauses_and_lead_units(self, seeded: GraphStore) -> None:
        commerce = self._commerce(seeded)
        [development] = seeded.find_units("县发改局")
        shared = seeded.shared_clauses([commerce, development.id])
        assert [r.clause.number for r in shared] == ["九", "十四", "十五"]
        fifteen = shared[2].clause.id
        assert [u.name for u in seeded.lead_units(fifteen)] == [COMMERCE]
        assert seeded.shared_clauses([commerce, "nobody"]) == []
        assert seeded.lead_units("nope") == []

    def test_dated_clauses_are_those_stating_a_time_limit(self, store: GraphStore) -> None:
        dated = parse_text(
            "一、任务\n（一）建成物流园。2025年底前完成。（牵头单位：县商务局）\n"
            "（二）持续优化营商环境。（牵头单位：县发改局）\n"
            "（三）完成园区规划。2024年6月底前完成。（牵头单位：县发改局）\n",
            "dated.txt",
            jurisdiction="某县",
        )
        other = parse_text(
            "一、任务\n（一）建成码头。2026年底前完成。（牵头单位：市交通局）\n",
            "other.txt",
            "某市",
        )
        store.write_policies([dated, other])
        records = store.dated_clauses("某县")
        assert [(r.clause.number, r.clause.deadline) for r in records] == [
            ("一", "2025年底前"),
            ("三", "2024年6月底前"),
        ]
        assert records[1].clause.deadline_date == "2024-06-30"
        assert {r.jurisdiction for r in store.dated_clauses()} == {"某县", "某市"}
        assert store.dated_clauses("nowhere") == []

    def test_clause_ids_of_policies(self, seeded: GraphStore, seed_policy: Policy) -> None:
        assert seeded.clause_ids_of([seed_policy.id, "nope"]) == {c.id for c in seed_policy.clauses}
        assert seeded.clause_ids_of([]) == set()

    def test_clauses_are_returned_in_the_order_asked(
        self, seeded: GraphStore, seed_policy: Policy
    ) -> None:
        ids = [seed_policy.clauses[5].id, "missing", seed_policy.clauses[1].id]
        assert [r.clause.number for r in seeded.clauses(ids)] == ["六", "二"]

    def test_unit_counts_and_workload(self, seeded: GraphStore) -> None:
        summary = seeded.unit(self._commerce(seeded))
        assert summary is not None
        assert (summary.lead, summary.responsible, summary.mentions, summary.policies) == (
            2,
            4,
            1,
            1,
        )
        ranking = seeded.workload()
        assert ranking[0].unit.name == "县高新区管委会"
        assert all(s.unit.kind.value != "placeholder" for s in ranking)
        tasks = [s.tasks for s in ranking]
        assert tasks == sorted(tasks, reverse=True)
        assert len(seeded.workload(limit=3)) == 3
        assert seeded.unit("nope") is None

    def test_collaboration_network(self, seeded: GraphStore) -> None:
        edges = seeded.collaboration()
        assert edges[0].weight >= edges[-1].weight
        assert all(e.source < e.target for e in edges)
        commerce = self._commerce(seeded)
        mine = seeded.collaboration(unit_id=commerce)
        assert mine and all(commerce in (e.source, e.target) for e in mine)
        strongest = {e.source if e.target == commerce else e.target: e.weight for e in mine}
        [technology] = seeded.find_units("县科技局")
        assert strongest[technology.id] == 6  # （四）（九）（十四）（十五）（十六）（十九）
        assert all(e.weight >= 3 for e in seeded.collaboration(min_weight=3))

    def test_listings_page(self, seeded: GraphStore) -> None:
        page = seeded.units(offset=0, limit=5)
        assert page.total == 23 and len(page.items) == 5
        rest = seeded.units(offset=20, limit=5)
        assert len(rest.items) == 3
        assert [u.unit.name for u in seeded.units(name_contains="商务").items] == [COMMERCE]
        policies = seeded.policies()
        assert policies.total == 1 and policies.items[0].clause_count == 19

    def test_neighborhood(self, seeded: GraphStore, seed_policy: Policy) -> None:
        view = seeded.neighborhood(self._commerce(seeded), depth=1)
        labels = sorted(n.label for n in view.nodes)
        assert labels.count("Clause") == 7  # 6 with a role, 1 mention
        assert view.nodes[0].name == COMMERCE
        assert all(e.source in {n.id for n in view.nodes} for e in view.edges)
        small = seeded.neighborhood(seed_policy.id, depth=2, limit=10)
        assert len(small.nodes) == 10 and small.truncated
        assert seeded.neighborhood("nope").nodes == ()

    # -- citations and stubs -------------------------------------------------------------------

    def test_citations_become_stubs_filled_in_later(
        self, seeded: GraphStore, seed_policy: Policy
    ) -> None:
        cited = seeded.citations(seed_policy.id)
        numbered = [c.doc_number for c in cited if c.doc_number]
        assert numbered == [
            "国发〔2019〕11号",
            "冀字〔2019〕8号",
            "冀组字〔2019〕19号",
            "承开办发〔2019〕8号",
        ]
        assert all(c.stub for c in cited)
        provincial = parse_text(CITED_PROVINCIAL, "hebei.md")
        seeded.write_policies([provincial])
        cited = seeded.citations(seed_policy.id)
        assert cited[1].id == provincial.id and not cited[1].stub
        assert [p.id for p in seeded.cited_by(provincial.id)] == [seed_policy.id]
        assert seeded.stats().stub_policies == len(seed_policy.citations) - 1
        seeded.delete_policy(provincial.id)
        assert seeded.citations(seed_policy.id)[1].stub
        assert seeded.stats().stub_policies == len(seed_policy.citations)

    def test_citation_links_keep_their_kind_when_a_stub_is_filled_in(
        self, seeded: GraphStore, seed_policy: Policy
    ) -> None:
        """Every CITES link with its kind and sentence, also after the cited document arrives
        (the citation is then resolved again from what the store kept of it)."""
        kinds = {c.doc_number or c.title: c.kind for c in seed_policy.citations}
        links = seeded.citation_links()
        assert [(link.source, link.target.doc_number or link.target.title) for link in links] == [
            (seed_policy.id, c.doc_number or c.title) for c in seed_policy.citations
        ]
        assert [link.kind for link in links] == list(kinds.values())
        assert "implements" in kinds.values()
        view = seeded.neighborhood(seed_policy.id)
        drawn = {(e.target, e.kind) for e in view.edges if e.type == "CITES"}
        assert drawn == {(link.target.id, link.kind) for link in links}
        assert all(e.kind is None for e in view.edges if e.type != "CITES")
        seeded.write_policies([parse_text(CITED_PROVINCIAL, "hebei.md")])
        after = seeded.citation_links()
        assert [(link.kind, link.sentence) for link in after] == [
            (link.kind, link.sentence) for link in links
        ]
        assert not after[1].target.stub and after[1].target.clause_count > 0

    def test_stub_exists_before_the_policy_citing_it_is_deleted(
        self, store: GraphStore, seed_policy: Policy
    ) -> None:
        provincial = parse_text(CITED_PROVINCIAL, "hebei.md")
        store.write_policies([provincial, seed_policy])  # cited first: resolved at once
        assert not store.citations(seed_policy.id)[1].stub
        store.delete_policy(seed_policy.id)
        assert store.stats().stub_policies == 0
        assert store.cited_by(provincial.id) == []

    def test_citations_do_not_depend_on_write_order(
        self, store: GraphStore, seed_policy: Policy
    ) -> None:
        provincial = parse_text(CITED_PROVINCIAL, "hebei.md")
        bare_title = parse_text(CITED_PROVINCIAL.replace("文号: 冀字〔2019〕8号\n", ""), "copy.md")
        store.write_policies([seed_policy, bare_title, provincial])
        forward = [c.id for c in store.citations(seed_policy.id)]
        store.delete_policy(seed_policy.id)
        store.delete_policy(provincial.id)
        store.delete_policy(bare_title.id)
        store.write_policies([provincial, bare_title, seed_policy])
        assert [c.id for c in store.citations(seed_policy.id)] == forward
        assert forward[1] == provincial.id  # the 文号 match wins over the title match

    # -- jurisdictions --------------------------------------------------------------------------

    def test_the_same_unit_name_in_two_jurisdictions_is_two_units(self, store: GraphStore) -> None:
        store.write_policies([seed_under("松江区"), seed_under("包头市")])
        units = store.find_units(COMMERCE)
        assert [u.jurisdiction for u in units] == ["上海市松江区", "包头市"]
        assert store.find_units(COMMERCE, jurisdiction="包头市") == [units[1]]
        for unit in units:
            assert len(store.unit_clauses(unit.id)) == 6
        names = [j.jurisdiction.name for j in store.jurisdictions()]
        assert names == ["上海市松江区", "包头市"]
        assert store.jurisdictions()[0].jurisdiction.parent == "上海市"
        assert store.stats().jurisdictions == 5  # 上海市松江区, 上海市, 包头市, 内蒙古自治区, 国家

    def test_refiling_under_a_corrected_jurisdiction_moves_it(self, store: GraphStore) -> None:
        store.write_policies([seed_under("松江区", source="seed.txt")])
        [result] = store.write_policies([seed_under("包头市", source="seed.txt")])
        assert len(result.replaced) == 1
        assert [u.jurisdiction for u in store.find_units(COMMERCE)] == ["包头市"]
        assert [j.jurisdiction.name for j in store.jurisdictions()] == ["包头市"]
        assert all(u.unit.jurisdiction == "包头市" for u in store.units(limit=100).items)

    # -- safety ----------------------------------------------------------------------------------

    @pytest.mark.parametrize(
        "hostile",
        [
            "县商务局'}) MATCH (n) DETACH DELETE n //",
            '") MATCH (n) DETACH DELETE n RETURN 1 //',
            "县商务局` DETACH DELETE n //",
            "$name OR 1=1",
            "\\u0027; DROP",
        ],
    )
    def test_injection_attempts_match_nothing(self, seeded: GraphStore, hostile: str) -> None:
        before = seeded.stats()
        queries: list[Callable[[], object]] = [
            lambda: seeded.find_units(hostile),
            lambda: seeded.find_units(COMMERCE, jurisdiction=hostile),
            lambda: seeded.unit(hostile),
            lambda: seeded.unit_clauses(hostile),
            lambda: seeded.units(name_contains=hostile),
            lambda: seeded.neighborhood(hostile),
            lambda: seeded.citations(hostile),
            lambda: seeded.clauses([hostile]),
            lambda: seeded.delete_policy(hostile),
            lambda: seeded.policies(jurisdiction=hostile),
        ]
        for query in queries:
            answer = query()
            assert (
                not answer
                or getattr(answer, "total", None) == 0
                or getattr(answer, "nodes", None) == ()
            )
        assert seeded.stats() == before

    def test_whole_corpus_round_trip(
        self, store: GraphStore, corpus_policies: list[Policy]
    ) -> None:
        store.write_policies(corpus_policies)
        stats = store.stats()
        assert stats.policies == len(corpus_policies)
        assert stats.clauses == sum(len(p.clauses) for p in corpus_policies)
        exported = store.to_networkx()
        assert exported.number_of_nodes() == (
            stats.policies
            + stats.stub_policies
            + stats.sections
            + stats.clauses
            + stats.units
            + stats.jurisdictions
        )
        assert exported.number_of_edges() == sum(stats.relationships.values())
        for policy in corpus_policies[:5]:
            assert store.get_policy(policy.id) == policy


CORPUS_DIR = CORPUS
