"""Document structure: header fields, the outline of numbered items, and which items are clauses.

The outline is built line by line with a stack of marker kinds (一、 > （一） > 1. > （1） …):
a marker already on the stack closes everything below it, a new kind nests under the current
item unless its usual rank is higher (a 一、 after a list of 1. items is not nested in them).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

from policykg.ingest.tables import TableRow, find_tables
from policykg.ingest.units import looks_like_unit_list, split_unit_list

_CN_DIGITS = "一二三四五六七八九十百零〇两"


class MarkerKind(Enum):
    """Kinds of numbering, with their usual rank (smaller is outer)."""

    CHAPTER = 0  # 第一章
    SECTION = 1  # 一、
    ARTICLE = 2  # 第一条
    PAREN_CN = 3  # （一）
    NUMBER = 4  # 1. 1、 1﹒
    PAREN_NUMBER = 5  # （1）
    NUMBER_PAREN = 6  # 1）
    CIRCLED = 7  # ①

    @property
    def rank(self) -> int:
        """Usual nesting rank; ARTICLE and PAREN_CN may nest either way round."""
        return {MarkerKind.ARTICLE: 3}.get(self, self.value)


_MARKERS: list[tuple[MarkerKind, re.Pattern[str], str]] = [
    (MarkerKind.CHAPTER, re.compile(rf"^第\s*([{_CN_DIGITS}\d]+)\s*章\s*(.*)$"), "第{}章"),
    (MarkerKind.SECTION, re.compile(rf"^([{_CN_DIGITS}]{{1,4}})\s*[、．.]\s*(.*)$"), "{}、"),
    (
        MarkerKind.ARTICLE,
        re.compile(rf"^第\s*([{_CN_DIGITS}\d][{_CN_DIGITS}\d ]{{0,8}}?)\s*条\s*(.*)$"),
        "第{}条",
    ),
    (
        MarkerKind.PAREN_CN,
        re.compile(rf"^[（(]\s*([{_CN_DIGITS}]{{1,4}})\s*[)）]\s*(.*)$"),
        "（{}）",
    ),
    (MarkerKind.NUMBER, re.compile(r"^(\d{1,3})\s*[.．、﹒](?![\d０-９])\s*(.*)$"), "{}."),
    (MarkerKind.PAREN_NUMBER, re.compile(r"^[（(]\s*(\d{1,3})\s*[)）]\s*(.*)$"), "（{}）"),
    (MarkerKind.NUMBER_PAREN, re.compile(r"^(\d{1,3})\s*[)）]\s*(.*)$"), "{}）"),
    (MarkerKind.CIRCLED, re.compile(r"^([①-⑳])\s*(.*)$"), "{}"),
]
_MARKER_START = frozenset(_CN_DIGITS + "第（(0123456789①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳")
_ATTACHMENT = re.compile(rf"^附\s*件\s*([{_CN_DIGITS}\d]*)\s*[:：]?\s*$")

# The bracketed year and number of a 文号; the issuer prefix before it is read separately, which is
# much faster than a regex that tries every CJK character as a possible prefix start.
_YEAR_NUMBER = re.compile(
    r"[〔\[［【(（]\s*((?:19|20)\d{2})\s*[〕\]］】)）]\s*第?\s*(\d{1,4})\s*号"
)
_PREFIX_BEFORE = re.compile(r"([\u4e00-\u9fff]{1,12})\s*$")


@dataclass(frozen=True, slots=True)
class DocNumberMatch:
    """A 文号 found in text: its span and its normalised form (``国发〔2019〕11号``)."""

    start: int
    end: int
    text: str


def find_doc_numbers(text: str) -> Iterator[DocNumberMatch]:
    """Yield every 文号 in ``text``, normalised to 〔〕 brackets."""
    for match in _YEAR_NUMBER.finditer(text):
        before = _PREFIX_BEFORE.search(text, max(0, match.start() - 14), match.start())
        if before is None:
            continue
        number = f"{before.group(1)}〔{match.group(1)}〕{match.group(2)}号"
        yield DocNumberMatch(before.start(1), match.end(), number)


_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"((?:19|20)\d{2})[-./](\d{1,2})[-./](\d{1,2})")
_SENTENCE_END = re.compile(r"[。！？；;]")
_ADDRESSEE = re.compile(r"[:：]$")
_ISSUER_SUFFIX = re.compile(
    r"(?:国务院|人民政府|政府|办公厅|办公室|委员会|党委|县委|市委|区委|省委|常委会|人大|局|厅|部|委|署|"
    r"领导小组|管委会|总局|中心)$"
)


@dataclass(frozen=True, slots=True)
class Header:
    """Fields read off the top (and signature) of a document.

    Attributes:
        title: Title lines joined, or None when the document has no recognisable title.
        doc_number: 文号 normalised to 〔〕 brackets, or None.
        issuer: Issuing body, or None.
        date: ``YYYY-MM-DD`` or None.
        body_start: Index of the first line after the header.
    """

    title: str | None
    doc_number: str | None
    issuer: str | None
    date: str | None
    body_start: int


@dataclass(slots=True)
class Node:
    """An item of the outline: a numbered heading or item with its text and children."""

    kind: MarkerKind | None  # None for the root and for parts
    number: str
    label: str
    heading: str
    part: int = 0
    body: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    rows: list[TableRow] = field(default_factory=list)

    @property
    def own_text(self) -> str:
        """Heading line and the paragraphs before the first child."""
        return "\n".join(t for t in (self.heading, *self.body) if t)

    def full_text(self) -> str:
        """Own text followed by every descendant, each with its label."""
        parts = [self.own_text] if self.own_text else []
        parts.extend(f"{child.label}{child.full_text()}" for child in self.children)
        return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class ClauseDraft:
    """A clause before ids and units are assigned."""

    number: str
    label: str
    title: str
    text: str
    path: tuple[str, ...]
    section_index: int | None
    roles: TableRow | None = None
    owners: tuple[str, ...] = ()  # the unit(s) heading the clause's duty section (（一）区交通委)
    heading: str = ""  # the group heading over the clause (（一）统筹两个市场，打造加工制造中心。)


@dataclass(frozen=True, slots=True)
class SectionDraft:
    """A section before ids are assigned."""

    number: str
    title: str
    part: int
    text: str


@dataclass(frozen=True, slots=True)
class Outline:
    """The parsed structure of a document body."""

    preamble: str
    sections: list[SectionDraft]
    clauses: list[ClauseDraft]
    signature: tuple[str, ...] = ()  # the issuer and date lines of signature blocks


def cn_number(text: str) -> str:
    """Normalise a number as written (``1 0`` -> ``10``; Chinese numerals unchanged)."""
    return re.sub(r"\s+", "", text)


def read_header(lines: list[str], front: dict[str, str]) -> Header:
    """Find title, 文号, issuer and date at the top of ``lines`` (front matter wins)."""
    title_lines: list[str] = []
    doc_number = normalise_doc_number(front["doc_number"]) if "doc_number" in front else None
    date = _normalise_date(front.get("date", ""))
    i = 0
    limit = min(len(lines), 12)
    skipped = False  # once a 文号, date or subtitle line is passed, the title is complete
    while i < limit:
        line = lines[i]
        if front.get("title") and _same_title(line, front["title"]):
            i += 1
            continue
        number_match = next(find_doc_numbers(line), None)
        if number_match and len(line) <= number_match.end - number_match.start + 6:
            doc_number = doc_number or number_match.text
            i, skipped = i + 1, True
            continue
        if _is_date_line(line):
            date = date or _normalise_date(line)
            i, skipped = i + 1, True
            continue
        if _looks_like_marker(line) or _ADDRESSEE.search(line) or _SENTENCE_END.search(line):
            break
        if "title" in front or len(line) > 60 or len(title_lines) >= 3 or _DATE.search(line):
            break
        if skipped and title_lines:
            break
        if title_lines and _same_title(line, "".join(title_lines)):
            i += 1  # the title repeated (scraped pages print it twice)
            continue
        if line.startswith(("——", "--", "—")) and title_lines:
            i, skipped = i + 1, True  # subtitle: 在…会议上的报告
            continue
        title_lines.append(line)
        i += 1
    title = front.get("title") or _join_title(title_lines)
    issuer = front.get("issuer") or _issuer_from_title(title)
    if date is None:
        date = _date_anywhere(lines) or _latest_history_date(lines[:20])
    if doc_number is None and title:
        inline = next(find_doc_numbers(title), None)
        if inline:
            doc_number = inline.text
    return Header(title, doc_number, issuer, date, i)


def _join_title(lines: list[str]) -> str | None:
    if not lines:
        return None
    joined = lines[0]
    for line in lines[1:]:
        # Keep the space between two issuers (中共柳河县委 柳河县人民政府) but join a wrapped title.
        joined += (
            " " + line if _ISSUER_SUFFIX.search(joined) and not line.startswith("关于") else line
        )
    return joined.strip()


def _same_title(a: str, b: str) -> bool:
    def key(s: str) -> str:
        return re.sub(r"[\s()（）\-—–·《》〈〉]", "", s)

    return key(a) == key(b)


def _issuer_from_title(title: str | None) -> str | None:
    if not title:
        return None
    head = title.split("关于", 1)[0].strip() if "关于" in title else ""
    return head if head and _ISSUER_SUFFIX.search(head) else None


def _is_date_line(line: str) -> bool:
    stripped = re.sub(r"^[（(]|[)）]$|^(?:时间|日期|发布日期|发布时间)[:：]", "", line.strip())
    match = _DATE.fullmatch(stripped.strip()) or _ISO_DATE.fullmatch(stripped.strip())
    return match is not None


def _normalise_date(text: str) -> str | None:
    match = _DATE.search(text) or _ISO_DATE.search(text)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _date_anywhere(lines: list[str]) -> str | None:
    """A date standing on a line of its own: under the signature or in brackets under the title."""
    for line in lines[:40] + lines[-12:]:
        if _is_date_line(line):
            return _normalise_date(line)
    return None


_HISTORY_LINE = re.compile(
    r"^[（(]?\s*((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日[^。]{0,80}?"
    r"(?:通过|修正|修订|公布|发布|批准|颁布)"
)


def _latest_history_date(lines: list[str]) -> str | None:
    """The latest date of the adoption and revision lines a regulation opens with (1993年2月6日
    …通过 / 2024年9月27日…修正): the date of the version at hand."""
    found = []
    for line in lines:
        match = _HISTORY_LINE.match(line.strip())
        if match:
            year, month, day = (int(g) for g in match.groups())
            if 1 <= month <= 12 and 1 <= day <= 31:
                found.append(f"{year:04d}-{month:02d}-{day:02d}")
    return max(found) if found else None


def normalise_doc_number(text: str) -> str | None:
    """Return the 文号 in ``text`` with 〔〕 brackets (国发[2019]11号 -> 国发〔2019〕11号), or None."""
    found = next(find_doc_numbers(text), None)
    return found.text if found else None


def _looks_like_marker(line: str) -> bool:
    return _marker(line) is not None


def _marker(line: str) -> tuple[MarkerKind, str, str, str] | None:
    """Return (kind, number, label, rest of line) when ``line`` starts with a numbering marker."""
    if not line or line[0] not in _MARKER_START:
        return None
    for kind, pattern, label_format in _MARKERS:
        match = pattern.match(line)
        if match:
            number = cn_number(match.group(1))
            rest = match.group(2).strip()
            if kind is MarkerKind.SECTION and not rest:
                return None  # a bare 一、 line is not a heading
            if kind in (MarkerKind.NUMBER, MarkerKind.NUMBER_PAREN) and not rest:
                return None
            return kind, number, label_format.format(number), rest
    return None


def strip_marker(line: str) -> str:
    """``line`` without the numbering marker it starts with (一、 （十五） 1. 第三条), if any."""
    found = _marker(line)
    return found[3] if found is not None else line


_CHAPTER_THEN_ARTICLE = re.compile(
    rf"^(第\s*[{_CN_DIGITS}\d]+\s*章[^第]{{0,30}}?)[\s\u3000\u2002]{{2,}}(第\s*[{_CN_DIGITS}\d]+\s*条.*)$"
)


def _split_run_on_headings(lines: list[str]) -> list[str]:
    """``第一章　总则　　第一条　为规范…`` on one line becomes two lines."""
    result: list[str] = []
    for line in lines:
        match = _CHAPTER_THEN_ARTICLE.match(line) if line.startswith("第") else None
        if match:
            result.extend((match.group(1).strip(), match.group(2).strip()))
        else:
            result.append(line)
    return result


def build_outline(lines: list[str]) -> Outline:
    """Build the outline of ``lines`` (the body after the header) and pick its clauses."""
    lines = _split_run_on_headings(lines)
    root = Node(kind=None, number="", label="", heading="")
    stack: list[Node] = [root]
    part = 0
    top_kind: MarkerKind | None = None
    last_top_number = ""
    tables = {table.start: table for table in find_tables(lines)}
    signature: list[str] = []
    i = 0
    while i < len(lines):
        table = tables.get(i)
        if table is not None:
            node = Node(kind=None, number=table.name, label=table.name, heading=table.title)
            node.part = part
            node.rows = table.rows
            node.body = list(table.header)  # kept as the table section's text
            root.children.append(node)
            stack = [root]
            i = table.end
            continue
        line = lines[i]
        i += 1
        attachment = _ATTACHMENT.match(line)
        if attachment:
            part += 1
            top_kind, last_top_number = None, ""
            stack = [root]
            continue
        if _SIGNATURE_LINE.match(line) or (
            _ISSUER_LINE.match(line) and i < len(lines) and _SIGNATURE_LINE.match(lines[i])
        ):
            signature.append(line)  # signature block: issuer over a date, 此件公开发布
            continue
        marker = _marker(line) or _continued_number(line, stack)
        if marker is None:
            stack[-1].body.append(line)
            continue
        kind, number, label, rest = marker
        if top_kind is None and kind in (MarkerKind.CHAPTER, MarkerKind.SECTION):
            top_kind = kind
        if kind is top_kind:
            if number in ("一", "1") and last_top_number not in ("", "一", "1"):
                part += 1  # numbering restarts: the next attached document begins
                root.body.extend(_pop_part_heading(root))
            last_top_number = number
        node = Node(kind=kind, number=number, label=label, heading=rest, part=part)
        _place(stack, node)
    outline = _select_clauses(root)
    return Outline(
        outline.preamble, outline.sections, _split_long(outline.clauses), tuple(signature)
    )


LONG_TEXT = 5_000
"""A clause longer than this with no numbered items of its own is split into sentence-sized parts
(a 5 MB document on one line would otherwise be one clause)."""
_PART = 1_000
_SENTENCE_END_AT = re.compile(r"(?<=[。！？；!?;])")


def _split_long(drafts: list[ClauseDraft]) -> list[ClauseDraft]:
    """Each over-long clause (no table row) becomes parts of about :data:`_PART` characters,
    cut after a sentence, numbered ``N-1``, ``N-2`` …; nothing of the text is lost."""
    result: list[ClauseDraft] = []
    for draft in drafts:
        if len(draft.text) <= LONG_TEXT or draft.roles is not None:
            result.append(draft)
            continue
        parts: list[str] = []
        for sentence in _SENTENCE_END_AT.split(draft.text):
            rest = sentence
            while len(rest) > _PART:  # a sentence longer than a part is cut where it must be
                parts.append(rest[:_PART])
                rest = rest[_PART:]
            if parts and len(parts[-1]) + len(rest) <= _PART:
                parts[-1] += rest
            elif rest:
                parts.append(rest)
        for k, part in enumerate(parts, start=1):
            result.append(
                dataclasses.replace(
                    draft,
                    number=f"{draft.number}-{k}",
                    label=f"{draft.label}（{k}）",
                    title=clause_title(part),
                    text=part,
                    path=(*draft.path, str(k)),
                )
            )
    return result


_NUMBER_BEFORE_DIGIT = re.compile(r"^(\d{1,3})[.．](?=\d)(.*)$")
# Lines of a signature block: a date, 此件公开发布 notes, 抄送/印发 lines.
_SIGNATURE_LINE = re.compile(
    r"^(?:[（(]此件[^）)]{0,10}[)）]|抄送[:：].*|[^，。]{0,40}\d{4}年\d{1,2}月\d{1,2}日印发|"
    r"[（(]?(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日[)）]?)$"
)
_ISSUER_LINE = re.compile(
    r"^[\u4e00-\u9fff（）()]{0,40}(?:国务院|人民政府|办公厅|办公室|委员会|局|厅|部|委|署|领导小组)$"
)


def _continued_number(line: str, stack: list[Node]) -> tuple[MarkerKind, str, str, str] | None:
    """``11.121人才梯队项目`` is item 11 when item 10 came just before it."""
    match = _NUMBER_BEFORE_DIGIT.match(line)
    if not match:
        return None
    previous = next((n for n in reversed(stack) if n.kind is MarkerKind.NUMBER), None)
    if previous is None or not previous.number.isdigit():
        return None
    if int(match.group(1)) != int(previous.number) + 1:
        return None
    number = match.group(1)
    return MarkerKind.NUMBER, number, f"{number}.", match.group(2).strip()


def _pop_part_heading(root: Node) -> list[str]:
    """Take the title and preamble of the next attached document off the end of the last section.

    In a 通知 carrying two documents, the second one's title and preamble come after the first
    one's last section, before its own 一、. They begin at the last title-like line (short, no
    sentence punctuation) of that section's trailing paragraphs.
    """
    if not root.children:
        return []
    last = root.children[-1]
    while last.children:
        last = last.children[-1]
    body = last.body
    for i in range(len(body) - 1, -1, -1):
        line = body[i]
        if (
            len(line) <= 50
            and not re.search(r"[。；;，,：:]", line)
            and not _ISSUER_LINE.match(line)
        ):
            moved = body[i:]
            del body[i:]
            return moved
    return []


def _place(stack: list[Node], node: Node) -> None:
    kinds = [n.kind for n in stack]
    if node.kind in kinds:
        del stack[kinds.index(node.kind) :]
    else:
        assert node.kind is not None
        while (
            len(stack) > 1 and stack[-1].kind is not None and stack[-1].kind.rank > node.kind.rank
        ):
            stack.pop()
    stack[-1].children.append(node)
    stack.append(node)


def _select_clauses(root: Node) -> Outline:
    sections: list[SectionDraft] = []
    clauses: list[ClauseDraft] = []
    preamble = "\n".join(root.body)
    top_level = [c for c in root.children]
    has_sections = any(
        c.kind in (MarkerKind.CHAPTER, MarkerKind.SECTION) or c.rows for c in top_level
    )
    if not top_level:
        # No numbering at all: every paragraph is a clause of one implicit section.
        sections.append(SectionDraft("", "", 0, ""))
        for n, paragraph in enumerate(_join_annotation_lines(root.body), start=1):
            clauses.append(_paragraph_clause(paragraph, n, ("", str(n)), 0))
        return Outline("", sections, clauses)
    if not has_sections:
        sections.append(SectionDraft("", "", 0, ""))
        for child in top_level:
            clauses.extend(_emit(child, (), 0))
        return Outline(preamble, sections, clauses)
    for node in top_level:
        index = len(sections)
        if node.rows:
            sections.append(
                SectionDraft(node.number, node.heading, node.part, "\n".join(node.body))
            )
            clauses.extend(_table_clauses(node, index))
            continue
        if node.kind not in (MarkerKind.CHAPTER, MarkerKind.SECTION):
            # An item outside any section (e.g. before the first 一、): a clause of its own.
            sections.append(SectionDraft("", "", node.part, ""))
            clauses.extend(_emit(node, (), index))
            continue
        title, first_paragraph = _split_heading(node.heading)
        body = ([first_paragraph] if first_paragraph else []) + node.body
        prefix = (f"p{node.part}",) if node.part else ()
        section_path = (*prefix, node.number)
        owners = duty_heading_units(node.heading, node.kind)
        if node.children:
            sections.append(SectionDraft(node.number, title, node.part, "\n".join(body)))
            for child in node.children:
                clauses.extend(_emit(child, section_path, index, owners))
        elif not node.body:
            # A section that is one item of text (一、凡国旗和区旗同时升挂…。): a clause itself.
            sections.append(SectionDraft(node.number, title, node.part, ""))
            clauses.append(_clause(node, node.heading, section_path, index))
        else:
            sections.append(SectionDraft(node.number, title, node.part, ""))
            for n, paragraph in enumerate(_join_annotation_lines(body), start=1):
                clauses.append(_paragraph_clause(paragraph, n, (*section_path, str(n)), index))
    return Outline(preamble, sections, clauses)


_CAPTION = re.compile(r"^(?:续?表|图)\s*[0-9０-９一二三四五六七八九十]+")
_NOTE = re.compile(r"^(?:注|备注|说明)\s*[0-9]*\s*[：:]?")
_CELL = 30  # a line this short without a sentence's end, inside a table, is one of its cells


def _join_annotation_lines(paragraphs: list[str]) -> list[str]:
    """Paragraphs that belong to the one before them: a line that is only a role annotation,
    and a data table flattened one cell per line (表1 …, its cells, a 注 under it, a 图1 caption):
    the table stays with the paragraph it illustrates instead of making a clause of each cell."""
    joined: list[str] = []
    in_table = False
    for paragraph in paragraphs:
        line = paragraph.strip()
        if joined and _ANNOTATION_HINT.fullmatch(line):
            joined[-1] += "\n" + paragraph
            continue
        if joined and _CAPTION.match(line):
            in_table = True
        elif in_table and not (
            _NOTE.match(line) or (len(line) <= _CELL and line[-1:] not in "。；;")
        ):
            in_table = False
        if in_table:
            joined[-1] += "\n" + paragraph
        else:
            joined.append(paragraph)
    return joined


def _emit(
    node: Node,
    parent_path: tuple[str, ...],
    section_index: int,
    owners: tuple[str, ...] = (),
    heading: str = "",
) -> Iterator[ClauseDraft]:
    path = (*parent_path, node.number)
    heading_only = _is_heading_only(node)
    heading_units = duty_heading_units(node.heading, node.kind)
    if not node.children:
        yield _clause(
            node,
            node.own_text,
            path,
            section_index,
            owners=heading_units or owners,
            heading=heading,
        )
        return
    if heading_units and (
        heading_only
        or _ALIAS_AFTER.sub("", node.heading.strip()) == "、".join(heading_units)
        or (len(heading_units) == 1 and node.heading.strip().startswith(heading_units[0]))
    ):
        # A duty section headed by a unit (（一）区交通委): its numbered duties are its clauses,
        # and an introduction before them (区绿化市容局是…，主要履行以下职责：) one more, so no
        # text is lost.
        if node.body or _ALIAS_AFTER.sub("", node.heading.strip()) != "、".join(heading_units):
            yield _clause(node, node.own_text, path, section_index, owners=heading_units)
        for child in node.children:
            yield from _emit(child, path, section_index, heading_units)
        return
    if heading_only or any(_carries_annotation(d) for d in _descendants(node)):
        # Children carry the assigned work: they are the clauses. The item itself is one too
        # only when it is assigned work of its own; otherwise it is a group heading.
        if not heading_only and (
            _carries_annotation(node) or _has_text(node) or node.kind is MarkerKind.ARTICLE
        ):
            # Assigned work of its own, or text beyond its heading: a clause too (no text lost).
            yield _clause(node, node.own_text, path, section_index, owners=owners, heading=heading)
        # A group heading is kept on the clauses under it.
        group = f"{node.label}{node.heading}" if heading_only else heading
        for child in node.children:
            yield from _emit(child, path, section_index, owners, group)
        return
    if (
        node.kind is not MarkerKind.ARTICLE
        and node.body
        and _ANNOUNCES_LIST.search(node.body[-1])
        and all(c.kind in (MarkerKind.PAREN_CN, MarkerKind.NUMBER) for c in node.children)
    ):
        # An introduction that announces a list (主要履行以下职责：, 应加强源头分类工作：): it and each
        # numbered item under it (1., （一）; sub-items （1） stay in their item) are clauses.
        yield _clause(node, node.own_text, path, section_index, owners=owners, heading=heading)
        group = f"{node.label}{node.heading}"
        for child in node.children:
            yield from _emit(child, path, section_index, owners, group)
        return
    yield _clause(
        node, node.full_text(), path, section_index, owners=heading_units or owners, heading=heading
    )


# An introduction announcing the duties listed under it (主要履行以下职责：, 应加强源头分类工作：).
_ANNOUNCES_LIST = re.compile(r"(?:职责|工作|任务)(?:如下)?\s*[：:]\s*$")
_DUTY_HEADING = re.compile(r"^(?P<unit>[^，,。；;：:]{2,60}?)(?:[。：:]|$)")
# A duty section is headed by government bodies: a body's ending (局, 委, 办, 管委会, 街道办事处,
# 部门 …), usually after a place (区交通委, 各街镇), never a task (加强…, 打造…中心).
_DUTY_UNIT = re.compile(
    r"^(?:各|国家|中共)?[\u4e00-\u9fff]{0,24}?(?:局|委|委员会|办|办公室|厅|署|管委会|中心|人民政府|"
    r"政府|办事处|街道|街镇|镇|乡|支队|大队|分局|总局|专班|领导小组|工作组|指挥部|部门|经开区|开发区|高新区)$"
)
_TASK_WORDS = re.compile(
    r"^(?:有关|相关|其他|聚力|打造|加强|推进|完善|建立|健全|强化|提升|开展|实施|深化|推动|促进|优化|"
    r"落实|构建|做好|加快|发挥|培育|支持|鼓励|严把|严格|全面|积极|大力|坚持|统筹|创新|成立|关于|努力|"
    r"设立|组建|形成|争创|建设(?![管局委部厅主])|营造|巩固|着力|切实|深入|进一步)|(?:格局|布局|大局)$"
)
_ALIAS_AFTER = re.compile(r"[（(][^（）()]{1,10}[)）]$")
_DUTY_KINDS = (None, MarkerKind.SECTION, MarkerKind.PAREN_CN, MarkerKind.NUMBER)


def duty_heading_units(heading: str, kind: MarkerKind | None = None) -> tuple[str, ...]:
    """The units a duty-section heading names (``区交通委``; ``区房管局。负责…``; ``区建管委、区交通委等
    建设主管部门``), else ``()``.

    Only a heading numbered 一、, （一） or 1. heads a duty section (a chapter or an article of a
    regulation does not), and only government bodies do.
    """
    if kind not in _DUTY_KINDS:
        return ()
    match = _DUTY_HEADING.match(heading.strip())
    if not match:
        return ()
    name = _ALIAS_AFTER.sub("", match.group("unit").strip())  # 区公安分局（交管）
    if re.search(r"[（）()]", name) or not looks_like_unit_list(name):
        return ()
    # 区建管委、区房管局等建设主管部门: the group named after 等 is one more heading unit.
    name = re.sub(r"等(?=[\u4e00-\u9fff]{2,}(?:部门|单位)$)", "、", name)
    units = [u.name for u in split_unit_list(name)]
    if not units or any(_TASK_WORDS.match(u) or not _DUTY_UNIT.match(u) for u in units):
        return ()
    return tuple(units)


def _has_text(node: Node) -> bool:
    """The item says more than a heading: a paragraph of its own, or a sentence after it."""
    return bool(node.body) or bool(_split_heading(node.heading)[1])


def _descendants(node: Node) -> Iterator[Node]:
    for child in node.children:
        yield child
        yield from _descendants(child)


_ANNOTATION_HINT = re.compile(
    r"[（(][^（）()]*(?:牵头|负责(?!人)|责任单位|配合单位|责任部门|配合部门|支撑单位|参与单位)[^（）()]*[)）]"
)


def _carries_annotation(node: Node) -> bool:
    return _ANNOTATION_HINT.search(node.own_text) is not None


def _is_heading_only(node: Node) -> bool:
    # An article is always a clause, and a heading ending in ： introduces its own list items.
    if node.body or not node.children or node.kind is MarkerKind.ARTICLE:
        return False
    if node.heading.endswith(("：", ":")):
        return False
    heading = node.heading.rstrip("。.；;")
    return len(heading) <= 40 and not _SENTENCE_END.search(heading)


def _split_heading(heading: str) -> tuple[str, str]:
    """Split ``一、总体要求。当前…`` into the title and the text that follows it."""
    match = _SENTENCE_END.search(heading)
    if not match or match.end() == len(heading):
        return heading.rstrip("。：:；;"), ""
    return heading[: match.start()], heading[match.end() :].strip()


def clause_title(text: str, limit: int = 50) -> str:
    """First sentence of a clause, without its final punctuation, at most ``limit`` characters."""
    first_line = text.split("\n", 1)[0]
    match = re.search(r"[。！？；;：:]", first_line)
    title = first_line[: match.start()] if match else first_line
    title = title.strip()
    return title if len(title) <= limit else title[: limit - 1] + "…"


def _clause(
    node: Node,
    text: str,
    path: tuple[str, ...],
    section_index: int,
    *,
    owners: tuple[str, ...] = (),
    heading: str = "",
) -> ClauseDraft:
    return ClauseDraft(
        number=node.number,
        label=node.label,
        title=clause_title(text),
        text=text,
        path=path,
        section_index=section_index,
        owners=owners,
        heading=heading,
    )


def _paragraph_clause(
    paragraph: str, n: int, path: tuple[str, ...], section_index: int
) -> ClauseDraft:
    return ClauseDraft(
        number=str(n),
        label=f"第{n}段",
        title=clause_title(paragraph),
        text=paragraph,
        path=path,
        section_index=section_index,
    )


def _table_clauses(node: Node, section_index: int) -> Iterator[ClauseDraft]:
    for row in node.rows:
        text = row.text
        yield ClauseDraft(
            number=row.number,
            label=f"{node.number}第{row.number}项" if node.number else f"第{row.number}项",
            title=clause_title(row.task or row.content),
            text=text,
            path=(f"p{node.part}" if node.part else "", node.number, row.number),
            section_index=section_index,
            roles=row,
        )
