"""The graph's write rules, as pure functions: which policy a citation names, which version
replaces which, which citations are resolved again when a stub is filled in, role
relationships and aliases."""

from __future__ import annotations

import pytest

from policykg.graph import schema
from policykg.graph.base import WriteResult
from policykg.graph.rules import (
    CitablePolicy,
    CitationTargets,
    CitingPolicy,
    PolicyVersion,
    RoleLink,
    Stub,
    cited_policy,
    cited_title_matches,
    citing_to_resolve_again,
    may_name,
    replaces,
    resolve_citations,
    role_links,
    title_tails,
    unit_aliases,
    write_decision,
)
from policykg.ingest.ids import stub_policy_id
from policykg.ingest.model import Citation, Clause
from tests.graph.contract import CITED_PROVINCIAL, parse_text

# A provincial opinion, cited with its issuer, without it, and by a title too short to be a tail.
FULL_TITLE = "中共河北省委 河北省人民政府关于深化开发区改革开放的实施意见"
FULL_KEY = "中共河北省委河北省人民政府关于深化开发区改革开放的实施意见"
# The full title without its issuers (16 characters).
BARE_TITLE = "关于深化开发区改革开放的实施意见"
NUMBER = "冀字〔2019〕8号"

PROVINCIAL = CitablePolicy("p-provincial", NUMBER, FULL_KEY)
COPY = CitablePolicy("p-copy", None, FULL_KEY)  # the same title, no 文号
BARE = CitablePolicy("p-bare", None, BARE_TITLE)  # filed under the title without issuers
RULES = CitablePolicy("p-rules", "冀政发〔2020〕3号", "河北省开发区条例实施细则")
REISSUED = CitablePolicy("p-hebei-reissue", NUMBER, "河北省开发区改革开放实施意见")  # the same 文号


# -- versions -------------------------------------------------------------------------------------

SEED = PolicyVersion("p-new", "seed.txt", "承开发〔2019〕3号", "承德市")


@pytest.mark.parametrize(
    ("old", "expected"),
    [
        # the same file, whatever else changed
        (PolicyVersion("p-old", "seed.txt", None, "包头市"), True),
        # the same 文号 in the same place
        (PolicyVersion("p-old", "other.txt", "承开发〔2019〕3号", "承德市"), True),
        (PolicyVersion("p-old", None, "承开发〔2019〕3号", "承德市"), True),
        # the same 文号 elsewhere, another 文号, nothing shared
        (PolicyVersion("p-old", "other.txt", "承开发〔2019〕3号", "包头市"), False),
        (PolicyVersion("p-old", "other.txt", "承开发〔2019〕4号", "承德市"), False),
        (PolicyVersion("p-old", None, None, "承德市"), False),
    ],
)
def test_a_new_version_comes_from_the_same_file_or_the_same_number_in_the_same_place(
    old: PolicyVersion, expected: bool
) -> None:
    assert replaces(SEED, old) is expected


def test_two_policies_without_a_number_are_not_versions_of_each_other() -> None:
    new = PolicyVersion("p-new", "a.txt", None, "承德市")
    assert not replaces(new, PolicyVersion("p-old", "b.txt", None, "承德市"))
    unknown = PolicyVersion("p-new", None, None, "承德市")  # no source known on either side
    assert not replaces(unknown, PolicyVersion("p-old", None, None, "承德市"))


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ([], WriteResult("p-new")),
        (
            [PolicyVersion("p-new", "seed.txt", "承开发〔2019〕3号", "承德市")],
            WriteResult("p-new", unchanged=True),
        ),
        (  # its own id stored: unchanged, even beside an older version
            [
                PolicyVersion("p-old", "seed.txt", None, "承德市"),
                PolicyVersion("p-new", "seed.txt", "承开发〔2019〕3号", "承德市"),
            ],
            WriteResult("p-new", unchanged=True),
        ),
        (  # the versions it replaces, by id; a same-numbered policy elsewhere stays
            [
                PolicyVersion("p-z", "other.txt", "承开发〔2019〕3号", "承德市"),
                PolicyVersion("p-a", "seed.txt", None, "承德市"),
                PolicyVersion("p-m", "elsewhere.txt", "承开发〔2019〕3号", "包头市"),
            ],
            WriteResult("p-new", replaced=("p-a", "p-z")),
        ),
        (  # fetched twice (by source and by 文号): replaced once
            [
                PolicyVersion("p-a", "seed.txt", "承开发〔2019〕3号", "承德市"),
                PolicyVersion("p-a", "seed.txt", "承开发〔2019〕3号", "承德市"),
            ],
            WriteResult("p-new", replaced=("p-a",)),
        ),
    ],
)
def test_write_decision(stored: list[PolicyVersion], expected: WriteResult) -> None:
    assert write_decision(SEED, stored) == expected


