"""From raw text to a :class:`~ingest.model.Policy`: header, outline, roles, units, citations."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from policykg.ingest import ids
from policykg.ingest.citations import find_citations
from policykg.ingest.cleaning import drop_clutter, split_front_matter
from policykg.ingest.deadlines import find_deadline
from policykg.ingest.errors import EmptyDocumentError, IngestError
from policykg.ingest.jurisdiction import detect, resolve_name, undetermined
from policykg.ingest.model import (
    Clause,
    Jurisdiction,
    Level,
    Policy,
    RoleEvidence,
    RoleSource,
    Section,
    Unit,
)
from policykg.ingest.readers import RawDocument
from policykg.ingest.roles import AnnotationReader
from policykg.ingest.statements import Statement, read_statements
from policykg.ingest.structure import ClauseDraft, Header, Outline, build_outline, read_header
from policykg.ingest.units import (
    UnitName,
    UnitRepairer,
    is_bare_type,
    split_unit_list,
    unit_kind,
    unit_level,
)
from policykg.ingest.validity import read_validity

# Abbreviations that mean the same place within one document (经开区 = 经济技术开发区).
BUILTIN_ABBREVIATIONS: dict[str, str] = {
    "经济技术开发区": "经开区",
    "高新技术产业开发区": "高新区",
    "经济开发区": "经开区",
}
_DEFINED_ABBREVIATION = re.compile(r"[（(](?:以下)?简称[“\"「]?([^”\"」）)，,]{1,10})[”\"」]?[)）]")
_MAX_MENTION_NAMES = 4000


@dataclass(slots=True)
class KnownUnits:
    """Unit names already known per jurisdiction, to repair typos and find mentions.

    The ingest pipeline fills it from the store and from every document parsed so far, so a typo
    in one document is repaired against the spelling used in others of the same jurisdiction.
    """

    _by_jurisdiction: dict[str, UnitRepairer] = field(default_factory=dict)

    def repairer(self, jurisdiction: str) -> UnitRepairer:
        """The repairer for ``jurisdiction`` (created empty on first use)."""
        return self._by_jurisdiction.setdefault(jurisdiction, UnitRepairer())

    def add(self, jurisdiction: str, names: list[str]) -> None:
        """Record ``names`` as seen in ``jurisdiction``."""
        self.repairer(jurisdiction).add(names)


@dataclass(slots=True)
class _UnitBook:
    """Canonical names and aliases of the units one document names."""

    repairer: UnitRepairer
    abbreviations: dict[str, str]
    aliases: dict[str, set[str]] = field(default_factory=dict)

    def canonical(self, unit: UnitName) -> str:
        name = self._abbreviate(unit.name)
        name = self.repairer.expand_short_form(self.repairer.repair(name))
        spelled = self.aliases.setdefault(name, set())
        for alias in (unit.name, unit.written, *unit.aliases):
            # A bare type (单位, 管委会) written before its qualifier was carried over names no
            # unit on its own: it is not an alias.
            if alias and alias != name and 3 <= len(alias) <= 40 and not is_bare_type(alias):
                spelled.add(alias)
        return name

    def _abbreviate(self, name: str) -> str:
        for long, short in self.abbreviations.items():
            if long in name:
                return name.replace(long, short)
        return name


def parse_document(
    raw: RawDocument,
    *,
    jurisdiction: str | None = None,
    known_units: KnownUnits | None = None,
) -> Policy:
    """Parse one document into a policy.

    Args:
        raw: The document's text, as read by :mod:`ingest.readers`.
        jurisdiction: A jurisdiction name given by the user; overrides what the text says.
        known_units: Units known from other documents; updated with this document's units.

    Raises:
        IngestError: When the text holds no policy (nothing but a title, say).
    """
    front, body = split_front_matter(raw.text)
    lines = [line for line in drop_clutter(body).split("\n") if line]
    if not lines:
        raise EmptyDocumentError(
            "no text left after removing front matter and page chrome", raw.source
        )
    header = read_header(lines, front.fields)
    outline = build_outline(lines[header.body_start :])
    if not outline.clauses:
        raise IngestError("no clauses or paragraphs found (only a title?)", raw.source)
    title = header.title or outline.clauses[0].title
    content = "\n".join([title, header.doc_number or "", *lines])
    place = _jurisdiction(
        jurisdiction,
        front=front.fields.get("jurisdiction"),
        header=header,
        title=title,
        head=lines[:12],
        signature=outline.signature,
    )
    # The jurisdiction is part of the id: the same text filed under a corrected jurisdiction is
    # a new version of the document, not the same one. So is the parser's version: the same
    # file read by a parser that reads it differently replaces what an older one stored.
    policy_key = ids.policy_id(content + "\n" + place.name + "\n" + PARSER_VERSION)
    known = known_units if known_units is not None else KnownUnits()
    roles = _read_roles(outline, regulation=bool(_REGULATION_TITLE.search(title)))
    repairer = known.repairer(place.name)
    repairer.add(u.name for found in roles for u in (*found.leads, *found.responsible))
    book = _UnitBook(repairer, _abbreviations("\n".join(lines)))
    sections = tuple(
        Section(
            id=ids.clause_id(policy_key, (f"s{i}",)),
            policy_id=policy_key,
            number=s.number,
            title=s.title,
            order=i,
            part=s.part,
            text=s.text,
        )
        for i, s in enumerate(outline.sections)
    )
    clauses = _build_clauses(policy_key, outline, roles, book, sections)
    known.add(place.name, [n for c in clauses for n in (*c.lead_units, *c.responsible_units)])
    full_text = _document_text(outline.preamble, sections, clauses)
    validity = read_validity("\n".join([full_text, *outline.signature]), header.date)
    return Policy(
        id=policy_key,
        title=title,
        doc_number=header.doc_number,
        issuer=header.issuer,
        date=header.date,
        source=raw.source,
        jurisdiction=place,
        sections=sections,
        clauses=tuple(clauses),
        citations=tuple(find_citations(full_text, title, header.doc_number)),
        units=_units(clauses, book, place),
        preamble=outline.preamble,
        metadata=front.extra
        + ((("signature", "\n".join(outline.signature)),) if outline.signature else ()),
        effective=validity.effective,
        expires=validity.expires,
        validity_evidence=validity.evidence,
    )


def _document_text(preamble: str, sections: Sequence[Section], clauses: Sequence[Clause]) -> str:
    """The text citations and validity are read from, in document order: the preamble, then each
    section's own text (a 附则 without numbered items, say) before its clauses."""
    by_section: dict[str, list[str]] = {}
    for clause in clauses:
        by_section.setdefault(clause.section_id, []).append(clause.text)
    parts = [preamble, *by_section.pop("", [])]
    for section in sections:
        parts += [section.text, *by_section.pop(section.id, [])]
    for rest in by_section.values():  # clauses of a section not listed (none expected)
        parts += rest
    return "\n".join(p for p in parts if p)


