"""Property tests: whatever text or bytes come in, the parser raises nothing but our own errors."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policykg.ingest.errors import IngestError
from policykg.ingest.model import Policy
from policykg.ingest.parser import parse_document
from policykg.ingest.readers import DocumentFormat, RawDocument, read_bytes

# Pieces that steer the parser into its branches: numbering, annotations, tables, front matter.
PIECES = [
    "一、", "二、", "（一）", "(二)", "1.", "2．", "（1）", "第一条", "第 1 0 条", "第一章", "附件1", "①",
    "（牵头单位：县商务局。责任单位：县发改局、有关部门和乡镇政府）", "（县科技局牵头，县财政局配合）",
    "（海关总署、财政部负责，排在第一位的部门为牵头部门，下同）", "（负责部门：商务部；适用范围：全部）",
    "序号", "任务内容", "牵头部门", "配合部门", "时间节点", "1 | 任务 | 县商务局 | 县发改局 | 2024年",
    "---", "标题: 测试", "文号: 县府发〔2023〕1号", "《关于加快发展的意见》（国发〔2019〕11号）",
    "以下简称高新区", "县高新区党工委、管委会", "前言:寻找写作灵感?", "下载", "。", "，", "：", "\n", "\n\n",
    "加强组织领导", "2019年5月5日", "国务院", "（此件公开发布）", "县然资源和规划局", "|", "（", "）",
]  # fmt: skip
structured_text = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=60
).map("".join)


def _parse(text: str) -> Policy | None:
    try:
        return parse_document(RawDocument("generated.txt", DocumentFormat.TEXT, text))
    except IngestError as e:
        assert e.source == "generated.txt"
        return None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(structured_text)
def test_parser_raises_only_ingest_errors_on_structured_noise(text: str) -> None:
    policy = _parse(text)
    if policy is not None:
        assert policy.clauses
        assert len({c.id for c in policy.clauses}) == len(policy.clauses)
        names = {u.name for u in policy.units}
        for clause in policy.clauses:
            assert set(clause.lead_units) <= names
            assert set(clause.responsible_units) <= names
            assert not set(clause.lead_units) & set(clause.responsible_units)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parser_raises_only_ingest_errors_on_any_text(text: str) -> None:
    _parse(text)


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=4096), st.sampled_from(["a.txt", "a.docx", "a.pdf", "a.html", "a.md", "a"])
)
def test_readers_raise_only_ingest_errors_on_any_bytes(data: bytes, name: str) -> None:
    try:
        read_bytes(data, name)
    except IngestError as e:
        assert e.source == name


@settings(max_examples=100, deadline=None)
@given(structured_text)
def test_parsing_is_deterministic(text: str) -> None:
    assert _parse(text) == _parse(text)