def test_version_fields_of_a_parsed_policy() -> None:
    policy = parse_text(CITED_PROVINCIAL, "hebei.md")
    version = PolicyVersion.of(policy)
    assert (version.id, version.source, version.doc_number) == (policy.id, "hebei.md", NUMBER)
    assert version.jurisdiction == policy.jurisdiction.name
    assert CitablePolicy.of(policy) == CitablePolicy(policy.id, NUMBER, FULL_KEY)


# -- which stored policy a citation names ---------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "tails"),
    [
        ("开发区条例实施细则", ["发区条例实施细则"]),  # 9 characters: one tail of 8
        ("开发区条例实施细", []),  # 8 characters: only the whole key, which is no tail
        ("实施意见", []),
        ("", []),
    ],
)
def test_title_tails_are_eight_characters_or_longer(key: str, tails: list[str]) -> None:
    assert title_tails(key) == tails


def test_every_tail_and_only_a_tail_matches_the_title() -> None:
    """The networkx store indexes title tails; Neo4j asks ENDS WITH: both must agree."""
    tails = set(title_tails(FULL_KEY))
    for start in range(len(FULL_KEY)):
        cited = FULL_KEY[start:]
        assert cited_title_matches(cited, FULL_KEY) == (cited in tails or cited == FULL_KEY)


@pytest.mark.parametrize(
    ("cited", "policy", "expected"),
    [
        (FULL_KEY, FULL_KEY, True),
        (BARE_TITLE, FULL_KEY, True),  # the issuer left out
        ("实施意见", FULL_KEY, False),  # too short to name anything but itself
        ("实施意见", "实施意见", True),
        (FULL_KEY, BARE_TITLE, False),  # the citation names more than the policy's title
        ("关于深化开发区改革开放的意见", FULL_KEY, False),  # not a tail
        ("", FULL_KEY, False),
        (BARE_TITLE, "", False),
    ],
)
def test_cited_title_matches(cited: str, policy: str, expected: bool) -> None:
    assert cited_title_matches(cited, policy) is expected


@pytest.mark.parametrize(
    ("citation", "candidates", "expected"),
    [
        (Citation(FULL_TITLE, NUMBER), [COPY, PROVINCIAL], "p-provincial"),  # 文号 beats title
        (Citation(BARE_TITLE, NUMBER), [BARE, PROVINCIAL], "p-provincial"),
        (Citation(None, NUMBER), [PROVINCIAL, COPY], "p-provincial"),
        (Citation(FULL_TITLE, NUMBER), [PROVINCIAL, REISSUED], "p-hebei-reissue"),  # lowest id
        (Citation(None, "冀字〔2019〕9号"), [PROVINCIAL], None),  # a bare 文号 nobody has
        (Citation(FULL_TITLE, "冀字〔2019〕9号"), [PROVINCIAL], "p-provincial"),  # then by title
        (Citation(FULL_TITLE, None), [PROVINCIAL, COPY], "p-copy"),  # lowest id of equals
        (Citation(f"《{FULL_TITLE}》", None), [PROVINCIAL], "p-provincial"),  # brackets, spaces
        (Citation(BARE_TITLE, None), [PROVINCIAL, BARE], "p-bare"),  # exact beats a tail
        (Citation(BARE_TITLE, None), [PROVINCIAL, COPY], "p-copy"),  # tails: lowest id
        (Citation("实施意见", None), [PROVINCIAL], None),  # too short to be a tail
        (Citation("河北省开发区条例实施细则", None), [RULES, PROVINCIAL], "p-rules"),
        (Citation("开发区条例实施细则", None), [RULES], "p-rules"),  # 9 characters: a tail
        (Citation("条例实施细则", None), [RULES], None),  # 6 characters
        (Citation("《》", None), [PROVINCIAL], None),  # nothing left of the title
        (Citation(None, None), [PROVINCIAL], None),
        (Citation(FULL_TITLE, NUMBER), [], None),
    ],
)
def test_the_policy_a_citation_names(
    citation: Citation, candidates: list[CitablePolicy], expected: str | None
) -> None:
    assert cited_policy(citation, candidates) == expected