def _jurisdiction(
    given: str | None,
    *,
    front: str | None,
    header: Header,
    title: str,
    head: list[str],
    signature: tuple[str, ...],
) -> Jurisdiction:
    if given:
        return resolve_name(given)
    found = detect(
        front=front,
        issuer=header.issuer,
        title=title,
        doc_number=header.doc_number,
        header_lines=head,
        signature=signature,
    )
    return found or undetermined(title)


@dataclass(slots=True)
class _FoundRoles:
    """The units one clause gives a role, with where each was read (by the name as written)."""

    leads: list[UnitName] = field(default_factory=list)
    responsible: list[UnitName] = field(default_factory=list)
    evidence: dict[str, tuple[RoleSource, str]] = field(default_factory=dict)

    def add(self, lead: bool, units: Iterable[UnitName], source: RoleSource, sentence: str) -> None:
        for unit in units:
            if unit.name in self.evidence:
                self._keep_aliases(unit)  # the first statement of a unit's role stands, except:
                if lead and source in _SENTENCES and self.evidence[unit.name][0] in _SENTENCES:
                    self._to_lead(unit.name, source, sentence)  # a later sentence: lead wins
                continue
            (self.leads if lead else self.responsible).append(unit)
            self.evidence[unit.name] = (source, sentence.strip()[:300])

    def _to_lead(self, name: str, source: RoleSource, sentence: str) -> None:
        """Move a listed responsible unit to the leads, its role now read from ``sentence`` (区绿化
        市容局、区建设管理委负责… then 区建设管理委负责…); a unit not listed as responsible is left."""
        listed = next((u for u in self.responsible if u.name == name), None)
        if listed is not None:
            self.responsible.remove(listed)
            self.leads.append(listed)
            self.evidence[name] = (source, sentence.strip()[:300])

    def lead_in_text(self, statements: list[Statement]) -> None:
        """Where an annotation or a table cell names several units and no lead, a sentence of the
        clause saying one of them is in charge (区建设管理委负责指导推进…) makes it lead (lead wins;
        its source is then the sentence). Units the text alone names are not added."""
        if self.leads:
            return
        for statement in statements:
            for unit in statement.leads:
                self._to_lead(unit.name, RoleSource.PROSE, statement.sentence)
            # 各相关行业管理部门按照职责…: the kinds of department the sentence gives the shared work
            # (a placeholder naming a kind of body), where no annotation lists them.
            extra = [
                u for u in statement.responsible if u.name.startswith("各") and len(u.name) >= 5
            ]
            self.add(False, extra, RoleSource.PROSE, statement.sentence)

    def _keep_aliases(self, unit: UnitName) -> None:
        """Add the other names ``unit`` was written with to the unit already listed."""
        for units in (self.leads, self.responsible):
            for i, listed in enumerate(units):
                if listed.name == unit.name:
                    extra = tuple(a for a in unit.aliases if a not in listed.aliases)
                    if extra:
                        units[i] = UnitName(listed.name, listed.written, (*listed.aliases, *extra))


