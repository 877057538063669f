"""What a command loads: a graph question never loads the embedding model, and a retrieval
question on the ONNX backend loads ONNX Runtime and the tokenizer but not torch.

Run with the real default model (it builds in seconds into a per-session user cache).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SEED

pytestmark = pytest.mark.slow

_PROBE = """
import json, sys
from policykg.api.cli import main
sys.argv = ["policykg", *sys.argv[1:]]
try:
    main()
except SystemExit as e:
    code = e.code
heavy = ["torch", "transformers", "sentence_transformers", "onnxruntime", "tokenizers", "faiss"]
print("LOADED=" + json.dumps({name: name in sys.modules for name in heavy}))
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("loading")
    env = {**os.environ, "POLICYKG_CACHE_DIR": str(root / "cache"), "COLUMNS": "200"}
    for key in ("POLICYKG_EMBED_MODEL", "POLICYKG_EMBED_BACKEND", "POLICYKG_NEO4J_URI"):
        env.pop(key, None)
    data = root / "data"
    ingest = subprocess.run(
        [sys.executable, "-m", "policykg.api.cli", "-d", str(data), "ingest", str(SEED)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert ingest.returncode == 0, ingest.stderr
    assert "Building the embedding model once" in ingest.stderr
    return data, env


def loaded(store: tuple[Path, dict[str, str]], question: str) -> tuple[str, dict[str, bool]]:
    data, env = store
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, "-d", str(data), "ask", question],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert "LOADED=" in result.stdout, result.stderr
    text, _, probe = result.stdout.rpartition("LOADED=")
    return text, json.loads(probe)


def test_a_graph_question_loads_no_model(store: tuple[Path, dict[str, str]]) -> None:
    text, modules = loaded(store, "县商务局负责什么？")
    assert "牵头 2 项、参与 4 项" in text
    assert not any(modules.values()), modules


def test_a_retrieval_question_loads_onnx_runtime_not_torch(
    store: tuple[Path, dict[str, str]],
) -> None:
    text, modules = loaded(store, "高新区的用地指标怎么保障?")
    assert "（六）" in text  # 优先支持高新区项目建设用地
    assert modules["onnxruntime"] and modules["tokenizers"] and modules["faiss"]
    assert not (modules["torch"] or modules["transformers"] or modules["sentence_transformers"])


def test_a_second_data_directory_reuses_the_model(
    store: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    _, env = store
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "policykg.api.cli",
            "-d",
            str(tmp_path / "data"),
            "ingest",
            str(SEED),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "Building" not in result.stderr
    assert not list((tmp_path / "data").rglob("*.onnx*"))
    assert not list((tmp_path / "data").rglob("*.safetensors"))
