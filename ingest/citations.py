"""Citations: 《title》(文号) references and bare 文号 references to other documents, each with
its kind (basis, implements, amends, repeals, cites) read from the sentence that makes it."""

from __future__ import annotations

import dataclasses
import re

from policykg.ingest.model import CITATION_STRENGTH, Citation
from policykg.ingest.structure import find_doc_numbers, normalise_doc_number

_NOTICE = r"(?:的(?:通知|决定|意见|批复|函))?"
"""《X》的通知（文号）: the notice that issued X, named by its 文号 (as repeals often name them)."""
_TITLED = re.compile(
    rf"《(?P<title>[^《》\n]{{2,120}})》\s*(?:{_NOTICE}\s*[（(]\s*(?P<number>[^（）()\n]{{2,40}}?)\s*[)）])?"
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
        kind, sentence = citation_kind(text, match.start(), match.end())
        short_of = next((k for k in seen_titles if len(key) <= 4 and k.endswith(key)), None)
        if short_of is not None:  # 《条例》 after 《上海市生活垃圾管理条例》: a short form
            _strengthen(found, kind, sentence, title=short_of, number=None)
            continue
        if number and number == own_doc_number:
            continue
        if key in seen_titles or (number and number in seen_numbers):
            _strengthen(found, kind, sentence, title=key, number=number)
            continue
        seen_titles.add(key)
        if number:
            seen_numbers.add(number)
        found.append(
            Citation(
                title=title,
                doc_number=number,
                issuer=_issuer(text, match.start()),
                kind=kind,
                sentence=sentence,
            )
        )
    for found_number in find_doc_numbers(text):
        if any(start <= found_number.start < end for start, end in covered):
            continue
        number = found_number.text
        if number == own_doc_number:
            continue
        kind, sentence = citation_kind(text, found_number.start, found_number.end)
        if number in seen_numbers:
            _strengthen(found, kind, sentence, title=None, number=number)
            continue
        seen_numbers.add(number)
        found.append(Citation(title=None, doc_number=number, kind=kind, sentence=sentence))
    return found


# -- kinds --------------------------------------------------------------------------------------

_SENTENCE_BREAK = re.compile(r"[。；;！？!?\n]")
_CLAUSE_BREAK = re.compile(r"[，,：:。；;！？!?\n]")
_CITED = rf"(?:《[^《》]*》|[\u4e00-\u9fff]{{1,8}}〔\d{{4}}〕\d+号)(?:\s*{_NOTICE}\s*[（(][^（）()]{{0,40}}[)）])?"
_LISTED_BEFORE = re.compile(rf"(?:{_CITED}\s*(?:[、，,]|和|及|以及|与|或)\s*)+$")
_LISTED_AFTER = re.compile(
    rf"^(?:\s*{_NOTICE}\s*[（(][^（）()]{{0,40}}[)）])?"
    rf"(?:\s*(?:[、，,]|和|及|以及|与)[^《》。；;]{{0,80}}?{_CITED})*"  # 和…发布的《Y》
)
_REPEALED_AFTER = re.compile(
    r"^(?:(?!需要|应当|可以)[^《》。；;]){0,16}?(?<![、])"
    r"(?:废止|不再执行|停止执行|同时失效|自行失效|不再施行|停止施行)"
)
_REPEALS_BEFORE = re.compile(r"(?:废止|撤销|宣布失效)(?:了)?$")
_AMENDS_BEFORE = re.compile(r"(?<!关于)(?:修改|修订|修正)(?:了)?$")
"""Not 关于修改《X》的决定 named in a revision history: that decision amended X, not this text."""
_AMENDED_AFTER = re.compile(r"^[^《》。；;]{0,8}?(?:作|做|进行)(?:如下|以下|了)?(?:修改|修订|修正)")
_LEAD_VERB = re.compile(r"贯彻|落实|根据|依据|按照|依照|遵照|遵循|遵守|违反|[按依]$")
_IMPLEMENTING_DOC = re.compile(
    r"制定(?:了)?本?(?:实施意见|实施方案|实施办法|实施细则|若干措施|工作方案|行动方案|细则)"
)


def citation_kind(text: str, start: int, end: int) -> tuple[str, str]:
    """What the sentence around ``text[start:end]`` (a cited title or 文号) does with it.

    Returns the kind (see :data:`~policykg.ingest.model.CITATION_KINDS`) and the sentence. Read
    in order: 《X》(、《Y》)同时废止 / 废止《X》 -> repeals; 修改《X》 / 对《X》作如下修改 -> amends;
    the last lead verb of the title's own clause: 贯彻 / 落实 -> implements, 根据 / 依据 / 按照 /
    依照 / 遵守 / 违反 (the rule applied) -> basis (implements when the sentence makes a 实施意见
    / 实施方案 of it); else cites (参照《X》管理 only refers to it).
    """
    sentence_start = max((m.end() for m in _SENTENCE_BREAK.finditer(text, 0, start)), default=0)
    found_end = _SENTENCE_BREAK.search(text, end)
    sentence_end = found_end.end() if found_end else len(text)
    sentence = text[sentence_start:sentence_end].strip()
    before = text[sentence_start:start]
    after = text[end:sentence_end]
    listed = _LISTED_BEFORE.search(before)
    head = before[: listed.start()] if listed else before
    tail = after[_LISTED_AFTER.match(after).end() :]  # type: ignore[union-attr]  # matches ""
    if _REPEALED_AFTER.match(tail) or _REPEALS_BEFORE.search(head):
        return "repeals", sentence
    if _AMENDS_BEFORE.search(head) or _AMENDED_AFTER.match(tail):
        return "amends", sentence
    clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(head)), default=0)
    verbs = _LEAD_VERB.findall(head[clause_start:])
    if verbs:
        if verbs[-1] in ("贯彻", "落实"):
            return "implements", sentence
        return ("implements" if _IMPLEMENTING_DOC.search(sentence) else "basis"), sentence
    return "cites", sentence


def _strengthen(
    found: list[Citation], kind: str, sentence: str, *, title: str | None, number: str | None
) -> None:
    """A repeated mention: keep the strongest kind (and its sentence) on the first citation."""
    for i, citation in enumerate(found):
        same = (title is not None and citation.title and _title_key(citation.title) == title) or (
            number is not None and citation.doc_number == number
        )
        if same:
            if CITATION_STRENGTH[kind] > CITATION_STRENGTH[citation.kind]:
                found[i] = dataclasses.replace(citation, kind=kind, sentence=sentence)
            return


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