PARSER_VERSION = "14.21"
"""How documents are read. Raise it with every change to what the parser makes of a document
(clauses, roles, sources, deadlines, units): a policy's id includes it, so ingesting the same
files again after an upgrade re-reads them and replaces the stored versions (their embeddings
come from the cache)."""

_SENTENCES = (RoleSource.PROSE,)  # in a regulation the first article naming a unit decides
_ARTICLE_LABEL = re.compile(r"^第.+条$")
# A section that assigns duties: a sentence there whose subject is a unit states that unit's duty.
_DUTY_SECTION = re.compile(r"职责分工|部门职责|工作分工|任务分工|职责任务|分工负责|工作职责")
_ASSISTS = re.compile(r"^(?:配合|协助|协同)")


_REGULATION_TITLE = re.compile(r"(?:条例|办法|规定|细则|规则)(?:[（(][^）)]*[)）])?$")


def _read_roles(outline: Outline, *, regulation: bool = False) -> list[_FoundRoles]:
    """Lead and responsible units of each clause, in clause order, with their sources.

    A clause's annotation or table row gives its roles; a clause without one takes them from its
    duty-section heading and from its sentences (prose, or the articles of a regulation: a
    document whose title names it a 条例, 办法, 规定, 细则 or 规则).
    """
    reader = AnnotationReader()
    reader.read(outline.preamble)  # a 列第一位者为牵头单位 note may stand in the preamble
    found: list[_FoundRoles] = []
    for draft in outline.clauses:
        roles = _FoundRoles()
        found.append(roles)
        if draft.roles is not None:
            cell = draft.roles
            roles.add(True, split_unit_list(cell.lead), RoleSource.TABLE, cell.lead)
            roles.add(False, split_unit_list(cell.responsible), RoleSource.TABLE, cell.responsible)
            roles.lead_in_text(read_statements(draft.text))
            continue
        annotated_to = 0
        for annotation in reader.read(draft.text):
            span = draft.text[annotation.start : annotation.end]
            roles.add(True, annotation.leads, RoleSource.ANNOTATION, span)
            roles.add(False, annotation.responsible, RoleSource.ANNOTATION, span)
            annotated_to = max(annotated_to, annotation.end)
        if roles.evidence:
            # Only the text the annotation closes: a paragraph after it (各地区…要…) is not its task.
            roles.lead_in_text(read_statements(draft.text[:annotated_to]))
            continue
        article = regulation and _ARTICLE_LABEL.match(draft.label)
        source = RoleSource.REGULATION if article else RoleSource.PROSE
        section = (
            outline.sections[draft.section_index].title if draft.section_index is not None else ""
        )
        duty = bool(_DUTY_SECTION.search(section) or _DUTY_SECTION.search(draft.heading))
        statements = read_statements(draft.text, owner=bool(draft.owners), duty=duty)
        if draft.owners and not _names_one_of(draft.owners, statements):
            # One unit heading its duties leads them (shares a duty that only assists); several
            # units heading one section share its duties.
            owners = [u for name in draft.owners for u in split_unit_list(name)[:1]]
            assists = bool(_ASSISTS.match(draft.text.strip()))
            heading = "、".join(draft.owners)
            roles.add(len(owners) == 1 and not assists, owners, RoleSource.SECTION, heading)
        for statement in statements:
            leads, responsible = statement.leads, statement.responsible
            if draft.owners:
                # 区绿化市容局是…主管部门 under the heading 虹口区绿化和市容管理局: the heading's unit.
                leads = tuple(_as_owner(u, draft.owners) for u in leads)
                responsible = tuple(_as_owner(u, draft.owners) for u in responsible)
            roles.add(True, leads, source, statement.sentence)
            roles.add(False, responsible, source, statement.sentence)
    return found


