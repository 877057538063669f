"""The committed build of the web explorer: present, self-contained and served at /.

The explorer's source is api/web (``npm ci && npm run build`` writes api/web/static); the built
files are committed so the Python package serves the explorer without Node. These checks need
neither Node nor a browser.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from fastapi.testclient import TestClient

from policykg.api.app import create_app
from policykg.api.settings import Settings
from tests.helpers import hashing_workspace

WEB = Path(__file__).resolve().parents[2] / "api" / "web"
STATIC = WEB / "static"
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


class AssetRefs(HTMLParser):
    """Every script src, link href and img src of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("src", "href"):
            value = found.get(name)
            if value and (tag in ("script", "link", "img") or name == "src"):
                self.refs.append((tag, value))


def index_refs() -> list[tuple[str, str]]:
    parser = AssetRefs()
    parser.feed((STATIC / "index.html").read_text(encoding="utf-8"))
    return parser.refs


def test_built_files_are_committed_with_their_lock_file() -> None:
    assert (STATIC / "index.html").is_file(), "run `npm ci && npm run build` in api/web"
    assert (WEB / "package-lock.json").is_file()
    lock = json.loads((WEB / "package-lock.json").read_text(encoding="utf-8"))
    package = json.loads((WEB / "package.json").read_text(encoding="utf-8"))
    pinned = {**package["dependencies"], **package["devDependencies"]}
    assert "cytoscape" in pinned and "vite" in pinned
    for name, version in pinned.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    scripts = [ref for tag, ref in index_refs() if tag == "script"]
    styles = [ref for tag, ref in index_refs() if tag == "link" and ref.endswith(".css")]
    assert scripts and styles


def test_built_files_reference_only_local_assets() -> None:
    for tag, ref in index_refs():
        if ref.startswith("data:"):
            continue
        assert not REMOTE.match(ref), f"<{tag}> loads a remote URL: {ref}"
        assert (STATIC / ref.split("?")[0].split("#")[0].removeprefix("./")).is_file(), ref
    for css in STATIC.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        for url in re.findall(r"""(?:url\(|@import\s+)\s*["']?([^"')\s]+)""", text):
            assert url.startswith("data:") or not REMOTE.match(url), f"{css.name} loads {url}"
    for script in STATIC.rglob("*.js"):
        text = script.read_text(encoding="utf-8")
        assert not re.search(r"""import\s*\(?\s*["'](?:https?:)?//""", text), script.name
        assert "fonts.googleapis" not in text and "cdn.jsdelivr" not in text, script.name


def test_the_app_serves_the_explorer_at_the_root(tmp_path: Path) -> None:
    workspace = hashing_workspace(tmp_path / "data")
    with TestClient(create_app(Settings(data_dir=tmp_path / "data"), workspace)) as client:
        page = client.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert '<main id="main"' in page.text
        for tag, ref in index_refs():
            if tag == "script":
                assert client.get("/" + ref.removeprefix("./")).status_code == 200
        # API routes take precedence over the static files.
        assert client.get("/healthz").json()["status"] == "ok"
        assert client.get("/policies").json()["total"] == 0
