"""Which embedding backend fits this CPU, chosen once at start from the instruction sets it offers.

The default model runs five ways (see ``BACKENDS``); the reduced precisions trade a little
accuracy for speed on hardware that has the instructions for them. Measured on the development
machine (2 cores of an AMD EPYC with AVX-512 VNNI and AVX-512 BF16, ``benchmarks/embed.py``),
int8 on VNNI was the fastest (3.2x torch fp32) and bf16 next (1.8x), both inside the quality
bounds; on AMX (Intel Sapphire Rapids and later) bf16 matrix tiles outrun VNNI int8, so AMX
prefers bf16.

Every backend of one model writes vectors into the same space (cosine to fp32 at least 0.99,
median at least 0.995, checked by ``benchmarks/embed.py``), so an index may hold vectors from
several of them: a store built on one machine keeps answering on another.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from pathlib import Path

BACKENDS: dict[str, str] = {
    "torch": "fp32 on torch (the reference)",
    "torch-bf16": "bfloat16 weights and activations on torch (AMX or AVX-512 BF16)",
    "onnx": "fp32 on ONNX Runtime",
    "onnx-int8": "int8 weights, dynamic int8 activations on ONNX Runtime (AVX-512 VNNI)",
    "onnx-int8-avx2": "int8 weights in 7 bits (no int16 overflow without VNNI) on ONNX Runtime",
}
"""Backend name -> what it computes with."""

AUTO = "auto"

_RULES: tuple[tuple[frozenset[str], str, str], ...] = (
    (frozenset({"amx_bf16"}), "torch-bf16", "AMX bf16 tiles"),
    (frozenset({"avx512_vnni"}), "onnx-int8", "AVX-512 VNNI"),
    (frozenset({"avx512_bf16"}), "torch-bf16", "AVX-512 BF16"),
)
"""First rule whose flags the CPU has wins; none: fp32 on ONNX Runtime (exact, and 1.5x torch
fp32 on the development machine). ``onnx-int8-avx2`` is not chosen: its 7-bit weights lose 0.03
of hybrid MRR on the dev questions (``benchmarks/embed.py``), more than the bound allows, and
full-range int8 without VNNI may overflow, so a CPU without VNNI or bf16 runs fp32."""

BF16_FLAGS = frozenset(
    flag for needed, backend, _ in _RULES if backend == "torch-bf16" for flag in needed
)
"""Flags that give a CPU bf16 instructions (the rules' torch-bf16 flags); without one of them
torch emulates bf16, many times slower."""


@dataclass(frozen=True, slots=True)
class BackendChoice:
    """The backend an embedder runs on and why.

    Attributes:
        backend: A key of :data:`BACKENDS`.
        reason: ``set`` (the user forced it) or the instruction set it was chosen for.
    """

    backend: str
    reason: str

    def describe(self) -> str:
        """One line for ``policykg stats``: ``onnx-int8 (auto: AVX-512 VNNI)``."""
        how = "set" if self.reason == "set" else f"auto: {self.reason}"
        return f"{self.backend} ({how})"


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    """The instruction-set flags of the first CPU (empty when the system does not say)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


def choose_backend(setting: str, flags: frozenset[str] | None = None) -> BackendChoice:
    """The backend a setting names, or for ``auto`` the one this CPU runs best.

    Args:
        setting: ``auto`` or a key of :data:`BACKENDS`.
        flags: CPU flags (default: this machine's).

    Raises:
        ValueError: The setting names no backend.
    """
    if setting != AUTO:
        if setting not in BACKENDS:
            raise ValueError(
                f"unknown embedding backend {setting!r}; use auto or one of {', '.join(BACKENDS)}"
            )
        return BackendChoice(setting, "set")
    if flags is None:
        flags = cpu_flags() if platform.machine() in ("x86_64", "AMD64") else frozenset()
    for needed, backend, reason in _RULES:
        if needed <= flags:
            return BackendChoice(backend, reason)
    return BackendChoice("onnx", "no VNNI or BF16: fp32")
