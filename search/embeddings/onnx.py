"""Embeddings from an ONNX encoder run on ONNX Runtime, with the ``tokenizers`` library alone.

This is the fast path for the default model: importing torch, transformers and
sentence-transformers costs seconds on every command, and none of them is needed to run an ONNX
graph. The folder is a sentence-transformers-style model folder (``tokenizer.json``, optionally
``config_sentence_transformers.json`` with the prompts) and the ``.onnx`` file inside it either
returns the sentence embedding itself (``sentence_embedding``, as the default model's graph does)
or token states (``last_hidden_state`` / ``token_embeddings``, as a sentence-transformers ONNX
export does), which are mean-pooled over the attention mask here.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from policykg.ingest.errors import ModelUnavailableError
from policykg.search.embeddings.base import Vectors, normalise

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

logger = logging.getLogger(__name__)

_POOLED_OUTPUT = "sentence_embedding"
_TOKEN_OUTPUTS = ("token_embeddings", "last_hidden_state")
_TOKENS_PER_PASS = 2048
"""Tokens (padding included) of one forward pass: short texts go many to a pass, long ones few."""


def folder_prompts(folder: Path) -> tuple[str, str] | None:
    """The (query, passage) prompts a model folder declares, or None when it declares none."""
    path = folder / "config_sentence_transformers.json"
    try:
        declared = json.loads(path.read_text(encoding="utf-8")).get("prompts") or {}
    except (OSError, ValueError, AttributeError):
        return None
    if "query" in declared or "passage" in declared:
        return str(declared.get("query", "")), str(declared.get("passage", ""))
    return None


class OnnxEmbedder:
    """An ONNX encoder in a local model folder, loaded on first use.

    Args:
        folder: The model folder (holds ``tokenizer.json``).
        model_file: The ``.onnx`` file, relative to ``folder``.
        name: Model identifier stored with indexes.
        prompts: (query, passage) prefixes; default: what the folder declares, else none.
        batch_size: Texts per forward pass (texts are sorted by length first).
        max_seq_length: Tokens kept per text, special tokens included.
        threads: CPU threads for inference (default: every core this process may use).
        dim: The vector dimension when known without loading the model.
        spin: Let the inference threads spin between operators (ONNX Runtime's default; best
            for ingest). A server turns it off: spinning threads take the cores its other
            requests need.
        passages_alone: Embed each passage in a forward pass of its own. An int8 graph
            quantizes its activations with one scale per pass, so a text batched with others
            gets a slightly different vector (cosine 0.996 to itself alone): alone, a clause's
            vector depends on its text only, wherever and with whatever it is embedded (in
            process, on Ray, in a later ingest). Measured faster too, with no padding: 52.9
            against 42.6 passages/s on one thread.
    """

    def __init__(
        self,
        folder: Path,
        model_file: str,
        *,
        name: str,
        prompts: tuple[str, str] | None = None,
        batch_size: int = 32,
        max_seq_length: int | None = 256,
        threads: int | None = None,
        dim: int | None = None,
        spin: bool = True,
        passages_alone: bool = False,
    ) -> None:
        self._folder = Path(folder)
        self._passages_alone = passages_alone
        self._model_file = model_file
        self._name = name
        self._prompts = prompts if prompts is not None else folder_prompts(self._folder) or ("", "")
        self._batch_size = batch_size
        self._max_seq_length = max_seq_length or 512
        self._threads = threads
        self._dim = dim
        self._spin = spin
        self._session: onnxruntime.InferenceSession | None = None
        self._tokenizer: Tokenizer | None = None
        self._inputs: tuple[str, ...] = ()
        self._output = ""
        self._pad_id = 0
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """Model identifier stored with indexes."""
        return self._name

    @property
    def dim(self) -> int:
        """Vector dimension (loads the model unless it was given)."""
        if self._dim is None:
            self._load()
            assert self._dim is not None
        return self._dim

    def _load(self) -> tuple[onnxruntime.InferenceSession, Tokenizer]:
        if self._session is None or self._tokenizer is None:
            with self._lock:
                if self._session is None or self._tokenizer is None:
                    self._open()
        assert self._session is not None and self._tokenizer is not None
        return self._session, self._tokenizer

    def _open(self) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        path = self._folder / self._model_file
        try:
            tokenizer = Tokenizer.from_file(str(self._folder / "tokenizer.json"))
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = self._threads or max(1, len(os.sched_getaffinity(0)))
            options.inter_op_num_threads = 1
            if not self._spin:
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            options.log_severity_level = 3  # errors only: no optimiser chatter on stderr
            session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as e:  # onnxruntime and tokenizers raise untyped errors; re-raised typed
            raise ModelUnavailableError(
                f"cannot load the ONNX embedding model {path}: {e}. If it is the default model "
                f"in the user cache, delete {self._folder} to have it built again (a store whose "
                "vectors came from another model then needs `policykg reindex`)"
            ) from e
        tokenizer.enable_truncation(self._max_seq_length)
        tokenizer.no_padding()  # each pass is padded to its own longest text (see _arrays)
        pad_id = tokenizer.token_to_id("<pad>")
        self._pad_id = 0 if pad_id is None else pad_id
        outputs = {o.name: o for o in session.get_outputs()}
        if _POOLED_OUTPUT in outputs:
            self._output = _POOLED_OUTPUT
        else:
            found = [n for n in _TOKEN_OUTPUTS if n in outputs]
            if not found:
                raise ModelUnavailableError(
                    f"{path} has none of the outputs {(_POOLED_OUTPUT, *_TOKEN_OUTPUTS)}"
                )
            self._output = found[0]
        self._inputs = tuple(i.name for i in session.get_inputs())
        width = outputs[self._output].shape[-1]
        if self._dim is None:
            if not isinstance(width, int):
                width = int(session.run([self._output], self._feed(tokenizer, ["x"]))[0].shape[-1])
            self._dim = width
        self._tokenizer = tokenizer
        self._session = session
        logger.info("loaded ONNX embedding model %s from %s", self._name, path)

    def _feed(self, tokenizer: Tokenizer, texts: Sequence[str]) -> dict[str, np.ndarray]:
        return self._arrays(tokenizer.encode_batch(list(texts)))

    def _arrays(self, encodings: Sequence[Any]) -> dict[str, np.ndarray]:
        """The model inputs of encoded texts, padded to the longest of them."""
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        available = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return {name: available[name] for name in (self._inputs or ("input_ids", "attention_mask"))}

    def _batches(self, lengths: Sequence[int], alone: bool = False) -> list[list[int]]:
        """Positions grouped into forward passes: sorted by token count, each pass holding at
        most ``batch_size`` texts and about ``_TOKENS_PER_PASS`` tokens with its padding (one
        text per pass when ``alone``)."""
        if alone:
            return [[i] for i in range(len(lengths))]
        order = sorted(range(len(lengths)), key=lambda i: lengths[i])
        batches: list[list[int]] = []
        current: list[int] = []
        for position in order:
            padded = lengths[position] * (len(current) + 1)
            if current and (len(current) >= self._batch_size or padded > _TOKENS_PER_PASS):
                batches.append(current)
                current = []
            current.append(position)
        if current:
            batches.append(current)
        return batches

    def _encode(self, texts: Sequence[str], alone: bool = False) -> Vectors:
        session, tokenizer = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encodings = tokenizer.encode_batch(list(texts))
        result = np.empty((len(texts), self.dim), dtype=np.float32)
        for chosen in self._batches([len(e.ids) for e in encodings], alone):
            feed = self._arrays([encodings[i] for i in chosen])
            output: Any = session.run([self._output], feed)[0]
            if self._output != _POOLED_OUTPUT:
                weights = feed["attention_mask"][..., None].astype(np.float32)
                output = (output * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            result[chosen] = output
        return normalise(result)

    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> Vectors:
        """Vectors of clause texts (with the passage prompt)."""
        return self._encode([self._prompts[1] + t for t in texts], alone=self._passages_alone)

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Vectors of questions (with the query prompt)."""
        return self._encode([self._prompts[0] + t for t in texts])
