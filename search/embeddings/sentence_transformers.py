"""Embeddings from any sentence-transformers model: the offline default, a hub name, or a path."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import tempfile
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import numpy as np

from policykg.ingest.errors import ModelUnavailableError
from policykg.search.embeddings.base import Vectors, normalise

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

# Query/passage instructions of well-known retrieval models, for folders that do not declare them.
KNOWN_PREFIXES: dict[str, tuple[str, str]] = {
    "e5": ("query: ", "passage: "),
    "bge-small-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
    "bge-base-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
    "bge-large-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
}

BACKENDS = ("torch", "torch-bf16", "onnx", "onnx-int8", "onnx-int8-avx2")
_TORCH = ("torch", "torch-bf16")


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded on first use.

    Args:
        model: A model name (needs the Hugging Face hub or its cache) or a local folder.
        display_name: Name recorded with indexes (defaults to ``model``).
        device: ``cpu`` or a torch device.
        batch_size: Passages per forward pass; sentence-transformers sorts each call by length.
        max_seq_length: Tokens kept per text (longer clauses are truncated for the vector only;
            BM25 still sees the whole text).
        backend: ``torch`` (fp32), ``torch-bf16`` (bfloat16 weights and activations), ``onnx``
            or ``onnx-int8`` / ``onnx-int8-avx2`` (both dynamic int8 quantisation of an ONNX
            export, with the ``avx2`` configuration that is safe on every x86 CPU).
        threads: CPU threads for inference (default: all cores).
    """

    def __init__(
        self,
        model: str | Path,
        *,
        display_name: str | None = None,
        device: str = "cpu",
        batch_size: int = 32,
        max_seq_length: int | None = 256,
        backend: str = "torch",
        threads: int | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise ModelUnavailableError(
                f"unknown embedding backend {backend!r}; use one of {BACKENDS}"
            )
        self._model_ref = str(model)
        if backend not in _TORCH and not Path(self._model_ref).is_dir():
            # ONNX export works on a local folder; a hub name runs on torch (no surprise export
            # into the hub cache, and the same vectors the model card documents).
            logger.info("%s is not a local folder: using the torch backend", self._model_ref)
            backend = "torch"
        self._name = display_name or self._model_ref
        if backend != "torch" and display_name is None:
            self._name += f"@{backend}"
        self._device = device
        self._batch_size = batch_size
        self._max_seq_length = max_seq_length
        self._backend = backend
        self._threads = threads
        self._model: SentenceTransformer | None = None
        self._prompts: tuple[str, str] = ("", "")
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """Model identifier stored with indexes."""
        return self._name

    @property
    def dim(self) -> int:
        """Vector dimension (loads the model)."""
        model = self._load()
        getter = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        dim = getter()
        if dim is None:
            raise ModelUnavailableError(f"model {self._name} does not say its embedding dimension")
        return int(dim)

    def _load(self) -> SentenceTransformer:
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is None:
                self._model = self._open()
        return self._model

    def _open(self) -> SentenceTransformer:
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as e:  # pragma: no cover - a core dependency
            raise ModelUnavailableError(
                "sentence-transformers is not installed: pip install policykg"
            ) from e
        torch.set_num_threads(self._threads or max(1, len(os.sched_getaffinity(0))))
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no "Loading weights" bar on every start
        # transformers 5 warns about a "Mistral regex" for any tokenizer.json without a version
        # marker; ours is an XLM-R unigram tokenizer checked token for token against the engine.
        transformers_logging.set_verbosity_error()
        kwargs: dict[str, Any] = {"device": self._device}
        reference = self._model_ref
        if self._backend not in _TORCH:
            folder, model_kwargs = _onnx_folder(Path(reference), self._backend)
            reference = str(folder)
            kwargs.update(backend="onnx", model_kwargs=model_kwargs)
        try:
            model = _hub_or_folder(SentenceTransformer, reference, kwargs)
        except (OSError, ValueError) as e:
            raise ModelUnavailableError(
                f"cannot load embedding model {self._model_ref!r} ({e}). Without access to the "
                "Hugging Face hub, give a local folder, or leave POLICYKG_EMBED_MODEL unset for the "
                "offline default"
            ) from e
        if self._backend == "torch-bf16":
            model = model.to(torch.bfloat16)
        if self._max_seq_length:
            model.max_seq_length = min(self._max_seq_length, model.max_seq_length or 512)
        self._prompts = _prompts_for(model, self._model_ref)
        logger.info("loaded embedding model %s (%s)", self._name, self._backend)
        return model

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> Vectors:
        """Vectors of clause texts (with the model's passage prompt)."""
        return self._encode([self._prompts[1] + t for t in texts], progress)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Vectors of questions (with the model's query prompt)."""
        return self._encode([self._prompts[0] + t for t in texts], False)

    def _encode(self, texts: list[str], progress: bool) -> Vectors:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        with torch.inference_mode():
            vectors = model.encode(
                texts,
                batch_size=self._batch_size,
                show_progress_bar=progress,
                convert_to_tensor=True,
                normalize_embeddings=True,
            )
        return normalise(vectors.float().cpu().numpy())


def _hub_or_folder(
    loader: type[SentenceTransformer], reference: str, kwargs: dict[str, Any]
) -> SentenceTransformer:
    """Load a local folder, a model in the Hugging Face cache, or (only then) one from the hub.

    Without this order a name that is neither a folder nor cached, on a machine that cannot
    reach the hub, spends over a minute in the hub client's retries before it fails.

    Raises:
        OSError: The model is in none of those places (the hub is named when it cannot be
            reached); ValueError as sentence-transformers raises it.
    """
    if Path(reference).exists() or os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0"):
        return loader(reference, **kwargs)
    try:
        return loader(reference, local_files_only=True, **kwargs)
    except (OSError, ValueError):
        pass
    endpoint = os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    if not _reachable(endpoint):
        raise OSError(
            f"{reference!r} is not a local folder nor in the Hugging Face cache, and {endpoint} "
            "cannot be reached"
        )
    return loader(reference, **kwargs)


def _reachable(url: str, timeout: float = 3.0) -> bool:
    """Whether a TCP connection to ``url``'s host and port opens within ``timeout`` seconds."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout):
            return True
    except OSError:
        return False


def _prompts_for(model: SentenceTransformer, reference: str) -> tuple[str, str]:
    """The query and passage prompts: as the model declares them, else from the known table."""
    declared = getattr(model, "prompts", None) or {}
    if "query" in declared or "passage" in declared:
        return declared.get("query", ""), declared.get("passage", "")
    lowered = reference.lower()
    for key, prompts in KNOWN_PREFIXES.items():
        if key in lowered:
            return prompts
    return "", ""


@contextlib.contextmanager
def _quiet_export() -> Iterator[None]:
    """Silence what an ONNX export prints on the way (torch tracer warnings, sentence-transformers
    advice to save the export, which this module does): a new user's first command stays clean."""
    noisy = logging.getLogger("sentence_transformers")
    level = noisy.level
    noisy.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        noisy.setLevel(level)


def _onnx_folder(folder: Path, backend: str) -> tuple[Path, dict[str, Any]]:
    """Export (once) an ONNX copy of a local model folder, and its int8 quantisation.

    The copy lives beside the model (``<folder>-onnx``), written to a temporary folder and renamed,
    so the original folder is never modified and a killed export leaves nothing half-written.
    """
    from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model

    target = folder.parent / f"{folder.name}-onnx"
    if not (target / "onnx" / "model.onnx").exists():
        logger.info("exporting %s to ONNX (once)", folder)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=folder.parent))
        with _quiet_export():
            exported = SentenceTransformer(str(folder), backend="onnx", device="cpu")
        exported.save_pretrained(str(staging))
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    if backend == "onnx":
        return target, {"file_name": "onnx/model.onnx"}
    # onnx-int8 and onnx-int8-avx2 share the avx2 configuration, which is safe on every x86 CPU.
    if not list((target / "onnx").glob("model_*int8_avx2.onnx")):
        with _quiet_export():
            model = SentenceTransformer(str(target), backend="onnx", device="cpu")
            export_dynamic_quantized_onnx_model(model, "avx2", str(target))
    quantised = sorted((target / "onnx").glob("model_*int8_avx2.onnx"))[0]
    return target, {"file_name": f"onnx/{quantised.name}"}
