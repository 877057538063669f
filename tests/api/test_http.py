"""The HTTP API driven through a real uvicorn server on loopback."""

from __future__ import annotations

import io
import socket
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from policykg.api.settings import Settings
from policykg.search.embeddings.cache import CachedEmbedder, EmbeddingCache
from policykg.search.embeddings.hashing import HashingEmbedder
from policykg.service.workspace import Workspace
from tests.conftest import CORPUS, SEED
from tests.documents import docx_bytes, zip_bomb_docx
from tests.helpers import COMMERCE_CLAUSES, hashing_workspace, start_server

TOKEN = "test-token-7f3a"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    space = hashing_workspace(tmp_path_factory.mktemp("http") / "data")
    space.ingest_paths([SEED, CORPUS / "dev" / "012.txt"])
    return space


@pytest.fixture(scope="module")
def base(workspace: Workspace) -> Iterator[str]:
    settings = Settings(
        data_dir=workspace.data_dir, api_token=SecretStr(TOKEN), max_upload_bytes=2_000_000
    )
    yield from start_server(settings, workspace)


@pytest.fixture
def client(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=30) as c:
        yield c


def test_health(client: httpx.Client) -> None:
    body = client.get("/healthz").json()
    assert body == {"status": "ok", "policies": 2, "clauses": 50, "backend": "networkx"}


@pytest.mark.parametrize(
    "question", ["县商务局负责什么？", "What is the 县商务局 responsible for?"]
)
def test_ask_returns_exactly_the_commerce_bureau_clauses(
    client: httpx.Client, question: str
) -> None:
    body = client.post("/ask", json={"question": question}).json()
    assert body["intent"] == "unit_duties"
    assert [(c["number"], c["role"]) for c in body["clauses"]] == COMMERCE_CLAUSES
    for key in ("question", "intent", "answer", "units", "clauses", "policies"):
        assert key in body
    clause = body["clauses"][3]
    assert clause["title"] == "创新精准招商方式" and clause["lead_units"] == ["县商务局"]
    assert "《开发区改革开放实施意见》（十五）" in body["answer"]
    assert body["language"] == ("en" if question.startswith("What") else "zh")


def test_search_units_clauses_policies_graph(client: httpx.Client) -> None:
    hits = client.get("/search", params={"q": "招商引资", "k": 3}).json()["hits"]
    assert hits[0]["number"] == "十五" and hits[0]["bm25_rank"] == 1
    led = client.get("/search", params={"q": "工作", "unit": "县商务局", "role": "lead"}).json()[
        "hits"
    ]
    assert sorted(h["number"] for h in led) == ["十九", "十五"]
    units = client.get("/units", params={"limit": 5}).json()
    assert units["total"] > 20 and len(units["items"]) == 5
    detail = client.get("/units/县商务局").json()["units"][0]
    assert [c["number"] for c in detail["lead"]] == ["十五", "十九"]
    assert detail["partners"][0]["shared_clauses"] >= 1
    clause_id = detail["lead"][0]["clause_id"]
    assert client.get(f"/clauses/{clause_id}").json()["title"] == "创新精准招商方式"
    policies = client.get("/policies").json()["items"]
    seed = next(p for p in policies if p["title"] == "开发区改革开放实施意见")
    outline = client.get(f"/policies/{seed['id']}").json()
    assert [s["number"] for s in outline["sections"]] == ["一", "二", "三", "四"]
    assert len(outline["cites"]) == 11
    view = client.get("/graph/neighborhood", params={"node_id": detail["unit"]["id"]}).json()
    assert len([n for n in view["nodes"] if n["label"] == "Clause"]) == 7
    network = client.get("/graph/collaboration", params={"min_weight": 3}).json()
    assert network["edges"] and all(e["weight"] >= 3 for e in network["edges"])
    places = client.get("/jurisdictions").json()
    assert {p["name"] for p in places} == {"国家", "未定辖区·开发区改革开放实施意见"}


def test_errors_share_one_model(client: httpx.Client) -> None:
    for response, status in (
        (client.get("/clauses/nope:1"), 404),
        (client.get("/units/没有这个单位"), 404),
        (client.post("/ask", json={"question": "问" * 501}), 422),
        (client.post("/ask", json={}), 422),
        (client.get("/search", params={"q": ""}), 422),
        (client.get("/graph/neighborhood", params={"node_id": "nope"}), 404),
    ):
        assert response.status_code == status
        assert set(response.json()) == {"error"} and response.json()["error"]["message"]


