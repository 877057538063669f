"""Write the default encoder as an ONNX graph straight from the ``E5S1`` image, without torch.

Exporting through torch (load the rebuilt BertModel, trace it, then quantise with optimum) peaked
at 6 GB of memory and needed torch, transformers and optimum on the machine. The encoder is a plain
BERT, so this module writes its graph directly with :mod:`onnx.helper` and streams every tensor to
an external-data file one at a time; the graph itself holds no weights. Peak memory is one
dequantised tensor (a few hundred MB), and the result runs on ONNX Runtime alone.

The graph takes ``input_ids`` and ``attention_mask`` (int64, batch x tokens) and returns
``sentence_embedding`` (float32, batch x hidden): the e5 sentence embedding, the mean of the token
states over the mask, L2-normalised. Token type ids are always 0 for e5, so that row of the type
table is added as a constant.

Three weight formats:

* ``fp32``: every matrix dequantised to float32 (the image's 4-bit values are exact in float32).
* ``int8``: matrices as int8 with a float scale per output column (symmetric), multiplied with
  ``DynamicQuantizeLinear`` + ``MatMulInteger`` as ONNX Runtime's dynamic quantisation does.
  ONNX Runtime fuses them into ``DynamicQuantizeMatMul``, which runs on VNNI where the CPU has it.
* ``int8-avx2``: the same with weights in 7 bits, for CPUs without VNNI (see ``_linear_int8_avx2``).

In all three, the word-embedding table keeps the image's own 4-bit values as int8 with the image's
per-32-value scales, which represents them exactly (96 MB instead of 384 MB in float32), and the
attention scale 1/sqrt(head size) is folded into the query weights and biases.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from policykg.search.embeddings.e5_image import E5Image, TensorType

OPSET = 17
_ALIGN = 4096
_MASK_VALUE = -10000.0
"""Added to the attention scores of padding; exp() of it is 0 in float32."""


@dataclass(slots=True)
class _GraphWriter:
    """Collects nodes and streams initialisers to an external-data file."""

    data: BinaryIO
    data_name: str
    nodes: list[Any] = field(default_factory=list)
    initializers: list[Any] = field(default_factory=list)
    _counter: int = 0

    def name(self, stem: str) -> str:
        self._counter += 1
        return f"{stem}_{self._counter}"

    def constant(self, name: str, array: np.ndarray) -> str:
        """Add ``array`` as an initialiser stored in the external-data file; returns its name."""
        from onnx import TensorProto, helper

        array = np.ascontiguousarray(array)
        position = self.data.tell()
        padding = (-position) % _ALIGN
        if padding:
            self.data.write(b"\0" * padding)
            position += padding
        raw = array.tobytes()
        self.data.write(raw)
        tensor = TensorProto()
        tensor.name = name
        tensor.data_type = helper.np_dtype_to_tensor_dtype(array.dtype)
        tensor.dims.extend(array.shape)
        tensor.data_location = TensorProto.EXTERNAL
        for key, value in (
            ("location", self.data_name),
            ("offset", str(position)),
            ("length", str(len(raw))),
        ):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, value
        self.initializers.append(tensor)
        return name

    def small(self, name: str, array: np.ndarray) -> str:
        """Add a small constant held inside the graph itself."""
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(self, op: str, inputs: list[str], stem: str, outputs: int = 1, **attrs: Any) -> Any:
        """Add a node; returns its output name (or names, when ``outputs`` > 1)."""
        from onnx import helper

        names = [self.name(stem) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op, inputs, names, name=self.name(op), **attrs))
        return names[0] if outputs == 1 else names


def _q4_as_int8(image: E5Image, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A Q4_0 tensor as (int8 values, float32 scale per 32 values), both row-major, exactly."""
    entry = image.tensors[name]
    if entry.dtype is not TensorType.Q4_0:
        values = image.tensor(name)
        return values.astype(np.int8), np.ones(values.size // 32, dtype=np.float32)
    blocks = image.data[entry.offset : entry.offset + entry.length].reshape(-1, 18)
    scales = np.ascontiguousarray(blocks[:, :2]).view("<f2").astype(np.float32).reshape(-1)
    packed = blocks[:, 2:]
    values = np.empty((len(blocks), 32), dtype=np.int8)
    values[:, :16] = (packed & 0x0F).astype(np.int8) - 8
    values[:, 16:] = (packed >> 4).astype(np.int8) - 8
    return values.reshape(-1), scales


def _linear_fp32(
    graph: _GraphWriter, x: str, weight: np.ndarray, bias: np.ndarray, stem: str
) -> str:
    """``x @ weight.T + bias`` with float32 weights (``weight`` is [out, in] as in torch)."""
    w = graph.constant(f"{stem}.weight", weight.T.astype(np.float32))
    b = graph.small(f"{stem}.bias", bias.astype(np.float32))
    return graph.node("Add", [graph.node("MatMul", [x, w], stem), b], stem)


def _linear_int8(
    graph: _GraphWriter,
    x: str,
    weight: np.ndarray,
    bias: np.ndarray,
    stem: str,
    *,
    top: int = 127,
) -> str:
    """``x @ weight.T + bias`` with int8 weights in ``-top..top``, a symmetric scale per column."""
    columns = weight.T.astype(np.float32)  # [in, out]
    scale = np.abs(columns).max(axis=0) / float(top)
    scale[scale == 0] = 1.0
    quantised = np.clip(np.rint(columns / scale), -top, top).astype(np.int8)
    w = graph.constant(f"{stem}.weight_int8", quantised)
    w_scale = graph.small(f"{stem}.weight_scale", scale.astype(np.float32))
    b = graph.small(f"{stem}.bias", bias.astype(np.float32))
    xq, x_scale, x_zero = graph.node("DynamicQuantizeLinear", [x], f"{stem}.xq", outputs=3)
    product = graph.node("MatMulInteger", [xq, w, x_zero], f"{stem}.int")
    as_float = graph.node("Cast", [product], f"{stem}.float", to=1)  # FLOAT
    scale = graph.node("Mul", [x_scale, w_scale], f"{stem}.scale")
    return graph.node("Add", [graph.node("Mul", [as_float, scale], stem), b], stem)


def _linear_int8_avx2(
    graph: _GraphWriter, x: str, weight: np.ndarray, bias: np.ndarray, stem: str
) -> str:
    """Int8 weights in 7 bits: without VNNI, ONNX Runtime multiplies uint8 by int8 with
    ``vpmaddubsw``, whose int16 sums of two products overflow at full range (255 * 127 * 2)."""
    return _linear_int8(graph, x, weight, bias, stem, top=63)


_LINEAR: dict[str, Callable[[_GraphWriter, str, np.ndarray, np.ndarray, str], str]] = {
    "fp32": _linear_fp32,
    "int8": _linear_int8,
    "int8-avx2": _linear_int8_avx2,
}


def write_encoder(
    image: E5Image,
    out: Path,
    weights: str = "int8",
    *,
    data_name: str | None = None,
) -> None:
    """Write the encoder graph to ``out`` and its tensors to ``out`` + ``.data`` beside it.

    Args:
        image: The decoded image.
        out: The ``.onnx`` file to write (its data file is ``<out>.data``).
        weights: ``fp32``, ``int8`` or ``int8-avx2`` (see the module docstring).
        data_name: The data file name the graph records, when the data file will be renamed to
            it (default: ``<out>.data``'s own name).
    """
    from onnx import TensorProto, helper, save_model

    if weights not in _LINEAR:
        raise ValueError(f"unknown weight format {weights!r}; use one of {tuple(_LINEAR)}")
    linear = _LINEAR[weights]
    hidden = image.header.hidden_size
    with (out.parent / f"{out.name}.data").open("wb") as data:
        graph = _GraphWriter(data, data_name or f"{out.name}.data")
        _encoder_nodes(graph, image, linear)
    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
    ]
    outputs = [
        helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", hidden])
    ]
    model = helper.make_model(
        helper.make_graph(graph.nodes, "e5_encoder", inputs, outputs, graph.initializers),
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="policykg",
    )
    model.ir_version = 8
    save_model(model, str(out))


