"""Turn files of any supported format into plain text.

Formats are told by content first (PDF and zip magic, HTML markup, NUL bytes) and by extension
second. Text encodings are detected, not guessed: byte-order marks, strict UTF-8, UTF-16 without
a mark, then charset-normalizer, with GB2312/GBK widened to GB18030.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
import zlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from policykg.ingest.errors import (
    CorruptDocumentError,
    DecodeError,
    DocumentTooLargeError,
    EmptyDocumentError,
    FileTooLargeError,
    IngestError,
    UnsupportedFormatError,
)

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
"""Files larger than this are refused before they are read."""

# A .docx is a zip; refuse archives that expand far beyond what any policy document needs.
DEFAULT_MAX_CHARS = 5_000_000
"""Characters of text one document may hold (POLICYKG_MAX_DOCUMENT_CHARS)."""
MAX_DOCX_PARAGRAPHS = 200_000
"""Paragraphs a .docx may hold: counted in its XML before it is parsed, since a tree of millions
of tiny paragraphs takes gigabytes (a policy document has a few thousand at most)."""
MAX_DOCX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_DOCX_RATIO = 200


class DocumentFormat(StrEnum):
    """Formats PolicyKG reads."""

    TEXT = "txt"
    MARKDOWN = "md"
    HTML = "html"
    DOCX = "docx"
    PDF = "pdf"


SUPPORTED_SUFFIXES: dict[str, DocumentFormat] = {
    ".txt": DocumentFormat.TEXT,
    ".text": DocumentFormat.TEXT,
    ".md": DocumentFormat.MARKDOWN,
    ".markdown": DocumentFormat.MARKDOWN,
    ".html": DocumentFormat.HTML,
    ".htm": DocumentFormat.HTML,
    ".xhtml": DocumentFormat.HTML,
    ".docx": DocumentFormat.DOCX,
    ".pdf": DocumentFormat.PDF,
}


@dataclass(frozen=True, slots=True)
class RawDocument:
    """Text read from a file, before any parsing.

    Attributes:
        source: File name or upload name, as given.
        format: Format the content was read as.
        text: Decoded text with newlines normalised to ``\\n``.
        encoding: Detected encoding for text formats, else None.
    """

    source: str
    format: DocumentFormat
    text: str
    encoding: str | None = None


_HTML_SNIFF = re.compile(rb"<\s*(!doctype\s+html|html|body|head|div|p|table|meta)\b", re.IGNORECASE)
_LEGACY_FORMATS = {
    b"\xd0\xcf\x11\xe0": "an old binary Word/Excel file (.doc/.xls); save it as .docx",
    b"{\\rtf": "an RTF file; save it as .docx or .txt",
}


def read_path(
    path: Path, max_bytes: int = DEFAULT_MAX_BYTES, max_chars: int = DEFAULT_MAX_CHARS
) -> RawDocument:
    """Read a file from disk into text.

    Args:
        path: The file.
        max_bytes: Refuse files larger than this without reading them.
        max_chars: Refuse documents whose text is longer than this.

    Raises:
        IngestError: A subclass naming the file and the problem.
    """
    try:
        size = path.stat().st_size
    except OSError as e:
        raise IngestError(f"cannot read file ({e.strerror})", path) from e
    if size > max_bytes:
        raise FileTooLargeError(_too_large(size, max_bytes), path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise IngestError(f"cannot read file ({e.strerror})", path) from e
    return read_bytes(data, str(path), max_bytes=max_bytes, max_chars=max_chars)


def read_bytes(
    data: bytes, source: str, max_bytes: int = DEFAULT_MAX_BYTES, max_chars: int = DEFAULT_MAX_CHARS
) -> RawDocument:
    """Read the bytes of one document into text, telling its format from content and name.

    Args:
        data: The whole file.
        source: File or upload name; its extension is used when content does not decide.
        max_bytes: Refuse larger inputs.
        max_chars: Refuse documents whose text is longer than this.

    Raises:
        IngestError: A subclass naming ``source`` and the problem.
    """
    if len(data) > max_bytes:
        raise FileTooLargeError(_too_large(len(data), max_bytes), source)
    if not data.strip():
        raise EmptyDocumentError("file is empty", source)
    fmt = detect_format(data, source)
    reader = _READERS[fmt]
    text, encoding = reader(data, source)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > max_chars:
        raise DocumentTooLargeError(
            f"the text has {len(text):,} characters, over the limit of {max_chars:,} "
            "(POLICYKG_MAX_DOCUMENT_CHARS)",
            source,
        )
    if not text.strip():
        raise EmptyDocumentError(f"no text found in this {fmt.value} file", source)
    return RawDocument(source=source, format=fmt, text=text, encoding=encoding)


def _too_large(size: int, limit: int) -> str:
    return f"file is {size / 2**20:.1f} MiB, over the {limit / 2**20:.0f} MiB ingest limit"


def detect_format(data: bytes, source: str) -> DocumentFormat:
    """Tell a document's format from its leading bytes, falling back to its extension.

    Raises:
        UnsupportedFormatError: For binary content or an unknown extension without text content.
    """
    head = data[:4096]
    suffix = Path(source).suffix.lower()
    if head.startswith(b"%PDF-"):
        return DocumentFormat.PDF
    if head.startswith(b"PK\x03\x04"):
        if suffix == ".docx" or b"word/" in data[:65536] or b"[Content_Types].xml" in head:
            return DocumentFormat.DOCX
        raise UnsupportedFormatError("zip archive that is not a .docx document", source)
    for magic, what in _LEGACY_FORMATS.items():
        if head.startswith(magic):
            raise UnsupportedFormatError(f"unsupported format: {what}", source)
    if suffix in (".pdf", ".docx"):
        raise CorruptDocumentError(
            f"file is named {suffix} but its content is not a {suffix[1:]} document", source
        )
    if _looks_binary(head):
        raise UnsupportedFormatError("binary content, not a text document", source)
    if _HTML_SNIFF.search(head) and suffix not in (".md", ".markdown"):
        return DocumentFormat.HTML
    if suffix in SUPPORTED_SUFFIXES:
        return SUPPORTED_SUFFIXES[suffix]
    if suffix and suffix not in (".csv", ".tsv", ".json", ".yaml", ".yml", ".log"):
        # Unknown extension but text content: read it as text, as a user dropping 通知.wps.txt expects.
        logger.debug("reading %s with unknown extension %s as text", source, suffix)
    return DocumentFormat.TEXT


def _looks_binary(head: bytes) -> bool:
    """True when the bytes are not text in any encoding we read.

    UTF-16 has NUL bytes too, so it is recognised (by BOM or by alternating NULs) first.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(head):
        return False
    if b"\x00" in head:
        return _utf16_guess(head) is None
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control > max(8, len(head) // 50)


def _utf16_without_bom(head: bytes) -> str | None:
    """Return ``utf-16-le``/``utf-16-be`` when NULs sit in every other byte, else None."""
    sample = head[:2048]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    # CJK text in UTF-16 has few NUL bytes; ASCII-heavy text has many. Both patterns are
    # lopsided: one parity nearly free of NULs, the other not.
    if odd_nuls > half * 0.3 and even_nuls < half * 0.02:
        return "utf-16-le"
    if even_nuls > half * 0.3 and odd_nuls < half * 0.02:
        return "utf-16-be"
    return None


def _utf16_guess(data: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when the bytes read as Chinese in that encoding, else None."""
    even = data[: len(data) // 2 * 2]
    for encoding in ("utf-16-le", "utf-16-be"):
        if _chinese_score(even.decode(encoding, errors="replace")) > 0.5:
            return encoding
    return None


def decode_text(data: bytes, source: str) -> tuple[str, str]:
    """Decode text bytes, detecting the encoding.

    Returns:
        The text and the name of the encoding used.

    Raises:
        DecodeError: When no supported encoding decodes the bytes cleanly.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", source), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
        return _strict(data[2:], encoding, source), encoding
    utf16 = _utf16_without_bom(data[:4096]) or (
        _utf16_guess(data[:4096]) if b"\x00" in data else None
    )
    if utf16:
        return _strict(data, utf16, source), utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Not UTF-8. Chinese government text is then almost always GB18030/GBK/GB2312, sometimes Big5,
    # or UTF-16 without a mark (all-CJK UTF-16 has no NUL bytes to give it away). Decode with
    # each and keep the one that reads most like Chinese.
    best: tuple[float, str, str] | None = None
    for encoding in _CANDIDATES:
        if encoding.startswith("utf-16") and len(data) % 2:
            continue
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        score = _chinese_score(text)
        if score > 0.3 and (best is None or score > best[0]):
            best = (score, text, encoding)
    if best is not None:
        return best[1], best[2]
    return _decode_with_charset_normalizer(data, source)


_CANDIDATES = ("gb18030", "utf-16-le", "utf-16-be", "big5")


def _decode_with_charset_normalizer(data: bytes, source: str) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise DecodeError("cannot decode the bytes as UTF-8, UTF-16, GB18030 or Big5", source)
    encoding = best.encoding
    if encoding.replace("_", "").lower() in ("gb2312", "gbk", "cp936"):
        encoding = "gb18030"
    text = str(best) if encoding == best.encoding else data.decode(encoding, errors="strict")
    if not _plausible_text(text):
        raise DecodeError(f"bytes do not decode to readable text (best guess {encoding})", source)
    return text, encoding


def _strict(data: bytes, encoding: str, source: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise DecodeError(f"invalid {encoding} at byte {e.start}", source) from e


_CJK = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")
_PRIVATE_OR_RARE = re.compile(r"[\ue000-\uf8ff\u3400-\u4dbf\U00020000-\U0002ffff\u0080-\u024f]")


def _chinese_score(text: str) -> float:
    """Share of common CJK characters and punctuation among non-space characters, less a
    penalty for rare, private-use and Latin-1 characters that wrong decodings produce."""
    sample = "".join(text[:20000].split())
    if not sample:
        return 0.0
    common = len(_CJK.findall(sample))
    rare = len(_PRIVATE_OR_RARE.findall(sample))
    ascii_letters = sum(1 for ch in sample if ch.isascii())
    return (common - 5 * rare) / max(1, len(sample) - ascii_letters // 2)


def _plausible_text(text: str) -> bool:
    if not text.strip():
        return False
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\n\t")
    return printable >= len(text) * 0.97


def _read_text(data: bytes, source: str) -> tuple[str, str | None]:
    return decode_text(data, source)


def _read_html(data: bytes, source: str) -> tuple[str, str | None]:
    from selectolax.lexbor import LexborHTMLParser

    text, encoding = decode_text(data, source)
    tree = LexborHTMLParser(text)
    for node in tree.css("script, style, noscript, nav, header, footer, iframe, svg, form"):
        node.decompose()
    body = tree.body or tree.root
    if body is None:
        return "", encoding
    for row in body.css("tr"):
        # Flatten tables one cell per line, like the linearised task tables in the corpus.
        cells = [c.text(separator="", strip=True) for c in row.css("td, th")]
        row.replace_with("\n".join(c for c in cells if c) + "\n")
    for node in body.css("p, div, li, h1, h2, h3, h4, h5, h6, br, section, article, blockquote"):
        node.insert_after("\n")
    raw = body.text(separator="", strip=False)
    lines = [line.strip() for line in raw.split("\n")]
    title_node = tree.css_first("title")
    title = title_node.text(strip=True) if title_node else ""
    joined = "\n".join(line for line in lines if line)
    if title and title not in joined[:500]:
        joined = f"{title}\n{joined}"
    return joined, encoding


def _read_docx(data: bytes, source: str) -> tuple[str, str | None]:
    _check_zip(data, source)
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, XMLSyntaxError) as e:
        raise CorruptDocumentError(f"not a readable .docx ({e})", source) from e
    lines: list[str] = []
    body = document.element.body
    # Walk paragraphs and tables in document order.
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append("".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")))
        elif tag == "tbl":
            for row in child.iter():
                if not row.tag.endswith("}tr"):
                    continue
                for cell in row.iterchildren():
                    if cell.tag.endswith("}tc"):
                        cell_text = "".join(
                            t.text or "" for t in cell.iter() if t.tag.endswith("}t")
                        ).strip()
                        if cell_text:
                            lines.append(cell_text)
    return "\n".join(lines), None


def _check_zip(data: bytes, source: str) -> None:
    """Refuse truncated archives and zip bombs before python-docx expands anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            total = sum(info.file_size for info in infos)
            names = {info.filename for info in infos}
    except zipfile.BadZipFile as e:
        raise CorruptDocumentError(f"truncated or damaged .docx ({e})", source) from e
    if "word/document.xml" not in names:
        raise CorruptDocumentError(".docx has no word/document.xml part", source)
    if total > MAX_DOCX_UNCOMPRESSED or total > max(len(data), 1) * MAX_DOCX_RATIO:
        raise CorruptDocumentError(
            f".docx expands to {total / 1e6:.0f} MB from {len(data) / 1e6:.2f} MB "
            "(refused as a possible zip bomb)",
            source,
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = archive.read("word/document.xml")
    except (
        zipfile.BadZipFile,
        zlib.error,
        RuntimeError,
        EOFError,
    ) as e:  # CRC, inflate, encryption
        raise CorruptDocumentError(f"damaged .docx ({e})", source) from e
    paragraphs = xml.count(b"<w:p>") + xml.count(b"<w:p ")
    if paragraphs > MAX_DOCX_PARAGRAPHS:
        raise DocumentTooLargeError(
            f".docx has {paragraphs:,} paragraphs, over the limit of {MAX_DOCX_PARAGRAPHS:,}",
            source,
        )


def _read_pdf(data: bytes, source: str) -> tuple[str, str | None]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PdfStreamError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise CorruptDocumentError("PDF is encrypted", source)
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError) as e:
        raise CorruptDocumentError(f"unreadable PDF ({e})", source) from e
    text = "\n".join(pages)
    if not text.strip():
        raise EmptyDocumentError(
            "PDF has no text layer (a scan?); run OCR first and ingest the text", source
        )
    return text, None


_READERS = {
    DocumentFormat.TEXT: _read_text,
    DocumentFormat.MARKDOWN: _read_text,
    DocumentFormat.HTML: _read_html,
    DocumentFormat.DOCX: _read_docx,
    DocumentFormat.PDF: _read_pdf,
}
