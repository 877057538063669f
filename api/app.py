"""The FastAPI app: ask, search, browse units, clauses, policies and the graph; upload and delete.

Built by :func:`create_app`; nothing happens at import time. The app holds no state of its own:
everything lives in the workspace (data directory, or Neo4j plus the clause index), so any number
of replicas can serve one store.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import secrets
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Annotated, Any, Literal

import anyio
from fastapi import Depends, FastAPI, File, Form, Header, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from policykg.api.factory import open_workspace, service_for
from policykg.api.settings import Settings
from policykg.ingest.errors import (
    CorruptDocumentError,
    DecodeError,
    DocumentTooLargeError,
    EmptyDocumentError,
    FileTooLargeError,
    IngestError,
    InvalidRequestError,
    ModelUnavailableError,
    NotFoundError,
    PolicyKGError,
    StoreCorruptError,
    StoreError,
    StoreUnavailableError,
    UnsupportedFormatError,
)
from policykg.service import contract as schemas
from policykg.service.core import PolicyService
from policykg.service.workspace import Workspace

logger = logging.getLogger(__name__)

ERRORS = {
    400: {"model": schemas.ErrorResponse, "description": "Bad request"},
    401: {"model": schemas.ErrorResponse, "description": "Missing or wrong token"},
    403: {"model": schemas.ErrorResponse, "description": "Writes are disabled"},
    404: {"model": schemas.ErrorResponse, "description": "Not found"},
    413: {"model": schemas.ErrorResponse, "description": "Too large"},
    415: {"model": schemas.ErrorResponse, "description": "Unsupported format"},
    422: {"model": schemas.ErrorResponse, "description": "Invalid input or document"},
    503: {"model": schemas.ErrorResponse, "description": "Store or model unavailable"},
}

# Our errors -> HTTP status and code, most specific first (checked in order).
_STATUS: list[tuple[type[PolicyKGError], int, str]] = [
    (FileTooLargeError, 413, "too_large"),
    (DocumentTooLargeError, 413, "too_large"),
    (UnsupportedFormatError, 415, "unsupported_format"),
    (CorruptDocumentError, 422, "corrupt_document"),
    (EmptyDocumentError, 422, "empty_document"),
    (DecodeError, 422, "undecodable"),
    (IngestError, 422, "unreadable_document"),
    (InvalidRequestError, 422, "invalid_request"),
    (NotFoundError, 404, "not_found"),
    (StoreUnavailableError, 503, "store_unavailable"),
    (ModelUnavailableError, 503, "model_unavailable"),
    (StoreCorruptError, 500, "store_corrupt"),
    (StoreError, 503, "store_error"),
    (PolicyKGError, 500, "error"),
]


@dataclass(slots=True)
class Services:
    """What the endpoints use, built once per app."""

    settings: Settings
    service: PolicyService


class BodyLimit:
    """ASGI middleware refusing request bodies over a limit (413), by header and while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _too_large(send, self.max_bytes)
            return
        seen = 0
        responded = False

        async def limited() -> dict[str, Any]:
            # A chunked body has no length header: count as it streams. Past the limit, answer
            # 413 at once and tell the app the client went away, so it stops reading.
            nonlocal seen, responded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    if not responded:
                        responded = True
                        await _too_large(send, self.max_bytes)
                    return {"type": "http.disconnect"}
            return dict(message)

        async def guarded(message: MutableMapping[str, Any]) -> None:
            if not responded:  # the app's own answer to the cut body is not sent
                await send(message)

        with contextlib.suppress(ClientDisconnect):
            await self.app(scope, limited, guarded)


