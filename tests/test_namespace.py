"""PolicyKG installs as one namespace, ``policykg.*``, and nothing else at the top level.

The folders stay at the repository root (ingest/, graph/, search/, service/, api/); the wheel
maps each to ``policykg.<folder>``. A top-level ``api`` or ``graph`` module would collide with
any other installed package of that name.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("ingest", "graph", "search", "service", "api")


def _setuptools() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]


def _tracked() -> list[str]:
    """Files git tracks (what a clone holds), and new files not ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return listed.stdout.splitlines()


def test_every_package_folder_is_listed_under_the_policykg_namespace() -> None:
    folders = {
        "policykg." + ".".join(init.parent.relative_to(ROOT).parts)
        for folder in FOLDERS
        for init in (ROOT / folder).rglob("__init__.py")
        if "node_modules" not in init.parts
    }
    assert set(_setuptools()["packages"]) == folders  # type: ignore[arg-type]
    assert _setuptools()["package-dir"] == {f"policykg.{f}": f for f in FOLDERS}


def test_no_module_imports_a_package_by_its_bare_folder_name() -> None:
    bare = []
    for path in (ROOT / name for name in _tracked() if name.endswith(".py")):
        if path.exists():
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module]
                    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                    else []
                )
                bare += [
                    f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in FOLDERS
                ]
    assert not bare


@pytest.mark.slow
def test_the_wheel_holds_policykg_alone_at_the_top_level(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy: building in place would leave build/ in the checkout
    for name in _tracked():
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("policykg-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"policykg", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    assert "policykg/api/web/static/index.html" in names
    assert "policykg/search/data/glossary.tsv" in names
    assert "policykg/ingest/data/divisions.tsv" in names
    assert not any(n.startswith("policykg/__init__") for n in names)