def _names_one_of(owners: tuple[str, ...], statements: list[Statement]) -> bool:
    """A section headed by a group (各街道办事处) whose clause names one of its members
    (提篮桥街道办事处负责…): the member holds the duty, not the whole group."""
    groups = [o.removeprefix("各") for o in owners if o.startswith("各") and len(o) > 3]
    named = [u.name for s in statements for u in (*s.leads, *s.responsible)]
    return any(n.endswith(g) and not n.startswith("各") for g in groups for n in named)


def _as_owner(unit: UnitName, owners: tuple[str, ...]) -> UnitName:
    """The unit heading the section when ``unit`` is its short form, else ``unit``."""
    fits = [owner for owner in owners if is_short_form(unit.name, owner)]
    if len(fits) != 1:
        return unit
    return UnitName(fits[0], fits[0], (*unit.aliases, unit.name))


def is_short_form(short: str, long: str) -> bool:
    """``short`` is ``long`` shortened (区住建委 / 上海市松江区住房和城乡建设委员会, 区房管局 /
    虹口区住房保障和房屋管理局): the same level, the rest of its characters in order in the long
    name's, and the same kind of body at the end."""
    if len(short) < 4 or len(short) >= len(long) or short[0] not in "区县市镇乡":
        return False
    level = long.find(short[0])
    if level < 0:
        return False
    body = long[level + 1 :]
    body = body.removesuffix("员会") if body.endswith("委员会") else body
    body = body.removesuffix("公室") if body.endswith("办公室") else body
    if short[-1] != body[-1]:
        return False
    rest = iter(body)
    return all(char in rest for char in short[1:])


def _abbreviations(text: str) -> dict[str, str]:
    """Long form -> short form, from (以下简称X) definitions and the built-in pairs."""
    pairs = {
        long: short
        for long, short in BUILTIN_ABBREVIATIONS.items()
        if long in text and short in text
    }
    for match in _DEFINED_ABBREVIATION.finditer(text):
        short = match.group(1).strip()
        before = text[max(0, match.start() - 24) : match.start()]
        start = before.rfind(short[0])
        if start >= 0 and len(before) - start > len(short):
            long = before[start:]
            if re.fullmatch(r"[\u4e00-\u9fff]+", long):
                pairs.setdefault(long, short)
    return pairs


