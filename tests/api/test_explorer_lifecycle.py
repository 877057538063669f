"""Issue 17 in the web explorer: validity, typed citations, the transmission timeline and the
side-by-side clause alignment, in headless Chromium against a real server (see test_explorer)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from policykg.service.workspace import Workspace
from tests.api.test_explorer import (  # the browser fixtures, shared
    WIDTHS,
    api,
    base,
    check_layout,
    context,
    open_at,
    page,
)
from tests.helpers import hashing_workspace

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[1] / "fixtures" / "lifecycle" / "docs"
__all__ = ["api", "base", "context", "page"]  # fixtures used by name


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    space = hashing_workspace(tmp_path_factory.mktemp("explorer-lifecycle") / "data")
    space.ingest_paths([DOCS])
    return space


def _policy_id(api: httpx.Client, title: str) -> str:
    items = api.get("/policies", params={"limit": 50}).json()["items"]
    return next(p["id"] for p in items if p["title"] == title)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_national_regulation_shows_who_implements_it_on_a_timeline(
    page: Page, base: str, api: httpx.Client, width: int
) -> None:
    from playwright.sync_api import expect

    open_at(page, base, "#/policy/" + _policy_id(api, "城市绿化条例"), width)
    rows = page.locator(".timeline-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("《枣庄市城市绿化条例》")
    expect(rows.first).to_contain_text("3485 days")
    expect(page.locator(".cited-by-item[data-kind='basis']")).to_have_count(1)
    expect(page.locator(".lifecycle-status")).to_contain_text("in force")
    check_layout(page, "transmission", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_local_regulation_is_aligned_side_by_side_with_its_parent(
    page: Page, base: str, api: httpx.Client, width: int
) -> None:
    from playwright.sync_api import expect

    open_at(page, base, "#/policy/" + _policy_id(api, "枣庄市城市绿化条例"), width)
    expect(page.locator(".cite-item[data-kind='basis']").first).to_contain_text("城市绿化条例")
    page.get_by_role("button", name="Align with 《城市绿化条例》 clause by clause").click()
    rows = page.locator(".alignment-table tbody tr")
    expect(rows).to_have_count(48)
    copied = page.locator("tr.aligned[data-label='copied']", has_text="第四十四条")
    expect(copied).to_contain_text("第二十九条")
    check_layout(page, "alignment", width)


def test_a_repealed_regulation_says_so_and_by_which_document(
    page: Page, base: str, api: httpx.Client
) -> None:
    from playwright.sync_api import expect

    open_at(page, base, "#/policy/" + _policy_id(api, "个体工商户条例"), 1280)
    expect(page.locator(".lifecycle.status-repealed")).to_contain_text("repealed 已废止")
    expect(page.locator(".lifecycle-events li")).to_contain_text("《促进个体工商户发展条例》")
    expect(page.locator(".cited-by-item[data-kind='repeals']")).to_have_count(1)


def test_the_graph_draws_a_repeal_apart_from_a_plain_citation(
    page: Page, base: str, api: httpx.Client
) -> None:
    from playwright.sync_api import expect

    repealer = _policy_id(api, "促进个体工商户发展条例")
    open_at(page, base, "#/graph/" + repealer, 1280)
    page.wait_for_selector("#graph-canvas[data-ready='true']")
    kinds = page.evaluate("window.policykgExplorer.cy.edges('.cites').map(e => e.data('kind'))")
    assert "repeals" in kinds, kinds
    color = page.evaluate(
        "window.policykgExplorer.cy.edges('.kind-repeals')[0].style('line-color')"
    )
    assert color == "rgb(180,35,24)", color
    expect(page.locator(".legend", has_text="Edges")).to_contain_text("Repeals 废止")
