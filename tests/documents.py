"""Builders for test documents in every format we read (real files, made on the fly)."""

from __future__ import annotations

import io
import zipfile


def docx_bytes(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    """A real .docx made with python-docx, with paragraphs and an optional table."""
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                grid.cell(r, c).text = cell
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_bytes(lines: list[str]) -> bytes:
    """A real PDF whose text layer holds ``lines`` (CJK included).

    The text is drawn with a Type0 font in Identity-H encoding where each glyph id is the
    character's code point, and a ToUnicode map says so; extractors read the text through it.
    No font is embedded, so viewers may not draw the glyphs, but the text layer is exact.
    """
    chars = sorted({ch for line in lines for ch in line})
    content = ["BT", "/F1 12 Tf", "14 TL", "50 780 Td"]
    for line in lines:
        content.append("<" + "".join(f"{ord(ch):04X}" for ch in line) + "> Tj T*")
    content.append("ET")
    stream = "\n".join(content).encode("ascii")
    bfchars = "\n".join(f"<{ord(ch):04X}> <{ord(ch):04X}>" for ch in chars)
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(chars)} beginbfchar\n{bfchars}\nendbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
        b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]
    return _assemble_pdf(objects)


def blank_pdf_bytes() -> bytes:
    """A valid one-page PDF with no text at all (like a scan without OCR)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    return _assemble_pdf(objects)


def _assemble_pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def zip_bomb_docx(expanded_bytes: int = 300 * 1024 * 1024) -> bytes:
    """A .docx-shaped zip whose document.xml expands to ``expanded_bytes`` of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(expanded_bytes // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


def paragraph_bomb_docx(paragraphs: int = 5_000_000) -> bytes:
    """A small, valid .docx whose body holds millions of one-character paragraphs (compresses
    well under any zip-bomb ratio, yet a parsed tree of it takes gigabytes)."""
    import random

    # One random bit per paragraph keeps the archive just under the zip-bomb ratio guard.
    rng = random.Random(0)
    body = b"".join(
        b"<w:p><w:r><w:t>" + rng.choice((b"x", b"y")) + b"</w:t></w:r></w:p>"
        for _ in range(paragraphs)
    )
    document = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body>" + body + b"</w:body></w:document>"
    )
    template = zipfile.ZipFile(io.BytesIO(docx_bytes(["x"])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for item in template.infolist():
            data = document if item.filename == "word/document.xml" else template.read(item)
            archive.writestr(item.filename, data)
    return buffer.getvalue()
