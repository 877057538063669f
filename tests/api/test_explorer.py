"""The web explorer (api/web) in headless Chromium against a real uvicorn server.

Needs Debian's Chromium at /usr/bin/chromium (``apt-get install chromium fonts-noto-cjk``); the
tests are skipped without it, and fail under ``CI=true``. Screenshots land in tests/artifacts/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
import pytest

from policykg.api.settings import Settings
from policykg.service.workspace import Workspace
from tests.conftest import CORPUS, SEED
from tests.helpers import COMMERCE_CLAUSES, hashing_workspace, start_server

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
VIEWPORTS = {1280: 800, 390: 844}
WIDTHS = list(VIEWPORTS)
COMMERCE = "县商务局"
SEED_TITLE = "开发区改革开放实施意见"


def require_chromium() -> None:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return
    message = (
        f"browser tests need Chromium at {CHROMIUM} (apt-get install -y chromium fonts-noto-cjk)"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    space = hashing_workspace(tmp_path_factory.mktemp("explorer") / "data")
    space.ingest_paths([SEED, CORPUS / "dev" / "012.txt"])
    return space


@pytest.fixture(scope="module")
def base(workspace: Workspace) -> Iterator[str]:
    yield from start_server(Settings(data_dir=workspace.data_dir), workspace)


@pytest.fixture(scope="module")
def api(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory, base: str) -> Iterator[BrowserContext]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")  # a new, empty user-data-dir
    with sync_playwright() as playwright:
        browser_context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 800},
            locale="zh-CN",
        )
        browser_context.set_default_timeout(15_000)
        try:
            yield browser_context
        finally:
            browser_context.close()


@pytest.fixture
def page(context: BrowserContext, base: str) -> Iterator[Page]:
    """A fresh tab that may only talk to the test server (the explorer works offline)."""
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def only_local(route: Any) -> None:
        url = route.request.url
        if url.startswith(base) or url.startswith("data:"):
            route.continue_()
        else:
            problems.append(f"request off the test server: {url}")
            route.abort()

    tab.route("**/*", only_local)
    yield tab
    tab.close()
    assert not problems, problems


def open_at(page: Page, base: str, hash_route: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": VIEWPORTS[width]})
    page.goto(f"{base}/{hash_route}")


def check_layout(page: Page, name: str, width: int) -> None:
    """No horizontal scrolling of the page at this width; keep a screenshot."""
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header stays on top of the screenshot
    page.wait_for_timeout(150)  # let fonts and the graph settle before measuring
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('input, select, textarea')]"
        ".filter(el => !el.labels || el.labels.length === 0).map(el => el.outerHTML)"
    )
    assert not unlabelled, f"{name}: form controls without a label: {unlabelled}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"explorer-{name}-{width}.png"), full_page=True)
    assert scroll_width <= width + 1, f"{name} at {width}px scrolls sideways ({scroll_width}px)"


def unit_route(name: str) -> str:
    return "#/unit/" + quote(name, safe="")


def wait_for_graph(page: Page) -> None:
    page.wait_for_selector("#graph-canvas[data-ready='true']")


def node_point(page: Page, node_id: str) -> tuple[float, float]:
    """Page coordinates of a node's centre on the canvas (scrolled into view)."""
    canvas = page.locator("#graph-canvas")
    canvas.evaluate("el => el.scrollIntoView({block: 'center'})")  # clear of the sticky header
    box = canvas.bounding_box()
    assert box is not None
    position = page.evaluate(
        "id => window.policykgExplorer.cy.getElementById(id).renderedPosition()", node_id
    )
    x, y = box["x"] + position["x"], box["y"] + position["y"]
    on_canvas = page.evaluate(
        "([x, y]) => document.getElementById('graph-canvas').contains(document.elementFromPoint(x, y))",
        [x, y],
    )
    assert on_canvas, f"node {node_id} is not clickable at {x:.0f},{y:.0f}"
    return x, y


