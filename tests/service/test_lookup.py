"""Names to jurisdictions and units: one meaning, whichever face asks."""

from __future__ import annotations

import pytest

from policykg.ingest.errors import NotFoundError
from policykg.service.lookup import Lookup, jurisdiction_candidates, resolve_jurisdiction
from tests.conftest import CORPUS, SEED
from tests.helpers import hashing_workspace

STORED = ["上海市松江区", "上海市黄浦区", "通化市柳河县", "通化市", "国家"]


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("上海市松江区", ["上海市松江区"]),  # the stored name
        ("松江区", ["上海市松江区"]),  # the district's own name
        ("松江", ["上海市松江区"]),  # without its suffix
        ("Songjiang", ["上海市松江区"]),  # pinyin
        ("Songjiang District", ["上海市松江区"]),
        (" 柳河县 ", ["通化市柳河县"]),  # spaces around it
        ("通化市", ["通化市"]),  # a stored name wins over the names holding it
        ("上海市", ["上海市松江区", "上海市黄浦区"]),  # ambiguous: both listed
        ("包头市", []),
        ("", []),
    ],
)
def test_a_jurisdiction_name_means_the_stored_ones_it_picks_out(
    name: str, meant: list[str]
) -> None:
    assert jurisdiction_candidates(name, STORED) == meant
    assert resolve_jurisdiction(name, STORED) == (meant[0] if len(meant) == 1 else None)


@pytest.fixture(scope="module")
def lookup(tmp_path_factory: pytest.TempPathFactory) -> Lookup:
    workspace = hashing_workspace(tmp_path_factory.mktemp("lookup") / "data")
    workspace.ingest_paths([SEED, CORPUS / "synthetic" / "county_lead_support.txt"])
    return Lookup(workspace.graph)


def test_a_unit_name_in_two_jurisdictions_means_both_and_an_id_means_one(lookup: Lookup) -> None:
    both = lookup.units("县商务局")
    assert sorted(u.jurisdiction for u in both) == [
        "未定辖区·开发区改革开放实施意见",
        "通化市柳河县",
    ]
    [county] = lookup.units("县商务局", "通化市柳河县")
    assert lookup.units(county.id) == [county]


def test_unknown_names_are_not_found_errors_that_say_what_was_asked_for(lookup: Lookup) -> None:
    with pytest.raises(NotFoundError, match="Did you mean: 县商务局") as unit:
        lookup.units("商务局")
    assert unit.value.what == "unit"
    with pytest.raises(
        NotFoundError, match="no jurisdiction '包头市' in the store; known: "
    ) as place:
        lookup.jurisdiction("包头市")
    assert place.value.what == "jurisdiction"
    with pytest.raises(NotFoundError, match="belongs to 通化市柳河县"):
        lookup.units("通化市柳河县/县商务局", "未定辖区·开发区改革开放实施意见")
    with pytest.raises(NotFoundError) as policy:
        lookup.policy("p-none")
    assert policy.value.what == "policy"


def test_no_name_given_is_no_filter(lookup: Lookup) -> None:
    assert lookup.jurisdiction(None) is None
    assert lookup.jurisdiction("  ") is None
    assert lookup.jurisdiction("柳河") == "通化市柳河县"