def test_citations_point_at_stored_policies_or_stubs_in_citation_order() -> None:
    citations = [
        Citation("测试县招商引资办法", None),
        Citation(BARE_TITLE, None),
        Citation(None, "冀政发〔2020〕3号"),
        Citation("测试县 招商引资办法", None),  # the same stub (its id ignores spaces)
        Citation(FULL_TITLE, NUMBER),  # the provincial opinion again, by 文号
    ]
    resolved = resolve_citations("p-county", citations, [PROVINCIAL, RULES])
    stub = stub_policy_id("测试县招商引资办法", None)
    assert resolved == CitationTargets(
        targets=(stub, "p-provincial", "p-rules"),
        stubs=(Stub(stub, "测试县招商引资办法", None),),
        kinds=("cites", "cites", "cites"),
        sentences=(None, None, None),
    )


def test_a_target_named_twice_keeps_the_strongest_kind_and_its_sentence() -> None:
    citations = [
        Citation(FULL_TITLE, None, kind="basis", sentence="根据《…》，制定本办法。"),
        Citation(None, NUMBER, kind="repeals", sentence="冀字〔2019〕8号同时废止。"),
        Citation("测试县招商引资办法", None, kind="implements", sentence="为贯彻落实《…》"),
    ]
    resolved = resolve_citations("p-county", citations, [PROVINCIAL, RULES])
    assert resolved.targets[0] == "p-provincial"
    assert resolved.kinds == ("repeals", "implements")
    assert resolved.sentences == ("冀字〔2019〕8号同时废止。", "为贯彻落实《…》")


def test_each_stub_is_listed_once_with_the_first_citation_naming_it() -> None:
    citations = [
        Citation("河北省招商引资条例", "冀政发〔2018〕1号"),
        Citation(None, "冀政发〔2018〕1号"),  # the same 文号: the same stub
        Citation("河北省招商引资条例", None),  # the title alone: another stub
    ]
    by_number = stub_policy_id("河北省招商引资条例", "冀政发〔2018〕1号")
    by_title = stub_policy_id("河北省招商引资条例", None)
    assert by_number != by_title
    assert resolve_citations("p-county", citations, []) == CitationTargets(
        targets=(by_number, by_title),
        stubs=(
            Stub(by_number, "河北省招商引资条例", "冀政发〔2018〕1号"),
            Stub(by_title, "河北省招商引资条例", None),
        ),
        kinds=("cites", "cites"),
        sentences=(None, None),
    )


def test_a_policy_never_cites_itself() -> None:
    citations = [Citation(FULL_TITLE, NUMBER)]
    resolved = resolve_citations("p-provincial", citations, [PROVINCIAL])
    assert resolved.targets == (stub_policy_id(FULL_TITLE, NUMBER),)
    assert resolve_citations("p-provincial", citations, [PROVINCIAL, COPY]).targets == ("p-copy",)


def test_two_citations_of_one_stored_policy_give_one_target() -> None:
    citations = [Citation(FULL_TITLE, None), Citation(None, NUMBER)]
    assert resolve_citations("p-county", citations, [PROVINCIAL]) == CitationTargets(
        ("p-provincial",), (), ("cites",), (None,)
    )