@pytest.mark.parametrize("width", WIDTHS)
def test_ask_shows_the_cited_answer_and_clause_cards(page: Page, base: str, width: int) -> None:
    from playwright.sync_api import expect

    open_at(page, base, "#/ask", width)
    page.get_by_label("Question").fill("县商务局负责什么？")
    page.keyboard.press("Tab")  # keyboard focus is visible
    assert page.evaluate("document.activeElement.id") == "ask-jurisdiction"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.get_by_role("button", name="Ask", exact=True).click()

    expect(page.locator(".answer-text")).to_contain_text("县商务局牵头 2 项、参与 4 项工作")
    expect(page.locator(".answer-text")).to_contain_text("《开发区改革开放实施意见》（十五）")
    cards = page.locator(".clause-card")
    expect(cards).to_have_count(6)
    shown = cards.evaluate_all("cards => cards.map(c => [c.dataset.number, c.dataset.role])")
    assert [tuple(pair) for pair in shown] == COMMERCE_CLAUSES

    lead_card = page.locator(".clause-card[data-number='十五']")
    expect(lead_card.locator(".clause-title")).to_contain_text("（十五）")
    expect(lead_card.locator(".clause-title")).to_contain_text("创新精准招商方式")
    expect(lead_card.locator(".policy-link")).to_have_text(f"《{SEED_TITLE}》")
    lead_chip = lead_card.locator(".unit-lead", has_text=COMMERCE)
    expect(lead_chip).to_have_count(1)
    expect(lead_chip).to_have_attribute("href", unit_route(COMMERCE))
    expect(lead_card.locator(".unit-responsible")).to_have_count(7)
    # Where each role was read: the seed's roles are all annotations.
    expect(lead_chip).to_have_attribute("data-source", "annotation")
    expect(lead_card.locator(".role-sources")).to_have_text("Roles read from: 标注 annotation")
    # In clause 四 the bureau only shares the work: drawn as a responsible unit, not a lead one.
    shared_card = page.locator(".clause-card[data-number='四']")
    expect(shared_card.locator(".unit-responsible", has_text=COMMERCE)).to_have_count(1)
    expect(shared_card.locator(".unit-lead", has_text=COMMERCE)).to_have_count(0)
    # Lead units are highlighted differently from responsible ones (bold, filled badge).
    look = "el => { const s = getComputedStyle(el); return [s.fontWeight, s.backgroundColor]; }"
    lead_weight, lead_background = lead_chip.evaluate(look)
    shared_weight, shared_background = lead_card.locator(".unit-responsible").first.evaluate(look)
    assert int(lead_weight) >= 700 > int(shared_weight)
    assert lead_background != shared_background

    toggle = lead_card.get_by_role("button", name="Show full text")
    full_text = lead_card.locator(".clause-text")
    expect(full_text).to_be_hidden()
    toggle.click()
    expect(full_text).to_be_visible()
    expect(full_text).to_contain_text("牵头单位:县商务局")
    expect(lead_card.get_by_role("button", name="Hide full text")).to_have_attribute(
        "aria-expanded", "true"
    )
    check_layout(page, "ask", width)

    lead_chip.click()
    expect(page.locator("h1")).to_have_text(COMMERCE)


@pytest.mark.parametrize("width", WIDTHS)
def test_unit_page_lists_clauses_by_role_and_partners(
    page: Page, base: str, api: httpx.Client, width: int
) -> None:
    from playwright.sync_api import expect

    open_at(page, base, unit_route(COMMERCE), width)
    expect(page.locator("h1")).to_have_text(COMMERCE)
    lead = page.locator(".role-group[data-role='lead'] .clause-card")
    expect(lead).to_have_count(2)
    assert lead.evaluate_all("cards => cards.map(c => c.dataset.number)") == ["十五", "十九"]
    responsible = page.locator(".role-group[data-role='responsible'] .clause-card")
    assert responsible.evaluate_all("cards => cards.map(c => c.dataset.number)") == [
        "四",
        "九",
        "十四",
        "十六",
    ]
    expect(page.locator(".stat-lead .stat-value")).to_have_text("2")
    expect(page.locator(".stat-responsible .stat-value")).to_have_text("4")
    expect(page.locator(".stat-mentions .stat-value")).to_have_text("1")

    partners = api.get(f"/units/{COMMERCE}").json()["units"][0]["partners"]
    assert partners
    links = page.locator(".partner-link")
    expect(links).to_have_count(len(partners))
    expect(links.first).to_have_text(partners[0]["name"])
    expect(page.get_by_role("button", name="Open graph neighbourhood")).to_be_visible()
    check_layout(page, "unit", width)

    links.first.click()
    expect(page.locator("h1")).to_have_text(partners[0]["name"])


