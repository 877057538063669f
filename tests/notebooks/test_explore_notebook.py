"""notebooks/explore.ipynb runs top to bottom on the sample corpus (and its Neo4j section on Neo4j)."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"


def execute(env: dict[str, str], tmp_path: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    nbformat.write(notebook, tmp_path / "explore.executed.ipynb")
    return notebook


def outputs(notebook: nbformat.NotebookNode) -> str:
    return "\n".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for o in cell.get("outputs", [])
    )


def test_notebook_runs_on_the_sample_corpus(tmp_path: Path) -> None:
    env = {"POLICYKG_EMBED_MODEL": "hashing:256", "POLICYKG_NEO4J_URI": ""}
    notebook = execute(env, tmp_path)
    text = outputs(notebook)
    assert "ingested 4 documents" in text
    assert "skipping the Neo4j section" in text
    images = [o for cell in notebook.cells for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 2  # the collaboration network and the citation chain


@pytest.mark.neo4j
def test_notebook_neo4j_section_runs_against_neo4j(tmp_path: Path, neo4j_uri: str) -> None:
    env = {"POLICYKG_EMBED_MODEL": "hashing:256", "POLICYKG_NEO4J_URI": neo4j_uri}
    text = outputs(execute(env, tmp_path))
    assert "Neo4j holds" in text