def upload(
    client: httpx.Client, name: str, data: bytes, token: str | None = TOKEN
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(
        "/documents", files={"file": (name, data, "application/octet-stream")}, headers=headers
    )


def test_writes_need_the_token(client: httpx.Client) -> None:
    data = (CORPUS / "dev" / "017.txt").read_bytes()
    assert upload(client, "017.txt", data, token=None).status_code == 401
    assert upload(client, "017.txt", data, token="wrong").status_code == 401
    assert (
        client.delete("/policies/whatever", headers={"Authorization": "Bearer wrong"}).status_code
        == 401
    )


def test_hostile_uploads_are_refused_cleanly(client: httpx.Client) -> None:
    for name in ("../../etc/passwd.txt", "/abs/path.txt", "..\\\\windows.txt", "..", "a/b.txt"):
        response = upload(client, name, b"text")
        assert response.status_code == 400, name
        assert (
            "path" in response.json()["error"]["message"]
            or "name" in response.json()["error"]["message"]
        )
    bomb = upload(client, "bomb.docx", zip_bomb_docx())
    assert bomb.status_code == 422 and "zip bomb" in bomb.json()["error"]["message"]
    big = upload(client, "big.txt", b"a" * 2_100_000)
    assert big.status_code == 413
    legacy = upload(client, "old.doc", b"\xd0\xcf\x11\xe0" + b"\0" * 600)
    assert legacy.status_code == 415
    assert client.get("/healthz").json()["policies"] == 2  # nothing stored


def test_upload_then_delete(client: httpx.Client) -> None:
    document = docx_bytes(
        [
            "关于加快数字经济发展的实施意见",
            "一、重点任务",
            "（一）建设数据中心。推进算力设施建设。（牵头单位：县发改局，责任单位：县工信局）",
        ]
    )
    created = upload(client, "数字经济.docx", document)
    assert created.status_code == 201, created.text
    policy_id = created.json()["policy_id"]
    assert created.json()["clauses"] == 1
    # What the parser made of it: roles by source, the text kept.
    assert created.json()["report"]["roles"] == {"annotation": 2}
    assert created.json()["report"]["coverage"] == 1.0
    again = upload(client, "数字经济.docx", document)
    assert again.json()["unchanged"] is True
    hits = client.get("/search", params={"q": "算力设施"}).json()["hits"]
    assert hits[0]["policy_id"] == policy_id
    deleted = client.delete(f"/policies/{policy_id}", headers={"Authorization": f"Bearer {TOKEN}"})
    assert deleted.json() == {"deleted": policy_id}
    assert (
        client.delete(
            f"/policies/{policy_id}", headers={"Authorization": f"Bearer {TOKEN}"}
        ).status_code
        == 404
    )


def test_without_a_configured_token_writes_are_refused(workspace: Workspace) -> None:
    settings = Settings(data_dir=workspace.data_dir, api_token=None)
    for base in start_server(settings, workspace):
        with httpx.Client(base_url=base) as client:
            response = upload(client, "x.txt", b"text", token="anything")
            assert response.status_code == 403
            assert "POLICYKG_API_TOKEN" in response.json()["error"]["message"]


def test_openapi_has_examples(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["components"]["schemas"]["AskResponse"]["examples"]
    assert "/ask" in spec["paths"] and "/documents" in spec["paths"]


def test_zip_is_not_a_docx(client: httpx.Client) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    response = upload(client, "archive.zip", buffer.getvalue())
    assert response.status_code == 415


def test_docs_page_loads_its_assets_from_the_server(client: httpx.Client) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assets = [a for a in ("swagger-ui-bundle.js", "swagger-ui.css") if a in page.text]
    assert len(assets) == 2
    assert "cdn" not in page.text.lower() and "https://" not in page.text.split("<body>")[1]
    for asset in assets:
        response = client.get(f"/docs-assets/{asset}")
        assert response.status_code == 200 and len(response.content) > 10_000


def test_responses_never_show_server_paths(client: httpx.Client, workspace: Workspace) -> None:
    policies = client.get("/policies").json()["items"]
    assert {p["source"] for p in policies} >= {SEED.name, "012.txt"}  # files given one by one
    document = "关于统计工作的通知\n一、任务\n（一）做好统计。（牵头单位：县统计局）\n".encode()
    assert upload(client, "../../etc/统计.txt", document).status_code == 400
    created = upload(client, "统计.txt", document)
    assert created.status_code == 201, created.text
    policy_id = created.json()["policy_id"]
    stored = client.get(f"/policies/{policy_id}").json()
    assert stored["policy"]["source"] == "统计.txt"
    view = client.get("/graph/neighborhood", params={"node_id": policy_id}).json()
    sources = [n["properties"].get("source") for n in view["nodes"] if n["label"] == "Policy"]
    assert sources == ["统计.txt"]
    root = str(workspace.data_dir.parent)
    everything = client.get("/policies", params={"limit": 100}).text + str(view)
    assert root not in everything and str(CORPUS) not in everything
    client.delete(f"/policies/{policy_id}", headers={"Authorization": f"Bearer {TOKEN}"})


def test_a_chunked_body_over_the_limit_gets_413(base: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield (
            b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n'
            b"Content-Type: text/plain\r\n\r\n"
        )
        for _ in range(30):
            yield "测试".encode() * 50_000  # 9 MB against the 2 MB limit, no length header
        yield b"\r\n--xyz--\r\n"

    with httpx.Client(base_url=base, timeout=30) as client:
        response = client.post(
            "/documents",
            content=chunks(),
            headers={
                "Authorization": f"Bearer {TOKEN}",
                "Content-Type": "multipart/form-data; boundary=xyz",
            },
        )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (f"Bearer {TOKEN}", 201),
        (f"bearer {TOKEN}", 201),
        (f"BEARER  {TOKEN}", 201),
        (TOKEN, 401),
        (f"Basic {TOKEN}", 401),
        ("Bearer", 401),
        ("Bearer wrong-token", 401),
    ],
)
def test_the_token_is_read_as_a_bearer_token_only(
    client: httpx.Client, header: str, status: int
) -> None:
    document = "关于统计工作的通知\n一、任务\n（一）做好统计。（牵头单位：县统计局）\n".encode()
    response = client.post(
        "/documents",
        files={"file": ("auth.txt", document, "text/plain")},
        headers={"Authorization": header},
    )
    assert response.status_code == status, response.text
    if status == 201:
        client.delete(
            f"/policies/{response.json()['policy_id']}",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )


def test_an_unauthenticated_upload_is_refused_before_its_body_is_read(base: str) -> None:
    """Headers announcing 19 MB, then no body at all: an answer can only come from a server that
    did not wait to read the body (FastAPI reads a form before the endpoint runs)."""
    host, port = base.removeprefix("http://").split(":")
    request = (
        "POST /documents HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        "Content-Type: multipart/form-data; boundary=xyz\r\n"
        f"Content-Length: {19 * 1024 * 1024}\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request.encode())
        reply = connection.recv(4096).decode("latin-1")  # times out if the server waits
    assert reply.startswith("HTTP/1.1 401"), reply
    assert "www-authenticate: bearer" in reply.lower()


def test_oversized_documents_are_refused_before_embedding(client: httpx.Client) -> None:
    from tests.documents import paragraph_bomb_docx

    bomb = paragraph_bomb_docx()
    assert len(bomb) < 2_000_000
    response = upload(client, "paragraphs.docx", bomb)
    assert response.status_code == 413, response.text
    assert "paragraphs" in response.json()["error"]["message"]
    assert client.get("/healthz").json()["policies"] == 2


def test_too_many_clauses_are_refused_before_anything_is_embedded(tmp_path: Path) -> None:
    from policykg.ingest.errors import DocumentTooLargeError
    from policykg.ingest.pipeline import Limits

    text = "\n".join(
        ["关于测试的通知", "一、任务"] + [f"（{i}）做好第{i}项工作。" for i in range(1, 30)]
    )
    (tmp_path / "many.txt").write_text(text, encoding="utf-8")
    embedder = CachedEmbedder(HashingEmbedder(64), EmbeddingCache(tmp_path / "cache.sqlite"))
    workspace = Workspace(tmp_path / "data", embedder=embedder, limits=Limits(max_clauses=10))

    report = workspace.ingest_paths([tmp_path / "many.txt"])

    [(_, error)] = report.failed
    assert isinstance(error, DocumentTooLargeError) and "POLICYKG_MAX_CLAUSES" in error.problem
    assert embedder.misses == 0 and workspace.graph.policy_ids() == set()