class WriteGuard:
    """ASGI middleware refusing writes without the right bearer token before their body is read
    (an unauthenticated upload is not streamed to a temporary file first)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _is_write(scope["method"], scope["path"]):
            headers = dict(scope.get("headers") or [])
            raw = headers.get(b"authorization")
            try:
                require_token(self.settings, raw.decode("latin-1") if raw is not None else None)
            except StarletteHTTPException as e:
                code = "unauthorized" if e.status_code == 401 else "forbidden"
                body = schemas.ErrorResponse(
                    error=schemas.ErrorDetail(code=code, message=str(e.detail))
                ).model_dump_json()
                await send(
                    {
                        "type": "http.response.start",
                        "status": e.status_code,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"connection", b"close"),
                            *(
                                (k.lower().encode(), v.encode())
                                for k, v in (e.headers or {}).items()
                            ),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body.encode()})
                return
        await self.app(scope, receive, send)


def _is_write(method: str, path: str) -> bool:
    return (method == "POST" and path == "/documents") or (
        method == "DELETE" and path.startswith("/policies/")
    )


async def _too_large(send: Send, limit: int) -> None:
    body = schemas.ErrorResponse(
        error=schemas.ErrorDetail(code="too_large", message=f"request body over {limit} bytes")
    ).model_dump_json()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})


def create_app(settings: Settings | None = None, workspace: Workspace | None = None) -> FastAPI:
    """Build the app. Tests pass a workspace; ``policykg serve`` builds one from settings."""
    chosen = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        space = workspace or open_workspace(chosen, batch_queries=True)
        service = service_for(space, chosen)
        await anyio.to_thread.run_sync(service.warm)  # ready means loaded
        app.state.services = Services(chosen, service)
        yield
        space.close()

    app = FastAPI(
        title="PolicyKG",
        version="0.1.0",
        description=(
            "Who leads and who shares each clause of Chinese policy documents, with exact citations. "
            "Ask in Chinese or English; unit questions return every clause of the unit."
        ),
        lifespan=lifespan,
        responses=ERRORS,  # type: ignore[arg-type]
        docs_url=None,  # served below from the package: the default page loads from a CDN
        redoc_url=None,
    )
    app.add_middleware(BodyLimit, max_bytes=chosen.max_upload_bytes)
    app.add_middleware(WriteGuard, settings=chosen)  # added last: runs first
    if chosen.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=chosen.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    _add_error_handlers(app)
    _add_routes(app, chosen)
    _mount_explorer(app)
    _mount_docs(app)
    return app


def services(request: Request) -> Services:
    """The app's services (a dependency, so tests can override it)."""
    found: Services = request.app.state.services
    return found


