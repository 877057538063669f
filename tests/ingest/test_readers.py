"""Readers: formats told by content, encodings detected, bad input refused with a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from policykg.ingest.errors import (
    CorruptDocumentError,
    DecodeError,
    EmptyDocumentError,
    FileTooLargeError,
    IngestError,
    UnsupportedFormatError,
)
from policykg.ingest.readers import DocumentFormat, read_bytes, read_path
from tests.documents import blank_pdf_bytes, docx_bytes, pdf_bytes, zip_bomb_docx

TEXT = "关于加快数字经济发展的实施意见\n一、总体要求\n（一）加强组织领导。建立工作专班。（牵头单位：县发改局）\n"


@pytest.mark.parametrize(
    ("encoded", "expected_encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gb18030"), "gb18030"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("utf-16"), "utf-16-le"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("utf-16-be"), "utf-16-be"),
    ],
    ids=["utf8", "utf8-bom", "gb18030", "gbk", "utf16-bom", "utf16le", "utf16be"],
)
def test_text_encodings_are_detected(encoded: bytes, expected_encoding: str) -> None:
    raw = read_bytes(encoded, "doc.txt")
    assert raw.text == TEXT
    assert raw.encoding == expected_encoding


def test_gb18030_characters_outside_gbk_survive() -> None:
    text = TEXT + "𠀀 is a CJK extension B character; 镕 is in GB18030.\n"
    assert read_bytes(text.encode("gb18030"), "doc.txt").text == text


def test_format_is_told_by_content_not_name() -> None:
    assert read_bytes(docx_bytes(["标题", "一、总则"]), "upload.bin").format is DocumentFormat.DOCX
    assert read_bytes(pdf_bytes(["标题"]), "upload").format is DocumentFormat.PDF
    html = "<html><body><p>关于印发的通知</p><p>一、总则</p></body></html>".encode()
    assert read_bytes(html, "page.txt").format is DocumentFormat.HTML


def test_html_drops_scripts_and_flattens_tables() -> None:
    html = (
        "<html><head><title>T</title><script>var x=1;</script></head><body>"
        "<nav>首页 下载</nav><p>一、总则</p><table><tr><td>序号</td><td>牵头部门</td></tr>"
        "<tr><td>1</td><td>区商务委</td></tr></table></body></html>"
    ).encode()
    text = read_bytes(html, "p.html").text
    assert "var x" not in text and "首页" not in text
    assert text.split("\n")[-4:] == ["序号", "牵头部门", "1", "区商务委"]


def test_docx_reads_paragraphs_and_table_cells_in_order() -> None:
    data = docx_bytes(["一、总则", "（一）加强领导。"], [["序号", "牵头单位"], ["1", "县商务局"]])
    assert read_bytes(data, "a.docx").text.split("\n") == [
        "一、总则",
        "（一）加强领导。",
        "序号",
        "牵头单位",
        "1",
        "县商务局",
    ]


def test_pdf_text_layer_is_read() -> None:
    text = read_bytes(
        pdf_bytes(["一、总则", "（一）加强领导。（牵头单位：县商务局）"]), "a.pdf"
    ).text
    assert "（一）加强领导。（牵头单位：县商务局）" in text


@pytest.mark.parametrize(
    ("data", "name", "error", "words"),
    [
        (b"", "empty.txt", EmptyDocumentError, "empty"),
        (b"  \n\t \n", "blank.txt", EmptyDocumentError, "empty"),
        (bytes(range(256)) * 64, "image.png", UnsupportedFormatError, "binary"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 600, "old.doc", UnsupportedFormatError, ".doc"),
        (b"PK\x03\x04" + b"\0" * 100, "archive.zip", UnsupportedFormatError, "zip"),
        (docx_bytes(["一、总则"])[:700], "cut.docx", CorruptDocumentError, "truncated"),
        (b"not a pdf at all", "fake.pdf", CorruptDocumentError, "not a pdf"),
        (blank_pdf_bytes(), "scan.pdf", EmptyDocumentError, "no text layer"),
        (zip_bomb_docx(), "bomb.docx", CorruptDocumentError, "zip bomb"),
        (
            b"\x81\x30\x81" + "中文".encode() + b"\xff\xfe\xfd" * 40,
            "garbled.txt",
            DecodeError,
            "decode",
        ),
    ],
    ids=[
        "empty",
        "whitespace",
        "binary",
        "legacy-doc",
        "zip",
        "truncated-docx",
        "fake-pdf",
        "pdf-no-text",
        "zip-bomb",
        "undecodable",
    ],
)
def test_bad_input_gets_one_clear_error(data: bytes, name: str, error: type, words: str) -> None:
    with pytest.raises(error) as caught:
        read_bytes(data, name)
    message = str(caught.value)
    assert message.startswith(f"{name}: ")
    assert words.lower() in message.lower()
    assert "\n" not in message


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "huge.txt"
    with big.open("wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: 200 MB without writing them
    with pytest.raises(FileTooLargeError, match=r"huge\.txt: file is 200\.0 MiB, over the 50 MiB"):
        read_path(big)


def test_missing_file_is_an_ingest_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="cannot read file"):
        read_path(tmp_path / "nope.txt")
