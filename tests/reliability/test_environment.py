"""A full disk, a read-only store, and documents built to exhaust the machine.

The full disk is a small tmpfs and the read-only store a read-only bind mount (both need root;
elsewhere the tests say so and skip, and under CI=true they fail instead)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CORPUS, SEED
from tests.documents import paragraph_bomb_docx
from tests.reliability.helpers import cli, contents, same_contents


def _mount(*args: str) -> None:
    result = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        message = f"cannot mount here ({result.stderr.strip()}): needs root"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MB file system."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    _mount("-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount_point))
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def read_only_copy(data: Path, where: Path) -> Iterator[Path]:
    where.mkdir()
    _mount("--bind", str(data), str(where))
    try:
        _mount("-o", "remount,ro,bind", str(where))
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_disk_gives_one_clear_error_and_leaves_the_store_as_it_was(
    small_disk: Path, tmp_path: Path
) -> None:
    data = small_disk / "data"
    assert cli("-d", str(data), "ingest", str(SEED)).returncode == 0
    before = contents(data)
    big = tmp_path / "more"
    shutil.copytree(CORPUS / "dev", big)
    (small_disk / "filler").write_bytes(b"\0" * (shutil.disk_usage(small_disk).free - 200_000))

    result = cli("-d", str(data), "ingest", str(big))

    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert "disk space" in result.stderr or "No space left" in result.stderr, result.stderr
    assert same_contents(contents(data), before) == []
    assert json.loads(cli("-d", str(data), "check", "--json").stdout)["consistent"]
    (small_disk / "filler").unlink()
    assert cli("-d", str(data), "ingest", str(big)).returncode == 0  # room again: it goes on


def test_a_read_only_store_answers(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert cli("-d", str(data), "ingest", str(SEED)).returncode == 0
    for store in read_only_copy(data, tmp_path / "ro"):
        answer = cli("-d", str(store), "ask", "县商务局负责什么？")
        assert answer.returncode == 0 and "牵头 2 项、参与 4 项" in answer.stdout, answer.stderr
        search = cli("-d", str(store), "search", "招商引资", "--json")
        assert search.returncode == 0, search.stderr
        check = cli("-d", str(store), "check", "--json")
        assert check.returncode == 0 and json.loads(check.stdout)["consistent"], check.stderr
        refused = cli("-d", str(store), "ingest", str(CORPUS / "dev" / "012.txt"))
        assert refused.returncode != 0 and "Traceback" not in refused.stderr
        assert "read-only" in refused.stderr


def test_documents_built_to_exhaust_memory_are_refused(tmp_path: Path) -> None:
    (tmp_path / "paragraphs.docx").write_bytes(paragraph_bomb_docx())
    with (tmp_path / "lines.txt").open("w", encoding="utf-8") as f:
        for i in range(2_000_000):  # 20 MB of short lines
            f.write(f"第{i}行。\n")
    result = cli("-d", str(tmp_path / "data"), "ingest", str(tmp_path), "--json", timeout=600)
    report = json.loads(result.stdout)
    failed = {Path(f["file"]).name: f["error"] for f in report["failed"]}
    assert set(failed) == {"paragraphs.docx", "lines.txt"}
    assert "paragraphs" in failed["paragraphs.docx"]
    assert "characters" in failed["lines.txt"] or "MiB" in failed["lines.txt"]
    assert report["added"] == 0


def test_a_disk_that_fills_inside_the_commit_window_is_one_error_and_finished_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch passed the space check, then the disk filled (another process wrote): the FAISS
    write fails with ENOSPC. Simulated in-process: the file system is real, the failure is not."""
    import errno

    import faiss

    from policykg.ingest.errors import StoreError
    from tests.reliability.helpers import workspace

    data = tmp_path / "data"
    assert cli("-d", str(data), "ingest", str(SEED)).returncode == 0
    reference = tmp_path / "reference"
    assert (
        cli("-d", str(reference), "ingest", str(SEED), str(CORPUS / "dev" / "012.txt")).returncode
        == 0
    )

    def full_disk(index: object, path: str) -> None:
        # What FAISS raises when its writer cannot write (it reports errno in the message).
        raise RuntimeError(
            f"Error: 'ret == (size)' failed: write error: {os.strerror(errno.ENOSPC)}"
        )

    monkeypatch.setattr(faiss, "write_index", full_disk)
    space = workspace(data)
    with pytest.raises(StoreError, match="No space left on device"):
        space.ingest_paths([CORPUS / "dev" / "012.txt"])
    assert (data / "journal.json").exists()  # the batch is left to finish
    monkeypatch.undo()

    again = cli("-d", str(data), "ingest", str(CORPUS / "dev" / "012.txt"))  # room again

    assert again.returncode == 0, again.stderr
    assert not (data / "journal.json").exists()
    assert same_contents(contents(data), contents(reference)) == []
