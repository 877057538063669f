"""The CLI as a user runs it: ingest a batch with bad files in it, stats, re-ingest, replace."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS, SEED
from tests.documents import blank_pdf_bytes, docx_bytes, zip_bomb_docx


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed ``policykg`` command the way a user would."""
    # The CLI is under test here, not the model: a hashing embedder keeps these tests quick.
    env = {**os.environ, "COLUMNS": "200", "POLICYKG_EMBED_MODEL": "hashing:256"}
    return subprocess.run(
        [sys.executable, "-m", "policykg.api.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        check=False,
        env=env,
    )


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    """A folder of good documents and one of each kind of bad input."""
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(SEED, folder / "seed.txt")
    shutil.copy(CORPUS / "dev" / "012.txt", folder / "012.txt")
    (folder / "gbk.txt").write_bytes(
        (CORPUS / "dev" / "017.txt").read_text(encoding="utf-8").encode("gbk")
    )
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "notes.md").write_bytes(b"\x81\x30" + "中文".encode() + b"\xff\xfe\xfd" * 50)
    (folder / "cut.docx").write_bytes(docx_bytes(["一、总则"])[:600])
    (folder / "scan.pdf").write_bytes(blank_pdf_bytes())
    (folder / "bomb.docx").write_bytes(zip_bomb_docx())
    with (folder / "huge.txt").open("wb") as f:
        f.truncate(200 * 1024 * 1024)
    return folder


def test_bad_files_are_reported_one_line_each_and_the_rest_ingested(
    batch: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    result = run("--data-dir", str(data), "ingest", str(batch))
    assert result.returncode == 1, result.stderr
    failures = [line for line in result.stderr.splitlines() if line.startswith("failed:")]
    assert len(failures) == 7, result.stderr
    for name in (
        "empty.txt",
        "binary.txt",
        "notes.md",
        "cut.docx",
        "scan.pdf",
        "bomb.docx",
        "huge.txt",
    ):
        assert sum(name in line for line in failures) == 1, name
    assert "3 stored" in result.stdout
    assert result.stderr.count("bomb.docx") == 1  # each error once, not again in the summary
    stats = json.loads(run("stats", "--data-dir", str(data), "--json").stdout)
    assert stats["policies"] == 3
    assert stats["clauses"] == 19 + 31 + 15


def test_reingest_changes_nothing_and_a_changed_file_replaces_its_old_version(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    doc = tmp_path / "seed.txt"
    shutil.copy(SEED, doc)
    report_file = tmp_path / "report.json"
    first = json.loads(
        run(
            "ingest", str(doc), "--data-dir", str(data), "--json", "--report", str(report_file)
        ).stdout
    )
    assert json.loads(report_file.read_text(encoding="utf-8")) == first
    assert first["documents"][0]["roles"]["annotation"] > 0
    assert (first["added"], first["unchanged"]) == (1, 0)
    assert first["coverage"] == {"seed.txt": 1.0}  # every character of the seed is kept
    manifest = (data / "graph" / "manifest.json").read_bytes()
    again = json.loads(run("ingest", str(doc), "--data-dir", str(data), "--json").stdout)
    assert (again["added"], again["unchanged"]) == (0, 1)
    assert (data / "graph" / "manifest.json").read_bytes() == manifest
    doc.write_text(
        doc.read_text(encoding="utf-8").replace("县商务局", "县商务和投资促进局"), encoding="utf-8"
    )
    changed = json.loads(run("ingest", str(doc), "--data-dir", str(data), "--json").stdout)
    assert (changed["added"], changed["replaced"]) == (1, 1)
    stats = json.loads(run("stats", "--data-dir", str(data), "--json").stdout)
    assert stats["policies"] == 1
    assert len(list((data / "graph" / "policies").glob("*.json"))) == 1


def test_jurisdiction_option_sets_the_batch_jurisdiction(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run("ingest", str(SEED), "-d", str(data), "--jurisdiction", "松江区")
    stats = json.loads(run("stats", "-d", str(data), "--json").stdout)
    assert [j["name"] for j in stats["jurisdictions"]] == ["上海市松江区"]


def test_help_explains_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for word in ("ingest", "stats", "--data-dir"):
        assert word in result.stdout
    ingest_help = run("ingest", "--help").stdout
    assert "--jurisdiction" in ingest_help and "replaces its old version" in ingest_help


def test_no_documents_is_a_usage_error(tmp_path: Path) -> None:
    result = run("ingest", str(tmp_path), "-d", str(tmp_path / "data"))
    assert result.returncode == 2
    assert "no documents found" in result.stderr


def test_files_a_folder_holds_that_are_not_documents_are_listed_with_the_reason(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(SEED, folder / "sub" / "seed.txt")
    (folder / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(100))
    (folder / "table.xls").write_bytes(bytes(100))
    (folder / "blob.bin").write_bytes(bytes(100))
    (folder / ".hidden.doc").write_bytes(bytes(100))

    result = run("--data-dir", str(tmp_path / "data"), "ingest", str(folder), "--json")

    assert result.returncode == 0, result.stderr
    skipped = {Path(s["file"]).name: s["reason"] for s in json.loads(result.stdout)["skipped"]}
    assert set(skipped) == {"old.doc", "table.xls", "blob.bin"}
    assert "save it as .docx" in skipped["old.doc"]
    text = run("--data-dir", str(tmp_path / "data2"), "ingest", str(folder))
    assert "skipped 3 file(s)" in text.stderr and "table.xls" in text.stderr


def test_sources_are_relative_to_the_folder_ingested_and_lists_say_when_cut(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "docs"
    (folder / "county").mkdir(parents=True)
    shutil.copy(SEED, folder / "county" / "seed.txt")
    shutil.copy(CORPUS / "dev" / "012.txt", tmp_path / "single.txt")
    data = str(tmp_path / "data")
    assert run("-d", data, "ingest", str(folder), str(tmp_path / "single.txt")).returncode == 0

    policies = json.loads(run("-d", data, "policies", "--json").stdout)
    sources = {p["source"] for p in policies.get("items", policies.get("policies", []))}
    assert sources == {"docs/county/seed.txt", "single.txt"}
    units = run("-d", data, "units", "--limit", "5")
    assert "5 of " in units.stdout and "--limit" in units.stdout


def test_exported_files_follow_the_umask(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    assert run("-d", data, "ingest", str(SEED)).returncode == 0
    old = os.umask(0o022)
    try:
        assert run("-d", data, "export", str(tmp_path / "graph.gexf")).returncode == 0
    finally:
        os.umask(old)
    assert (tmp_path / "graph.gexf").stat().st_mode & 0o777 == 0o644