ServicesDep = Annotated[Services, Depends(services)]


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = schemas.ErrorResponse(error=schemas.ErrorDetail(code=code, message=message))
    return JSONResponse(status_code=status, content=body.model_dump(), headers=headers)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PolicyKGError)
    async def policykg_error(request: Request, exc: PolicyKGError) -> JSONResponse:
        for kind, status, code in _STATUS:
            if isinstance(exc, kind):
                if status >= 500:
                    logger.error("%s %s failed: %s", request.method, request.url.path, exc)
                message = exc.problem if isinstance(exc, IngestError) else str(exc)
                return _error(status, code, message)
        return _error(500, "error", str(exc))  # pragma: no cover - PolicyKGError is last above

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'] if p != 'body')}: {e['msg']}" for e in exc.errors()
        )
        return _error(422, "invalid_request", problems or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
        }.get(exc.status_code, "http_error")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Allow must list every method of the path; Starlette names only the first route's.
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return _error(exc.status_code, code, str(exc.detail), headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    from starlette.routing import Match

    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match in (Match.PARTIAL, Match.FULL):
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def require_token(settings: Settings, authorization: str | None) -> None:
    """Refuse writes unless a token is configured and the request carries it."""
    expected = settings.api_token.get_secret_value() if settings.api_token else ""
    if not expected:
        raise StarletteHTTPException(
            403, "writes are disabled: set POLICYKG_API_TOKEN to enable them"
        )
    scheme, _, given = (authorization or "").strip().partition(" ")
    given = given.strip()
    if (
        scheme.lower() != "bearer"  # the scheme is case-insensitive (RFC 9110); nothing else counts
        or not given
        or not secrets.compare_digest(given.encode(), expected.encode())
    ):
        raise StarletteHTTPException(
            401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"}
        )


def safe_filename(name: str | None) -> str:
    """An upload's file name, refused when it carries a path (../x, /etc/x, C:\\x)."""
    if not name or not name.strip():
        raise StarletteHTTPException(400, "the upload has no file name")
    if (
        name != PurePosixPath(name).name
        or name != PureWindowsPath(name).name
        or name in (".", "..")
    ):
        raise StarletteHTTPException(400, "the file name must not contain a path")
    if len(name) > 200 or any(ord(ch) < 32 for ch in name):
        raise StarletteHTTPException(400, "the file name is too long or has control characters")
    return name


MAX_QUERY_CHARS = 500
"""Longest query a URL may carry (the service's own limit, POLICYKG_MAX_QUESTION_CHARS, also holds)."""

Jurisdiction = Annotated[
    str | None,
    Query(max_length=100, description="A jurisdiction: 上海市松江区, 松江区 or Songjiang"),
]


InForceOn = Annotated[
    schemas.IsoDate | None, Query(description="Only policies in force on this day (YYYY-MM-DD)")
]
Day = Annotated[schemas.IsoDate | None, Query(description="The day, YYYY-MM-DD; default today")]


def _day(day: datetime.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _add_routes(app: FastAPI, settings: Settings) -> None:
    @app.get("/healthz", response_model=schemas.Health, tags=["service"])
    def healthz(s: ServicesDep) -> schemas.Health:
        """Liveness: the store answers."""
        stats = s.service.stats()
        backend = "neo4j" if s.settings.neo4j_uri else "networkx"
        return schemas.Health(
            status="ok", policies=stats.policies, clauses=stats.clauses, backend=backend
        )

    @app.get("/stats", response_model=schemas.StoreStats, tags=["service"])
    def stats(s: ServicesDep) -> schemas.StoreStats:
        """What the store holds: policies, clauses, units, jurisdictions, relationships."""
        return s.service.stats()

    @app.post("/ask", response_model=schemas.AskResponse, tags=["answers"])
    def ask(body: schemas.AskRequest, s: ServicesDep) -> schemas.AskResponse:
        """Answer a question with every statement cited (policy title and clause number).

        Unit questions (县商务局负责什么? / What is the 县商务局 responsible for?) return the
        complete set of the unit's clauses with roles; who-leads, citation and ranking questions
        are answered from the graph; anything else by hybrid retrieval.
        """
        return s.service.ask(body.question, body.jurisdiction, _day(body.in_force_on))

    @app.get("/search", response_model=schemas.SearchResponse, tags=["answers"])
    def search(
        s: ServicesDep,
        q: Annotated[
            str,
            Query(
                min_length=1,
                max_length=MAX_QUERY_CHARS,
                pattern=r"\S",  # blank (spaces, control separators) is no query
                description="Question or keywords",
            ),
        ],
        k: Annotated[int, Query(ge=1, le=100)] = 10,
        mode: Literal["hybrid", "bm25", "dense"] = "hybrid",
        policy_id: Annotated[str | None, Query(max_length=200)] = None,
        unit: Annotated[str | None, Query(max_length=100, description="Unit name or id")] = None,
        role: Literal["lead", "responsible"] | None = None,
        jurisdiction: Jurisdiction = None,
        role_source: Annotated[
            Literal["annotation", "table", "section", "prose", "regulation"] | None,
            Query(description="Only roles read from this form (annotated roles only, say)"),
        ] = None,
        in_force_on: InForceOn = None,
    ) -> schemas.SearchResponse:
        """Hybrid (BM25 + embeddings, fused) clause search with filters."""
        units = [unit] if unit else []
        return s.service.search(
            q,
            k,
            mode=mode,
            policy_id=policy_id,
            units=units,
            role=role,
            jurisdiction=jurisdiction,
            role_source=role_source,
            in_force_on=_day(in_force_on),
        )

    @app.get("/validity", response_model=schemas.ValidityPage, tags=["lifecycle"])
    def validity(
        s: ServicesDep,
        on: Day = None,
        status: Annotated[
            Literal["in_force", "amended", "replaced", "repealed", "expired", "not_yet", "all"],
            Query(description="in_force includes amended documents"),
        ] = "in_force",
        jurisdiction: Jurisdiction = None,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> schemas.ValidityPage:
        """Stored documents with a status on a day (what is in force, repealed, expired …), read
        from the documents themselves, with the count of each status."""
        return s.service.validity(
            _day(on), status, jurisdiction=jurisdiction, offset=offset, limit=limit
        )

    @app.get(
        "/validity/{document:path}", response_model=schemas.PolicyLifecycleOut, tags=["lifecycle"]
    )
    def lifecycle(
        document: str,
        s: ServicesDep,
        on: Day = None,
    ) -> schemas.PolicyLifecycleOut:
        """A document's (id, 文号 or title) status on a day, its own dates with the sentences they
        were read from, and what later documents did to it."""
        return s.service.lifecycle(document, _day(on))

    @app.get(
        "/transmission/{document:path}", response_model=schemas.TransmissionOut, tags=["lifecycle"]
    )
    def transmission(document: str, s: ServicesDep) -> schemas.TransmissionOut:
        """Every stored document that implements or cites a document (id, 文号 or title), with
        jurisdiction, level and days after it, in date order."""
        return s.service.transmission(document)

    @app.get("/alignment/{document:path}", response_model=schemas.AlignmentOut, tags=["lifecycle"])
    def alignment(
        document: str,
        s: ServicesDep,
        parent: Annotated[
            str | None, Query(max_length=300, description="The parent document")
        ] = None,
    ) -> schemas.AlignmentOut:
        """A document aligned clause by clause with the one it implements: each clause copied,
        adapted or added; each parent clause taken up or not."""
        return s.service.alignment(document, parent)

    @app.get("/units", response_model=schemas.UnitPage, tags=["graph"])
    def units(
        s: ServicesDep,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        jurisdiction: Jurisdiction = None,
        name: Annotated[str | None, Query(max_length=100, description="Name contains")] = None,
    ) -> schemas.UnitPage:
        """Units by workload (clauses led and shared)."""
        return s.service.units(offset, limit, jurisdiction=jurisdiction, name=name)

    @app.get("/units/{name:path}", response_model=schemas.UnitLookup, tags=["graph"])
    def unit(name: str, s: ServicesDep, jurisdiction: Jurisdiction = None) -> schemas.UnitLookup:
        """A unit by name, alias or id: its clauses by role and its closest partners, per jurisdiction."""
        return s.service.unit(name, jurisdiction)

    @app.get("/clauses/{clause_id:path}", response_model=schemas.ClauseDetail, tags=["graph"])
    def clause(clause_id: str, s: ServicesDep) -> schemas.ClauseDetail:
        """One clause with its policy, number, units and full text."""
        return s.service.clause(clause_id)

    @app.get("/policies", response_model=schemas.PolicyPage, tags=["graph"])
    def policies(
        s: ServicesDep,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        jurisdiction: Jurisdiction = None,
    ) -> schemas.PolicyPage:
        """Stored policies by jurisdiction and date."""
        return s.service.policies(offset, limit, jurisdiction=jurisdiction)

    @app.get("/policies/{policy_id}", response_model=schemas.PolicyDetail, tags=["graph"])
    def policy(policy_id: str, s: ServicesDep) -> schemas.PolicyDetail:
        """A policy's outline (sections and clauses), what it cites and what cites it."""
        return s.service.policy(policy_id)

    @app.get("/graph/neighborhood", response_model=schemas.GraphView, tags=["graph"])
    def neighborhood(
        s: ServicesDep,
        node_id: Annotated[str, Query(min_length=1, max_length=300)],
        depth: Annotated[int, Query(ge=1, le=3)] = 1,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> schemas.GraphView:
        """Nodes within ``depth`` hops of any node (policy, section, clause, unit, jurisdiction)."""
        return s.service.neighborhood(node_id, depth, limit)

    @app.get("/graph/collaboration", response_model=schemas.GraphView, tags=["graph"])
    def collaboration(
        s: ServicesDep,
        jurisdiction: Jurisdiction = None,
        unit_id: Annotated[str | None, Query(max_length=200)] = None,
        min_weight: Annotated[int, Query(ge=1)] = 1,
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    ) -> schemas.GraphView:
        """Units linked by the clauses they share (weight = shared clauses)."""
        return s.service.collaboration(
            jurisdiction=jurisdiction, unit_id=unit_id, min_weight=min_weight, limit=limit
        )

    @app.get("/jurisdictions", response_model=list[schemas.JurisdictionOut], tags=["graph"])
    def jurisdictions(s: ServicesDep) -> list[schemas.JurisdictionOut]:
        """Jurisdictions in the store, with their policy, unit and clause counts."""
        return s.service.jurisdictions().jurisdictions

    @app.post("/documents", response_model=schemas.IngestResponse, status_code=201, tags=["write"])
    def upload(
        s: ServicesDep,
        file: Annotated[UploadFile, File(description="A .txt, .md, .html, .docx or .pdf document")],
        jurisdiction: Annotated[str | None, Form(max_length=100)] = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> schemas.IngestResponse:
        """Upload and ingest one document (needs the bearer token). A new version replaces the old."""
        require_token(s.settings, authorization)
        name = safe_filename(file.filename)
        data = file.file.read(s.settings.max_upload_bytes + 1)
        if len(data) > s.settings.max_upload_bytes:
            raise FileTooLargeError(f"upload over {s.settings.max_upload_bytes} bytes", name)
        return s.service.ingest_upload(data, name, jurisdiction)

    @app.delete("/policies/{policy_id}", response_model=schemas.DeleteResponse, tags=["write"])
    def delete(
        policy_id: str, s: ServicesDep, authorization: Annotated[str | None, Header()] = None
    ) -> schemas.DeleteResponse:
        """Delete a policy, its clauses and units no other policy names (needs the bearer token)."""
        require_token(s.settings, authorization)
        return s.service.delete_policy(policy_id)


def _mount_docs(app: FastAPI) -> None:
    """Swagger UI at ``/docs`` with its script and styles from the ``swagger-ui-bundle`` package,
    so the page works without internet (FastAPI's default loads them from a CDN)."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="PolicyKG API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )


def _mount_explorer(app: FastAPI) -> None:
    """Serve the web explorer: its page at ``/`` and its built assets at ``/assets``.

    Only these two paths: a catch-all static mount at ``/`` would answer a wrong method on an
    API path (``GET /ask``) with 404 instead of 405.
    """
    from importlib import resources

    from fastapi.responses import FileResponse
    from fastapi.staticfiles import StaticFiles

    static = resources.files("policykg.api").joinpath("web/static")
    index = static.joinpath("index.html")
    if not (static.is_dir() and index.is_file()):
        return
    assets = static.joinpath("assets")
    if assets.is_dir():
        app.mount("/assets", StaticFiles(directory=str(assets)), name="explorer-assets")

    @app.get("/", include_in_schema=False)
    def explorer() -> FileResponse:
        return FileResponse(str(index), media_type="text/html")