@pytest.mark.parametrize("width", WIDTHS)
def test_graph_neighbourhood_and_collaboration_network(
    page: Page, base: str, api: httpx.Client, width: int
) -> None:
    from playwright.sync_api import expect

    open_at(page, base, unit_route(COMMERCE), width)
    page.get_by_role("button", name="Open graph neighbourhood").click()
    wait_for_graph(page)
    unit_id = api.get(f"/units/{COMMERCE}").json()["units"][0]["unit"]["id"]
    view = api.get("/graph/neighborhood", params={"node_id": unit_id}).json()
    count = page.evaluate("window.policykgExplorer.cy.nodes().length")
    assert count == len(view["nodes"]) == 10
    expect(page.locator("#graph-canvas")).to_have_attribute("data-nodes", "10")
    clauses = page.evaluate("window.policykgExplorer.cy.nodes('.clause').map(n => n.id())")
    assert len(clauses) == 7

    lead_clause = next(c for c in clauses if c.endswith("/十五"))
    detail = page.locator(".graph-detail .clause-card")
    click_until(
        page, lead_clause, lambda: expect(detail).to_contain_text("创新精准招商方式", timeout=2_000)
    )
    expect(detail.locator(".clause-text")).to_contain_text("牵头单位:县商务局")
    expect(detail.locator(".policy-link")).to_have_attribute(
        "href", "#/policy/" + lead_clause.split(":")[0]
    )
    check_layout(page, "graph", width)

    page.mouse.dblclick(*node_point(page, lead_clause))  # expands the clause: section, policy
    expect(page.locator(".graph-status")).to_contain_text("Added")
    wait_for_graph(page)
    assert page.evaluate("window.policykgExplorer.cy.nodes().length") > count
    labels = page.evaluate("window.policykgExplorer.cy.nodes().map(n => n.data('label'))")
    assert "Section" in labels
    policy_id = lead_clause.split(":")[0]
    page.get_by_label("Policy").select_option(policy_id)  # the policy filter
    wait_for_graph(page)
    shown = page.evaluate(
        "window.policykgExplorer.cy.nodes().not('.hidden').filter(n => n.data('policy'))"
        ".map(n => n.data('policy'))"
    )
    assert shown and set(shown) == {policy_id}

    network = api.get("/graph/collaboration").json()
    page.goto(f"{base}/#/network")
    wait_for_graph(page)
    assert page.evaluate("window.policykgExplorer.cy.nodes().length") == len(network["nodes"])
    sizes = page.evaluate("window.policykgExplorer.cy.nodes().map(n => n.data('size'))")
    widths = page.evaluate("window.policykgExplorer.cy.edges().map(e => e.data('width'))")
    assert len(set(sizes)) > 1 and len(set(widths)) > 1  # size by workload, width by weight
    check_layout(page, "network", width)

    weight = page.get_by_label("Min shared clauses")
    weight.fill("3")
    weight.press("Enter")
    expect(page.locator(".graph-status")).to_contain_text("units")
    wait_for_graph(page)
    strong = api.get("/graph/collaboration", params={"min_weight": 3}).json()
    assert page.evaluate("window.policykgExplorer.cy.nodes().length") == len(strong["nodes"])
    assert min(page.evaluate("window.policykgExplorer.cy.edges().map(e => e.data('weight'))")) >= 3

    page.get_by_label("Unit kind").select_option("department")
    wait_for_graph(page)
    kinds = page.evaluate(
        "window.policykgExplorer.cy.nodes().not('.hidden').map(n => n.data('kind'))"
    )
    assert kinds and set(kinds) == {"department"}

    biggest = max(strong["nodes"], key=lambda n: n["properties"]["lead"])
    if biggest["properties"]["kind"] != "department":
        page.get_by_label("Unit kind").select_option("")
        wait_for_graph(page)
    click_node(page, biggest["id"], biggest["name"])


def click_node(page: Page, node_id: str, heading: str) -> None:
    """Click a node and expect its page."""
    from playwright.sync_api import expect

    click_until(
        page, node_id, lambda: expect(page.locator("h1")).to_have_text(heading, timeout=2_000)
    )


def click_until(page: Page, node_id: str, arrived: Any, attempts: int = 5) -> None:
    """Click a node until ``arrived()`` stops raising. The layout may still be settling after
    the canvas says it is ready (a filter change re-runs it), so a position read mid-animation
    can miss: read it again and retry."""
    for attempt in range(attempts):
        page.mouse.click(*node_point(page, node_id))
        try:
            arrived()
            return
        except AssertionError:
            if attempt == attempts - 1:
                raise
            page.wait_for_timeout(300)


@pytest.mark.parametrize("width", WIDTHS)
def test_policy_page_shows_outline_and_citations(
    page: Page, base: str, api: httpx.Client, width: int
) -> None:
    from playwright.sync_api import expect

    seed = next(p for p in api.get("/policies").json()["items"] if p["title"] == SEED_TITLE)
    cites = api.get(f"/policies/{seed['id']}").json()["cites"]
    open_at(page, base, f"#/policy/{seed['id']}", width)
    expect(page.locator("h1")).to_have_text(SEED_TITLE)
    sections = page.locator(".outline-section")
    expect(sections).to_have_count(4)
    assert sections.evaluate_all("s => s.map(e => e.dataset.number)") == ["一", "二", "三", "四"]
    expect(page.locator(".outline-clause")).to_have_count(19)
    clause = page.locator(".outline-clause[data-number='十五']")
    expect(clause).to_contain_text("创新精准招商方式")
    expect(clause.locator(".unit-lead")).to_have_text(COMMERCE)

    items = page.locator(".cites .cite-item")
    expect(items).to_have_count(11)
    stubs = [c for c in cites if c["stub"]]
    assert stubs
    expect(page.locator(".cites .cite-item[data-stub='true']")).to_have_count(len(stubs))
    expect(page.locator(".cites .cite-item[data-stub='true'] .stub-badge")).to_have_count(
        len(stubs)
    )
    expect(page.locator(".cites .stub-badge").first).to_have_text("not ingested")
    expect(page.locator(".cited-by")).to_contain_text("Cited by")
    check_layout(page, "policy", width)

    clause.locator(".outline-clause-link").click()
    expect(page.locator(".clause-card .clause-text")).to_contain_text("牵头单位:县商务局")


def test_api_docs_render_offline(page: Page, base: str) -> None:
    """Swagger UI at /docs draws the operations with nothing fetched off the server."""
    page.goto(f"{base}/docs")
    page.get_by_text("/ask", exact=True).first.wait_for()
    assert page.get_by_text("OAS 3.1").count() == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "api-docs.png"))
