"""Every distribution the packages import is a declared runtime dependency, and the lock holds it.

A module that imports a distribution only a dev extra (or a transitive dependency) brings works in
the test environment and crashes for a user who installed PolicyKG alone: ``api/llm.py`` imported
httpx that way. ``tools/import_all.py`` checks the same by importing everything in a clean
environment (CI); this test reads the imports, so it also fails here, with the file named.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ingest", "graph", "search", "service", "api")


def _name(requirement: str) -> str:
    """The normalised distribution name of a requirement string."""
    bare = re.split(r"[\s\[<>=!~;@]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", bare).lower()


def _declared(extra: str | None = None) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    requirements = (
        project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    )
    return {_name(r) for r in requirements}


def _imported_top_level() -> dict[str, set[str]]:
    """Top-level module names imported by our packages (not ours, not stdlib) -> files."""
    found: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in sys.stdlib_module_names or top in ("policykg", "__future__"):
                        continue
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_imported_distribution_is_a_runtime_dependency() -> None:
    distributions = importlib.metadata.packages_distributions()
    # An optional extra's distributions (ray) are imported on use only, inside a function:
    # tools/import_all.py, run by CI where no extra is installed, fails on a module-level import.
    declared = _declared() | _declared("ray")
    undeclared = {}
    for module, files in _imported_top_level().items():
        owners = {_name(d) for d in distributions.get(module, [module])}
        if not owners & declared:
            undeclared[module] = sorted(files)
    assert not undeclared, f"imported but not in [project.dependencies]: {undeclared}"


def _locked(lock: str) -> set[str]:
    text = (ROOT / "requirements" / lock).read_text("utf-8")
    return {_name(line) for line in text.splitlines() if re.match(r"^[A-Za-z0-9]", line)}


def test_the_locks_hold_every_declared_dependency_pinned_with_hashes() -> None:
    runtime, dev = _locked("runtime.txt"), _locked("dev.txt")
    assert _declared() <= runtime
    assert _declared() | _declared("dev") | _declared("ray") <= dev
    for lock in ("runtime.txt", "dev.txt"):
        text = (ROOT / "requirements" / lock).read_text("utf-8")
        pins = [line for line in text.splitlines() if re.match(r"^[A-Za-z0-9]", line)]
        assert all("==" in pin for pin in pins), lock
        assert text.count("--hash=sha256:") >= len(pins), lock


def test_the_locks_pin_the_same_versions() -> None:
    def versions(lock: str) -> dict[str, str]:
        text = (ROOT / "requirements" / lock).read_text("utf-8")
        return dict(
            (_name(m.group(1)), m.group(2))
            for m in re.finditer(r"^([A-Za-z0-9][^=\s]*)==(\S+)", text, re.MULTILINE)
        )

    runtime, dev = versions("runtime.txt"), versions("dev.txt")
    assert {name: dev[name] for name in runtime if name in dev} == runtime


def test_every_module_imports() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "import_all.py")],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"imported (\d+) of \1 modules", result.stdout)
