"""Load test: a real `policykg serve` hammered from this (second) process on loopback.

    python -m benchmarks.load DATA_DIR [--seconds 60] [--clients 16] [--upload-every 5]
        [--workers 2] [--query-wait-ms 4] [--before REV | --no-before] [--only mixed|graph]

16 concurrent clients send a mix of ``POST /ask`` and ``GET /search`` (questions from the dev
question sets) for 60 seconds, while an uploader posts a new document every few seconds. Reports
throughput, p50/p95/p99 per request type and every error, for each configuration in one run:
before (an earlier commit served from a worktree, with its defaults), after (this commit, one
process and ``--workers``), and graph-only questions (about units the store holds; each answer
must come from the graph). Every upload must be stored and every clause a reader was shown must
still resolve; after all configurations, graph, vectors and BM25 must agree (`policykg check`).
The clients speak HTTP/1.1 over plain asyncio streams (see :class:`Connection`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx

from benchmarks._results import update_section

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "tests" / "fixtures" / "questions"
TOKEN = "load-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def questions() -> tuple[list[str], list[str]]:
    units = json.loads((QUESTIONS / "units.json").read_text(encoding="utf-8"))["questions"]
    free = json.loads((QUESTIONS / "retrieval.json").read_text(encoding="utf-8"))["questions"]
    asks = [q["question"] for q in units] + [q["question"] for q in free]
    searches = [q["question"] for q in free]
    return asks, searches


def unit_questions(base: str, count: int = 80) -> list[str]:
    """Questions about units the store holds ("乡镇人民政府负责什么？", "What is the 卫生部门
    responsible for?"), half in Chinese, half in English: a seeded sample of the 500 busiest units.

    The dev unit questions name the dev corpus's units; against another store (the bulk set)
    most are not found and fall back to retrieval, so they do not measure graph answers.
    """
    page = httpx.get(f"{base}/units", params={"limit": 500}, timeout=60).json()
    names = sorted({i["name"] for i in page["items"] if i["kind"] != "placeholder"})
    sample = random.Random(7).sample(names, min(count, len(names)))
    half = len(sample) // 2
    return [f"{n}负责什么？" for n in sample[:half]] + [
        f"What is the {n} responsible for?" for n in sample[half:]
    ]


def upload_document(i: int) -> tuple[str, bytes]:
    """A new small document per upload (its own text, so each is a new policy)."""
    text = (
        f"关于推进第{i}批重点项目建设的实施方案\n一、重点任务\n"
        f"（一）推进第{i}号产业园建设。加快园区道路和管网建设，完成年度投资。（牵头单位：县发改局。责任单位：县住建局、县财政局）\n"
        f"（二）优化第{i}号项目审批服务。推行并联审批，压缩办理时限。（牵头单位：县行政审批局。责任单位：县自然资源和规划局）\n"
    )
    return f"load-{i}.txt", text.encode("utf-8")


def percentiles(samples: list[float]) -> str:
    if not samples:
        return "– | – | –"
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    return f"{at(0.5):.0f} | {at(0.95):.0f} | {at(0.99):.0f}"


class Connection:
    """One keep-alive HTTP/1.1 connection, as lean as a load generator should be.

    httpx spends ~2.5 ms of CPU per request here, and the clients share the server's two cores:
    with it, a third of the machine goes to the load generator. The server answers every request
    with a Content-Length (uvicorn does for JSON responses); bodies are read and checked all the
    same.
    """

    def __init__(self, base: str) -> None:
        host, _, port = base.removeprefix("http://").partition(":")
        self._address = (host, int(port))
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, target: str, body: bytes = b"") -> tuple[int, bytes]:
        """Status and body of one request (a dropped keep-alive connection is opened again)."""
        for attempt in (1, 2):
            if self._streams is None:
                self._streams = await asyncio.open_connection(*self._address)
            reader, writer = self._streams
            head = f"{method} {target} HTTP/1.1\r\nHost: {self._address[0]}\r\n"
            if body:
                head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            writer.write(head.encode("ascii") + b"\r\n" + body)
            try:
                await writer.drain()
                status_line, *headers = (
                    (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                )
            except (ConnectionError, asyncio.IncompleteReadError):
                self._streams = None
                if attempt == 2:
                    raise
                continue
            length = next(
                int(h.split(":", 1)[1]) for h in headers if h.lower().startswith("content-length:")
            )
            return int(status_line.split()[1]), await reader.readexactly(length)
        raise ConnectionError("unreachable")

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()


async def run_load(
    base: str, seconds: float, clients: int, upload_every: float, mix: str = "mixed"
) -> dict[str, object]:
    asks, searches = questions()
    if mix == "graph":  # unit questions only: answered from the graph, no retrieval
        asks = unit_questions(base)
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: Counter[str] = Counter()
    shown: set[str] = set()
    uploaded: list[str] = []
    deadline = time.perf_counter() + seconds
    rng = random.Random(5)

    async def client(n: int) -> None:
        local = random.Random(n)
        connection = Connection(base)
        while time.perf_counter() < deadline:
            kind = "ask" if mix == "graph" or local.random() < 0.5 else "search"
            started = time.perf_counter()
            try:
                if kind == "ask":
                    question = json.dumps({"question": local.choice(asks)}).encode("utf-8")
                    status, raw = await connection.request("POST", "/ask", question)
                else:
                    query = urlencode({"q": local.choice(searches), "k": 10})
                    status, raw = await connection.request("GET", f"/search?{query}")
            except (OSError, asyncio.IncompleteReadError, StopIteration) as e:
                errors[f"{kind}: {type(e).__name__}"] += 1
                connection.close()
                connection = Connection(base)
                continue
            latencies[kind].append(time.perf_counter() - started)
            if status != 200:
                errors[f"{kind}: HTTP {status}"] += 1
                continue
            body = json.loads(raw)
            if mix == "graph" and (body["intent"] != "unit_duties" or not body["found"]):
                errors[f"graph question answered as {body['intent']} (found: {body['found']})"] += 1
            items = body["clauses"] if kind == "ask" else body["hits"]
            for item in items:
                if not item.get("policy_title") or not item.get("text"):
                    errors[f"{kind}: clause without its policy or text"] += 1
                shown.add(item["clause_id"])

    async def uploader(http: httpx.AsyncClient) -> None:
        i = rng.randrange(10**6)
        while upload_every > 0 and time.perf_counter() < deadline - 1:
            name, data = upload_document(i)
            i += 1
            started = time.perf_counter()
            try:
                response = await http.post(
                    "/documents",
                    files={"file": (name, data, "text/plain")},
                    headers={"Authorization": f"Bearer {TOKEN}"},
                )
            except httpx.HTTPError as e:
                errors[f"upload: {type(e).__name__}"] += 1
                continue
            latencies["upload"].append(time.perf_counter() - started)
            if response.status_code != 201:
                errors[f"upload: HTTP {response.status_code}"] += 1
            else:
                uploaded.append(response.json()["policy_id"])
            await asyncio.sleep(upload_every)

    limits = httpx.Limits(max_connections=clients + 2)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(clients)), uploader(http))
        elapsed = time.perf_counter() - started
        # After the load: every upload is there, every clause shown still resolves.
        missing_uploads = [
            p for p in uploaded if (await http.get(f"/policies/{p}")).status_code != 200
        ]
        sample = sorted(shown)[:300]
        unresolved = [c for c in sample if (await http.get(f"/clauses/{c}")).status_code != 200]
    return {
        "latencies": latencies,
        "errors": errors,
        "elapsed": elapsed,
        "uploaded": uploaded,
        "missing_uploads": missing_uploads,
        "unresolved": unresolved,
        "shown": len(shown),
    }


def summarise_check(output: str) -> str:
    """One line from `policykg check --json` (contents compared)."""
    try:
        figures = json.loads(output)
        counts = (
            f"graph {figures['clauses_in_graph']:,} clauses, vectors {figures['vectors']:,}, "
            f"BM25 {figures['bm25']:,}, {figures['unverified_vectors']:,} vectors without a cached "
            "copy to compare"
        )
    except (ValueError, KeyError, TypeError):
        return f"unreadable ({output.strip()[-200:]})"
    if figures["consistent"]:
        return f"{counts}: consistent"
    return f"{counts}: **not consistent**: {'; '.join(figures['problems'][:5])}"


@dataclass(frozen=True)
class Config:
    """One server configuration of a run."""

    label: str
    workers: int
    backend: str
    query_wait_ms: float
    mix: str
    source: Path | None = None
    """A checkout of an earlier commit to serve from (None: this one)."""


PACKAGES = ("api", "graph", "ingest", "search", "service")


def checkout(rev: str) -> Path:
    """The packages of commit ``rev`` importable as ``policykg.*``: a worktree under
    benchmarks/out/load and a folder of links to its packages (made once, reused); the path to
    put first on PYTHONPATH (it wins over this checkout's editable install)."""
    target = ROOT / "benchmarks" / "out" / "load" / f"src-{rev}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(target), rev], cwd=ROOT, check=True
        )
    links = target / ".pkg" / "policykg"
    links.mkdir(parents=True, exist_ok=True)
    (links / "__init__.py").touch()
    for package in PACKAGES:
        if not (links / package).exists():
            (links / package).symlink_to(target / package)
    return links.parent


def measure(args: argparse.Namespace, config: Config) -> tuple[list[str], bool]:
    """Serve the store with ``config`` and load it; the table rows and whether every request
    succeeded, every upload is stored and every clause shown still resolves."""
    port = free_port()
    env = {
        **os.environ,
        "POLICYKG_API_TOKEN": TOKEN,
        "POLICYKG_EMBED_BACKEND": config.backend,
        "POLICYKG_EMBED_QUERY_WAIT_MS": str(config.query_wait_ms),
    }
    if config.source is not None:  # an earlier commit, with its own defaults and model cache
        env["PYTHONPATH"] = str(config.source)
        env["POLICYKG_CACHE_DIR"] = str(config.source.parent / "user-cache")
        env.pop("POLICYKG_EMBED_BACKEND")
        env.pop("POLICYKG_EMBED_QUERY_WAIT_MS")
    command = [sys.executable, "-m", "policykg.api.cli", "serve", "--data-dir", str(args.data_dir)]
    command += ["--port", str(port)]
    if config.workers > 1:  # (commits before issue 15 have no --workers)
        command += ["--workers", str(config.workers)]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    upload_every = args.upload_every if config.mix == "mixed" else 0
    try:
        started = time.perf_counter()
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None:
                raise SystemExit(f"server exited: {server.stderr.read() if server.stderr else ''}")
            time.sleep(0.5)
        startup = time.perf_counter() - started
        for _ in range(4 * config.workers):  # load the model in every worker before timing
            with httpx.Client(base_url=base, timeout=120) as warm:
                warm.get("/search", params={"q": "热身", "k": 1})
        health = httpx.get(f"{base}/healthz").json()
        memory = _resident_mib(server.pid)
        result = asyncio.run(run_load(base, args.seconds, args.clients, upload_every, config.mix))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    latencies: dict[str, list[float]] = result["latencies"]  # type: ignore[assignment]
    errors: Counter[str] = result["errors"]  # type: ignore[assignment]
    elapsed: float = result["elapsed"]  # type: ignore[assignment]
    reads = len(latencies["ask"]) + len(latencies["search"])
    lines = [
        f"**{config.label}** ({config.mix} questions; {health['policies']} policies / "
        f"{health['clauses']:,} clauses; started in {startup:.0f} s; resident memory per "
        f"process after warm-up: {memory}).",
        "",
        "| requests | count | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|",
    ]
    for kind in ("ask", "search", "upload"):
        if latencies[kind]:
            lines.append(f"| {kind} | {len(latencies[kind])} | {percentiles(latencies[kind])} |")
    lines += [
        f"| **all reads** | {reads} (**{reads / elapsed:.1f} req/s**) | "
        f"{percentiles(latencies['ask'] + latencies['search'])} |",
        "",
        f"Errors: **{sum(errors.values())}** {dict(errors) if errors else ''}. "
        f"Uploads stored: {len(result['uploaded']) - len(result['missing_uploads'])}/{len(result['uploaded'])}. "  # type: ignore[arg-type]
        f"Clauses shown to readers that no longer resolve: {len(result['unresolved'])} of "  # type: ignore[arg-type]
        f"{min(300, result['shown'])} checked.",  # type: ignore[type-var]
        "",
    ]
    ok = not errors and not result["missing_uploads"] and not result["unresolved"]
    return lines, ok


def check_store(data_dir: Path) -> tuple[str, bool]:
    """`policykg check` (contents compared) after every configuration ran: one line, and whether
    graph, vectors and BM25 agree."""
    command = [sys.executable, "-m", "policykg.api.cli", "check", "--data-dir", str(data_dir)]
    check = subprocess.run([*command, "--json"], capture_output=True, text=True, check=False)
    return summarise_check(check.stdout), check.returncode == 0


def _resident_mib(pid: int) -> str:
    """Resident memory of the server and its worker processes, in MiB (shared pages counted in
    each, as ``ps`` does; the vector index pages are mapped once for all)."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    sizes = []
    for each in pids:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        kib = next(
            (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")), 0
        )
        if kib > 100 * 1024:  # the workers, not the supervisor or the resource tracker
            sizes.append(f"{kib / 1024:,.0f}")
    return " + ".join(sizes) + " MiB" if sizes else "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--upload-every", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--query-wait-ms", type=float, default=4.0)
    parser.add_argument(
        "--before",
        default="a4242d1",
        help="the commit to compare with (before issue 15: onnx-int8 for avx2, no batching)",
    )
    parser.add_argument("--no-before", action="store_true", help="skip the earlier commit")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--only", choices=["mixed", "graph"], help="run only this mix")
    args = parser.parse_args()
    configs = []
    if not args.no_before:
        source = checkout(args.before)
        label = f"before: commit {args.before} with its defaults, 1 process"
        configs.append(Config(label, 1, "default", 0, "mixed", source))
    after = f"after: auto backend, query batching ({args.query_wait_ms:g} ms)"
    configs += [
        Config(f"{after}, 1 process", 1, "auto", args.query_wait_ms, "mixed"),
        Config(
            f"{after}, {args.workers} processes", args.workers, "auto", args.query_wait_ms, "mixed"
        ),
        Config(
            f"graph-only questions, {args.workers} processes",
            args.workers,
            "auto",
            args.query_wait_ms,
            "graph",
        ),
    ]
    if args.only:
        configs = [c for c in configs if c.mix == args.only]
    lines = [
        f"Server: `policykg serve` (networkx store) hammered by {args.clients} concurrent clients "
        f"from a second process on the same 2 cores, {args.seconds:.0f} s per configuration; "
        "the mixed load is half `POST /ask`, half `GET /search` (k=10) with questions from the "
        f"dev sets and an upload every {args.upload_every:g} s; graph-only is `POST /ask` with "
        "questions about 80 of the store's 500 busiest units (half Chinese, half English), each "
        "checked to be answered from the graph. Configurations run one after another in this run.",
        "",
    ]
    ok = True
    for config in configs:
        rows, held = measure(args, config)
        print("\n".join(rows), flush=True)
        lines += rows
        ok = ok and held
    summary, consistent = check_store(args.data_dir)
    lines.append(f"`policykg check` after all configurations: {summary}")
    print(lines[-1])
    ok = ok and consistent
    body = "\n".join(lines)
    if not args.no_write:
        update_section("load", "Load test (HTTP, loopback)", body)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