def _build_clauses(
    policy_key: str,
    outline: Outline,
    roles: list[_FoundRoles],
    book: _UnitBook,
    sections: tuple[Section, ...],
) -> list[Clause]:
    canonical_roles = []
    for found in roles:
        named = {u.name: book.canonical(u) for u in (*found.leads, *found.responsible)}
        leads = _unique([named[u.name] for u in found.leads])
        responsible = [
            u for u in _unique([named[u.name] for u in found.responsible]) if u not in leads
        ]
        evidence: dict[str, RoleEvidence] = {}
        for written, canonical in named.items():
            source, sentence = found.evidence[written]
            evidence.setdefault(canonical, RoleEvidence(canonical, source, sentence))
        canonical_roles.append(
            (leads, responsible, tuple(evidence[u] for u in (*leads, *responsible)))
        )
    mention_pattern = _mention_pattern(book)
    clauses: list[Clause] = []
    used_ids: Counter[str] = Counter()
    for order, (draft, (leads, responsible, sources)) in enumerate(
        zip(outline.clauses, canonical_roles, strict=True)
    ):
        clause_key = ids.clause_id(policy_key, draft.path)
        used_ids[clause_key] += 1
        if used_ids[clause_key] > 1:
            clause_key = f"{clause_key}~{used_ids[clause_key]}"
        section = outline.sections[draft.section_index] if draft.section_index is not None else None
        clauses.append(
            Clause(
                id=clause_key,
                policy_id=policy_key,
                section_number=section.number if section else "",
                number=draft.number,
                marker=draft.label,
                title=draft.title,
                text=draft.text,
                order=order,
                path=tuple(p for p in draft.path if p),
                lead_units=tuple(leads),
                responsible_units=tuple(responsible),
                mentioned_units=_mentions(draft, mention_pattern, book, {*leads, *responsible}),
                role_sources=sources,
                deadline=(draft.roles.deadline if draft.roles is not None else "")
                or find_deadline(draft.text),
                heading=draft.heading,
                section_id=sections[draft.section_index].id
                if draft.section_index is not None
                else "",
            )
        )
    return clauses


def _mention_pattern(book: _UnitBook) -> tuple[list[str], dict[str, str]] | None:
    """Every name (canonical, alias, unique short form) of the known units, longest first, and
    the unit each names. (Plain substring search: compiling one regex over them cost more than
    all the searches in a document.)"""
    names: dict[str, str] = {}
    canonical = list(book.aliases)
    for name in canonical:
        names[name] = name
        for alias in book.aliases[name]:
            names.setdefault(alias, name)
    tails: dict[str, set[str]] = {}
    for name in canonical:
        level = unit_level(name)
        if level is not Level.UNKNOWN and len(name) >= 4 and name[0] in "县区市省":
            tails.setdefault(name[1:], set()).add(name)
    for tail, owners in tails.items():
        if len(owners) == 1 and len(tail) >= 3:
            names.setdefault(tail, next(iter(owners)))
    if not names:
        return None
    ordered = sorted(names, key=len, reverse=True)[:_MAX_MENTION_NAMES]
    return ordered, names


def _mentions(
    draft: ClauseDraft,
    pattern: tuple[list[str], dict[str, str]] | None,
    book: _UnitBook,
    with_roles: set[str],
) -> tuple[str, ...]:
    """Known units the clause names without a role, in text order: at each place the longest
    name written there, names not overlapping."""
    if pattern is None or draft.roles is not None:
        return ()
    ordered, names = pattern
    text = _strip_annotations(draft.text)
    hits: list[tuple[int, int, str]] = []
    for written in ordered:
        start = text.find(written)
        while start >= 0:
            hits.append((start, -len(written), written))
            start = text.find(written, start + 1)
    hits.sort()
    found: list[str] = []
    end = -1
    for start, negative_length, written in hits:
        if start < end:
            continue  # inside a longer name already taken
        end = start - negative_length
        name = names[written]
        if name not in with_roles and name not in found and unit_kind(name).value != "placeholder":
            found.append(name)
    return tuple(found)


_ANNOTATION_SPAN = re.compile(
    r"[（(][^（）()]*(?:牵头|负责|责任单位|配合|单位[:：]|部门[:：])[^（）()]*[)）]"
)


def _strip_annotations(text: str) -> str:
    return _ANNOTATION_SPAN.sub("", text)


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _units(clauses: list[Clause], book: _UnitBook, place: Jurisdiction) -> tuple[Unit, ...]:
    named: dict[str, None] = {}
    for clause in clauses:
        for name in (*clause.lead_units, *clause.responsible_units, *clause.mentioned_units):
            named.setdefault(name, None)
    return tuple(
        Unit(
            id=ids.unit_id(place.name, name),
            name=name,
            jurisdiction=place.name,
            aliases=tuple(sorted(book.aliases.get(name, ()))),
            level=unit_level(name, place.level),
            kind=unit_kind(name),
        )
        for name in named
    )
