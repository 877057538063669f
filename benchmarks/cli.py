"""Command-line latency as a user meets it: cold processes, before and after, in one run.

    python -m benchmarks.cli [--before REV] [--bulk DATA_DIR --bulk-cache DIR] [--runs 5]

Each figure is a whole ``policykg`` process (interpreter start, imports, loading the store and,
when the question needs it, the embedding model), so it is what a user waits for. ``--before``
checks out an earlier commit in a git worktree and runs its CLI from there on its own copy of the
examples store; the two are run in turn (A B A B …) so a drift of the machine's speed hits both.
Also measured once each: the first ingest of a new user (it builds the embedding model) and of a
second data directory (it must not build it again), with their peak memory.

Targets (issue 11): ≤ 1.5 s for a graph question and ≤ 4 s for a retrieval question on the
examples store, ≤ 8 s on the bulk store.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from benchmarks._results import update_section

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "cli"
QUESTIONS = {
    "graph question": "县商务局负责什么？",
    "retrieval question": "高新区的用地指标怎么保障?",
}


@dataclass(frozen=True, slots=True)
class Run:
    """One finished process: wall seconds, peak resident memory (MB), exit status."""

    seconds: float
    peak_mb: float
    status: int


def cli_module(source: Path) -> str:
    """The module the ``policykg`` command runs in the checkout ``source`` (its entry point in
    pyproject.toml: ``api.cli`` before the packages moved under ``policykg.``)."""
    project = tomllib.loads((source / "pyproject.toml").read_text("utf-8"))["project"]
    return str(project["scripts"]["policykg"]).split(":")[0]


def run(args: list[str], cwd: Path, env: dict[str, str]) -> Run:
    """Run ``python -m <the CLI module> ARGS`` in ``cwd`` and measure it from outside."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", cli_module(cwd), *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    assert process.stderr is not None
    error = process.stderr.read().decode("utf-8", "replace")
    process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"policykg {' '.join(args)} failed in {cwd} ({code}): {error[-2000:]}")
    return Run(seconds, usage.ru_maxrss / 1024, code)


def worktree(rev: str) -> Path:
    """A checkout of ``rev`` under benchmarks/out (made once, reused)."""
    target = OUT / f"src-{rev}"
    if not target.exists():
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(target), rev], cwd=ROOT, check=True
        )
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="a6af037", help="earlier commit to compare with")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bulk", type=Path, help="a data directory holding the bulk corpus")
    parser.add_argument("--bulk-cache", type=Path, help="the user cache that store was built with")
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()

    shutil.rmtree(OUT / "data", ignore_errors=True)
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("POLICYKG_DATA_DIR", None)
    after_env = {**env, "POLICYKG_CACHE_DIR": str(OUT / "data" / "user-cache")}
    # A new user on each side: the model is built once per user cache (a commit older than the
    # user cache built it in the data directory, which is new here too).
    before_env = {**env, "POLICYKG_CACHE_DIR": str(OUT / "data" / "before-user-cache")}
    before_src = worktree(args.before)
    sides = {
        "before": (before_src, before_env, OUT / "data" / "before"),
        "after": (ROOT, after_env, OUT / "data" / "after"),
    }
    examples = str(ROOT / "examples")

    first: dict[str, Run] = {}
    for side, (cwd, side_env, data) in sides.items():
        first[side] = run(["--data-dir", str(data), "ingest", examples], cwd, side_env)
        print(
            f"{side}: first ingest {first[side].seconds:.1f} s, peak {first[side].peak_mb:.0f} MB"
        )
    second = run(["--data-dir", str(OUT / "data" / "after-2"), "ingest", examples], ROOT, after_env)
    built_again = any((OUT / "data" / "after-2").rglob("*.onnx*"))
    print(f"after: second data directory {second.seconds:.1f} s, peak {second.peak_mb:.0f} MB")

    timings: dict[tuple[str, str], list[Run]] = {}
    for label, question in QUESTIONS.items():
        for index in range(args.runs + 1):  # the first round warms the page cache, not counted
            for side, (cwd, side_env, data) in sides.items():
                result = run(["--data-dir", str(data), "ask", question], cwd, side_env)
                if index:
                    timings.setdefault((label, side), []).append(result)
    bulk: dict[str, list[Run]] = {}
    if args.bulk:
        bulk_env = {
            **env,
            **({"POLICYKG_CACHE_DIR": str(args.bulk_cache)} if args.bulk_cache else {}),
        }
        for label, question in QUESTIONS.items():
            runs = [
                run(["--data-dir", str(args.bulk), "ask", question], ROOT, bulk_env)
                for _ in range(args.runs + 1)
            ]
            bulk[label] = runs[1:]

    def median(runs: list[Run]) -> float:
        return statistics.median(r.seconds for r in runs)

    rows = [
        "| command | before: median s (min–max) | after: median s (min–max) | after / before | after peak MB |",
        "|---|---|---|---|---|",
    ]
    for label in QUESTIONS:
        before, after = timings[(label, "before")], timings[(label, "after")]
        ratios = [a.seconds / b.seconds for a, b in zip(after, before, strict=True)]
        rows.append(
            f"| `ask` {label}, examples store | {median(before):.2f} "
            f"({min(r.seconds for r in before):.2f}–{max(r.seconds for r in before):.2f}) | "
            f"{median(after):.2f} ({min(r.seconds for r in after):.2f}–{max(r.seconds for r in after):.2f}) | "
            f"{statistics.median(ratios):.2f} | {statistics.median(r.peak_mb for r in after):.0f} |"
        )
    for label, runs in bulk.items():
        rows.append(
            f"| `ask` {label}, bulk store | – | {median(runs):.2f} "
            f"({min(r.seconds for r in runs):.2f}–{max(r.seconds for r in runs):.2f}) | – | "
            f"{statistics.median(r.peak_mb for r in runs):.0f} |"
        )
    rows += [
        "",
        "| first ingest of the examples | wall s | peak MB |",
        "|---|---|---|",
        f"| before: new user, builds the model | {first['before'].seconds:.1f} | "
        f"{first['before'].peak_mb:.0f} |",
        f"| after: new user, builds the model | {first['after'].seconds:.1f} | "
        f"{first['after'].peak_mb:.0f} |",
        f"| after: a second data directory (model {'BUILT AGAIN' if built_again else 'reused'}) | "
        f"{second.seconds:.1f} | {second.peak_mb:.0f} |",
    ]
    body = "\n".join(rows)
    print(body)
    if not args.no_write:
        update_section(
            "cli",
            "Command-line latency (cold processes)",
            f"Before = commit {args.before}, after = this commit; {args.runs} runs each after one "
            "warm-up, taken in turn. Whole processes measured from outside (wall clock, peak "
            "resident memory). Targets: graph question ≤ 1.5 s, retrieval ≤ 4 s (examples), "
            "≤ 8 s (bulk).\n\n" + body,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