# -- adopting stubs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("citation", "written", "expected"),
    [
        (Citation(None, NUMBER), PROVINCIAL, True),
        (Citation("别的文件", NUMBER), PROVINCIAL, True),  # its 文号, whatever the title
        (Citation(FULL_TITLE, None), PROVINCIAL, True),
        (Citation(BARE_TITLE, "冀字〔2020〕1号"), PROVINCIAL, True),  # a tail of its title
        (Citation("实施意见", None), PROVINCIAL, False),
        (Citation(None, "冀字〔2020〕1号"), PROVINCIAL, False),
        (Citation(FULL_TITLE, None), BARE, False),  # a longer title than the policy's
        (Citation(None, None), COPY, False),
        (Citation("《》", None), CitablePolicy("p-empty", None, ""), True),  # both keys empty
    ],
)
def test_which_citations_may_name_a_policy_just_written(
    citation: Citation, written: CitablePolicy, expected: bool
) -> None:
    assert may_name(citation, written) is expected


def test_policies_citing_what_was_written_are_resolved_again_in_id_order() -> None:
    citing = [
        CitingPolicy("p-z", (Citation(BARE_TITLE, None),)),
        CitingPolicy("p-a", (Citation("测试县招商引资办法", None), Citation(None, NUMBER))),
        CitingPolicy("p-m", (Citation("测试县招商引资办法", None),)),  # cites something else
        CitingPolicy("p-provincial", (Citation(FULL_TITLE, None),)),  # itself: never
        CitingPolicy("p-a", (Citation(None, NUMBER),)),  # fetched twice
    ]
    assert citing_to_resolve_again(PROVINCIAL, citing) == ("p-a", "p-z")
    assert citing_to_resolve_again(RULES, citing) == ()


# -- units ----------------------------------------------------------------------------------------

UNIT_IDS = {
    "县商务局": "测试县/县商务局",
    "县财政局": "测试县/县财政局",
    "县发改局": "测试县/县发改局",
}


def _clause(
    lead: tuple[str, ...] = (), responsible: tuple[str, ...] = (), mentioned: tuple[str, ...] = ()
) -> Clause:
    return Clause(
        "p1:一/（一）",
        "p1",
        "一",
        "一",
        "（一）",
        "推进改革创新",
        "推进改革创新。",
        0,
        lead_units=lead,
        responsible_units=responsible,
        mentioned_units=mentioned,
    )


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        (
            _clause(lead=("县商务局",), responsible=("县财政局", "县发改局")),
            [
                ("测试县/县商务局", schema.LEADS),
                ("测试县/县财政局", schema.RESPONSIBLE_FOR),
                ("测试县/县发改局", schema.RESPONSIBLE_FOR),
            ],
        ),
        (  # lead and responsible in one clause: RESPONSIBLE_FOR, where it was first named
            _clause(lead=("县商务局", "县财政局"), responsible=("县商务局",)),
            [
                ("测试县/县商务局", schema.RESPONSIBLE_FOR),
                ("测试县/县财政局", schema.LEADS),
            ],
        ),
        (  # mentions after roles, once each, beside a role of the same unit
            _clause(lead=("县商务局",), mentioned=("县发改局", "县商务局", "县发改局")),
            [
                ("测试县/县商务局", schema.LEADS),
                ("测试县/县发改局", schema.MENTIONS),
                ("测试县/县商务局", schema.MENTIONS),
            ],
        ),
        (_clause(), []),
    ],
)
def test_role_links_of_a_clause(clause: Clause, expected: list[tuple[str, str]]) -> None:
    assert role_links(clause, UNIT_IDS) == tuple(RoleLink(u, r) for u, r in expected)


@pytest.mark.parametrize(
    ("alias_lists", "expected"),
    [
        ([["商务局", "县商务和投资促进局"], ["商务局"]], ("县商务和投资促进局", "商务局")),
        ([None, ["县然资源和规划局"], []], ("县然资源和规划局",)),
        (
            [[f"县商务局别名第{i}号" for i in (5, 3, 1)], [f"县商务局别名第{i}号" for i in (4, 2)]],
            tuple(f"县商务局别名第{i}号" for i in range(1, 6)),
        ),
        ([], ()),
    ],
)
def test_a_units_aliases_are_those_the_naming_policies_use(
    alias_lists: list[list[str] | None], expected: tuple[str, ...]
) -> None:
    assert unit_aliases(alias_lists) == expected
