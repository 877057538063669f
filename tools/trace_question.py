"""Follow one question through the HTTP face and count what it passes through.

Builds a store of the sample documents (``examples/``) with the hashing embedder, asks one
question over ``POST /ask`` once to warm up, then asks it again while a profiler records every
call into PolicyKG's own code. Prints the calls, the distinct functions, files and packages the
question passes through, how often it comes back to ``api/`` after leaving it, and how many
times the graph store is read.

    python tools/trace_question.py "谁牵头招商引资？"
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from collections import Counter
from itertools import pairwise
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ingest", "graph", "search", "service", "api")
STORE_FILES = ("graph/memory.py",)
COMPREHENSIONS = ("<genexpr>", "<listcomp>", "<dictcomp>", "<setcomp>", "<lambda>")


def _ours(filename: str) -> str | None:
    """The file's path in the repository when it is one of the packages' modules, else None."""
    try:
        relative = Path(filename).resolve().relative_to(ROOT)
    except ValueError:
        return None
    return str(relative) if relative.parts and relative.parts[0] in PACKAGES else None


def main() -> int:
    """Trace one question; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question", nargs="?", default="谁牵头招商引资？")
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from policykg.api.app import create_app
    from policykg.api.settings import Settings
    from policykg.search.embeddings.cache import CachedEmbedder, EmbeddingCache
    from policykg.search.embeddings.hashing import HashingEmbedder
    from policykg.service.workspace import Workspace

    events: list[tuple[str, str]] = []
    recording = threading.Event()

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event != "call" or not recording.is_set():
            return
        path = _ours(frame.f_code.co_filename)
        if path is not None and frame.f_code.co_name not in COMPREHENSIONS:
            events.append((path, frame.f_code.co_qualname))

    with tempfile.TemporaryDirectory(prefix="policykg-trace-") as scratch:
        data = Path(scratch) / "data"
        embedder = CachedEmbedder(HashingEmbedder(128), EmbeddingCache(data / "cache" / "e.sqlite"))
        workspace = Workspace(data, embedder=embedder)
        workspace.ingest_paths([ROOT / "examples"])
        threading.setprofile(profile)
        sys.setprofile(profile)
        with TestClient(create_app(Settings(data_dir=data), workspace)) as client:
            client.post("/ask", json={"question": args.question}).raise_for_status()
            recording.set()
            answer = client.post("/ask", json={"question": args.question})
            recording.clear()
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
    answer.raise_for_status()

    files = Counter(path for path, _ in events)
    packages = Counter(path.split("/")[0] for path, _ in events)
    functions = {event for event in events}
    returns_to_api = sum(
        1
        for before, after in pairwise(events)
        if after[0].startswith("api/") and not before[0].startswith("api/")
    )
    store_reads = sum(
        1
        for (caller, _), (callee, name) in pairwise(events)
        if callee in STORE_FILES
        and caller not in STORE_FILES
        and not name.split(".")[-1].startswith("_")
    )
    print(f"question: {args.question} -> intent {answer.json()['intent']}")
    print(f"calls into PolicyKG code: {len(events)}")
    print(f"distinct functions: {len(functions)}")
    print(f"files: {len(files)}  packages: {len(packages)} ({', '.join(sorted(packages))})")
    print(f"returns to api/ after leaving it: {returns_to_api}")
    print(f"graph store reads (public store methods called from outside the store): {store_reads}")
    for path, count in sorted(files.items()):
        print(f"  {count:5d}  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
