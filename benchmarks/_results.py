"""Write one benchmark's section of benchmarks/RESULTS.md, leaving the other sections alone."""

from __future__ import annotations

import platform
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = (
    "# Benchmark results\n\n"
    "Each section is written by the script named in it; rerun the command to refresh it.\n"
    "Figures are medians of one run on the machine described in the section (2 cores, noisy).\n"
)


def machine() -> str:
    """One line describing where the figures were measured."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    cpu = platform.processor() or platform.machine()
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit or '?'}, Python "
        f"{platform.python_version()}, {cpu}, {_cores()} cores"
    )


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


def update_section(name: str, title: str, body: str) -> None:
    """Replace (or append) the section ``name`` of RESULTS.md with ``body``."""
    script = Path(sys.argv[0]).resolve()
    module = f"benchmarks.{script.stem}" if script.parent == RESULTS.parent else script.as_posix()
    command = " ".join(["python -m", module, *sys.argv[1:]])
    block = (
        f"<!-- {name}:start -->\n## {title}\n\n"
        f"Command: `{command}`  \nMeasured: {machine()}\n\n{body.strip()}\n<!-- {name}:end -->\n"
    )
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else HEADER
    pattern = re.compile(rf"<!-- {name}:start -->.*?<!-- {name}:end -->\n", re.DOTALL)
    text = (
        pattern.sub(lambda _: block, text)
        if pattern.search(text)
        else text.rstrip("\n") + "\n\n" + block
    )
    RESULTS.write_text(text, encoding="utf-8")