def _encoder_nodes(
    graph: _GraphWriter,
    image: E5Image,
    linear: Callable[[_GraphWriter, str, np.ndarray, np.ndarray, str], str],
) -> None:
    from onnx import helper, numpy_helper

    header = image.header
    hidden, heads = header.hidden_size, header.num_heads
    head_size = hidden // heads
    eps = header.layer_norm_eps

    def layer_norm(x: str, stem: str, w: str, b: str) -> str:
        scale = graph.small(f"{stem}.scale", image.tensor(w))
        shift = graph.small(f"{stem}.shift", image.tensor(b))
        return graph.node("LayerNormalization", [x, scale, shift], stem, axis=-1, epsilon=eps)

    # Embeddings: word rows (int8 + per-32 scale, exact), positions, the type-0 row.
    word_values, word_scales = _q4_as_int8(image, "emb.word")
    blocks = hidden // 32
    table = graph.constant("emb.word_int8", word_values.reshape(header.vocab_rows, hidden))
    table_scale = graph.constant("emb.word_scale", word_scales.reshape(header.vocab_rows, blocks))
    del word_values, word_scales
    rows = graph.node("Cast", [graph.node("Gather", [table, "input_ids"], "word")], "word", to=1)
    row_scales = graph.node("Gather", [table_scale, "input_ids"], "word_scale")
    split = graph.small("shape.blocks", np.array([0, 0, blocks, 32], dtype=np.int64))
    scaled = graph.node(
        "Mul",
        [
            graph.node("Reshape", [rows, split], "word"),
            graph.node("Unsqueeze", [row_scales, graph.small("axes.last", np.array([-1]))], "ws"),
        ],
        "word",
    )
    words = graph.node(
        "Reshape", [scaled, graph.small("shape.hidden", np.array([0, 0, hidden]))], "word"
    )

    positions_table = image.tensor("emb.pos") + image.tensor("emb.type")[0]
    pos = graph.constant("emb.pos_type", positions_table.astype(np.float32))
    # Positions 0..tokens-1 for every row: a running count of ones, less one.
    ones = graph.node(
        "ConstantOfShape",
        [graph.node("Shape", ["input_ids"], "shape")],
        "ones",
        value=numpy_helper.from_array(np.array([1], dtype=np.int64)),
    )
    counted = graph.node("CumSum", [ones, graph.small("axis1", np.array(1, dtype=np.int64))], "pos")
    steps = graph.node("Sub", [counted, graph.small("one_i", np.array(1, dtype=np.int64))], "pos")
    x = graph.node("Add", [words, graph.node("Gather", [pos, steps], "pos")], "emb")
    x = layer_norm(x, "emb.ln", "emb.ln.w", "emb.ln.b")

    mask = graph.node("Cast", ["attention_mask"], "mask", to=1)
    additive = graph.node(
        "Mul",
        [
            graph.node("Sub", [graph.small("one_f", np.array(1.0, dtype=np.float32)), mask], "m"),
            graph.small("mask_value", np.array(_MASK_VALUE, dtype=np.float32)),
        ],
        "mask",
    )
    additive = graph.node("Unsqueeze", [additive, graph.small("axes.12", np.array([1, 2]))], "mask")
    to_heads = graph.small("shape.heads", np.array([0, 0, heads, head_size], dtype=np.int64))
    scale = 1.0 / math.sqrt(head_size)
    sqrt2 = graph.small("sqrt2", np.array(math.sqrt(2.0), dtype=np.float32))
    half = graph.small("half", np.array(0.5, dtype=np.float32))
    one = graph.small("one_gelu", np.array(1.0, dtype=np.float32))

    for layer in range(header.num_layers):
        p = f"l{layer}"
        qkv_weight = np.concatenate(
            [image.tensor(f"{p}.q.w") * scale, image.tensor(f"{p}.k.w"), image.tensor(f"{p}.v.w")]
        )
        qkv_bias = np.concatenate(
            [image.tensor(f"{p}.q.b") * scale, image.tensor(f"{p}.k.b"), image.tensor(f"{p}.v.b")]
        )
        qkv = linear(graph, x, qkv_weight, qkv_bias, f"{p}.qkv")
        q, k, v = graph.node(
            "Split",
            [qkv, graph.small(f"{p}.split", np.array([hidden] * 3, dtype=np.int64))],
            f"{p}.split",
            outputs=3,
            axis=-1,
        )
        q = graph.node(
            "Transpose", [graph.node("Reshape", [q, to_heads], "q")], "q", perm=[0, 2, 1, 3]
        )
        k = graph.node(
            "Transpose", [graph.node("Reshape", [k, to_heads], "k")], "k", perm=[0, 2, 3, 1]
        )
        v = graph.node(
            "Transpose", [graph.node("Reshape", [v, to_heads], "v")], "v", perm=[0, 2, 1, 3]
        )
        scores = graph.node("Add", [graph.node("MatMul", [q, k], "scores"), additive], "scores")
        probs = graph.node("Softmax", [scores], "probs", axis=-1)
        context = graph.node(
            "Transpose", [graph.node("MatMul", [probs, v], "ctx")], "ctx", perm=[0, 2, 1, 3]
        )
        context = graph.node(
            "Reshape", [context, graph.small(f"{p}.merge", np.array([0, 0, hidden]))], "ctx"
        )
        attended = linear(
            graph, context, image.tensor(f"{p}.ao.w"), image.tensor(f"{p}.ao.b"), f"{p}.ao"
        )
        x = layer_norm(
            graph.node("Add", [attended, x], "res"), f"{p}.aln", f"{p}.aln.w", f"{p}.aln.b"
        )
        inner = linear(graph, x, image.tensor(f"{p}.fi.w"), image.tensor(f"{p}.fi.b"), f"{p}.fi")
        erf = graph.node("Erf", [graph.node("Div", [inner, sqrt2], "gelu")], "gelu")
        gelu = graph.node(
            "Mul",
            [graph.node("Mul", [inner, half], "gelu"), graph.node("Add", [erf, one], "gelu")],
            "gelu",
        )
        outer = linear(graph, gelu, image.tensor(f"{p}.fo.w"), image.tensor(f"{p}.fo.b"), f"{p}.fo")
        x = layer_norm(graph.node("Add", [outer, x], "res"), f"{p}.oln", f"{p}.oln.w", f"{p}.oln.b")

    # Mean over the unmasked tokens, then L2-normalise.
    weights = graph.node("Unsqueeze", [mask, graph.small("axes.m1", np.array([-1]))], "pool")
    axis1 = graph.small("axes.1", np.array([1]))
    summed = graph.node(
        "ReduceSum", [graph.node("Mul", [x, weights], "pool"), axis1], "pool", keepdims=0
    )
    count = graph.node("ReduceSum", [weights, axis1], "count", keepdims=0)
    count = graph.node(
        "Max", [count, graph.small("tiny", np.array(1e-9, dtype=np.float32))], "count"
    )
    mean = graph.node("Div", [summed, count], "mean")
    norm = graph.node("ReduceL2", [mean], "norm", axes=[-1], keepdims=1)
    norm = graph.node(
        "Max", [norm, graph.small("tiny2", np.array(1e-12, dtype=np.float32))], "norm"
    )
    graph.nodes.append(helper.make_node("Div", [mean, norm], ["sentence_embedding"], name="out"))
