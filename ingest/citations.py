"""Citations: 《title》(文号) references and bare 文号 references to other documents."""

from __future__ import annotations

import re

from policykg.ingest.model import Citation
from policykg.ingest.structure import find_doc_numbers, normalise_doc_number

_TITLED = re.compile(
    r"《(?P<title>[^《》\n]{2,120})》\s*(?:[（(]\s*(?P<number>[^（）()\n]{2,40}?)\s*[)）])?"
)
_ISSUER_BEFORE = re.compile(r"([\u4e00-\u9fff、]{2,30})$")
_ISSUER_WORDS = re.compile(
    r"(?:国务院|办公厅|办公室|人民政府|政府|委员会|党委|[省市县区]委|组织部|编委|人社厅|领导小组|"
    r"办公室|局|厅|部|委|署)$"
)
_NOT_ISSUER = re.compile(r"^(?:根据|按照|依据|贯彻|落实|执行|印发|关于|为|对|将|和|及|与)")
_ISSUED_IN_TITLE = re.compile(r"印发《([^》]+)》")
_ISSUED_HERE = re.compile(
    r"[^。；\n]{0,60}(?:印发给你们|现予印发|印发你们|现印发|予以印发|现将.{0,10}印发)"
)
_LEAD_IN = re.compile(r"^.*?(?:贯彻落实|贯彻|落实|根据|按照|依据|执行|印发|转发|参照|对照)")


def find_citations(text: str, own_title: str | None, own_doc_number: str | None) -> list[Citation]:
    """Return the documents ``text`` cites, in order of first mention, without duplicates.

    The document's own title and 文号 are not citations of it.
    """
    found: list[Citation] = []
    seen_numbers: set[str] = set()
    seen_titles: set[str] = set()
    own_key = _title_key(own_title) if own_title else ""
    issued = {_title_key(t) for t in _ISSUED_IN_TITLE.findall(own_title or "")}
    # 关于印发A和B的通知 without 《》: the issued documents are only recognisable inside the title.
    bare_wrapper = "印发" in (own_title or "") and "《" not in (own_title or "")
    covered: list[tuple[int, int]] = []
    for match in _TITLED.finditer(text):
        title = match.group("title").strip()
        number_text = match.group("number")
        number = normalise_doc_number(number_text) if number_text else None
        covered.append(match.span())
        key = _title_key(title)
        if key == own_key or key in issued or (bare_wrapper and len(key) > 6 and key in own_key):
            continue  # the document itself, or a document it issues (关于印发《X》的通知)
        if _ISSUED_HERE.match(text, match.end()):
            continue  # 《X》已经省政府同意，现印发给你们: the attached document, not a citation
        if len(key) <= 4 and any(k.endswith(key) for k in seen_titles):
            continue  # 《条例》 after 《上海市生活垃圾管理条例》: a short form
        if number and number == own_doc_number:
            continue
        if key in seen_titles or (number and number in seen_numbers):
            continue
        seen_titles.add(key)
        if number:
            seen_numbers.add(number)
        found.append(Citation(title=title, doc_number=number, issuer=_issuer(text, match.start())))
    for found_number in find_doc_numbers(text):
        if any(start <= found_number.start < end for start, end in covered):
            continue
        number = found_number.text
        if number == own_doc_number or number in seen_numbers:
            continue
        seen_numbers.add(number)
        found.append(Citation(title=None, doc_number=number))
    return found


def _title_key(title: str) -> str:
    return re.sub(r"[\s()（）\-—–·〈〉<>]", "", title)


def _issuer(text: str, start: int) -> str | None:
    """The issuing body written just before 《: 国务院《关于…》 -> 国务院."""
    window = text[max(0, start - 30) : start]
    window = re.split(r"[，。；：,;:\n]", window)[-1]
    window = _LEAD_IN.sub("", window)
    match = _ISSUER_BEFORE.search(window)
    if not match:
        return None
    issuer = match.group(1)
    if _NOT_ISSUER.match(issuer) or not _ISSUER_WORDS.search(issuer):
        return None
    return issuer
