"""Role annotations: which units lead a clause and which share it.

Recognised forms (full- or half-width brackets and colons):

- ``（牵头单位：X。责任单位：Y）``, ``（牵头单位：X，配合单位：Y）``, ``（牵头单位：X，支撑单位：Y）``,
  ``（责任单位：X）``, ``（负责部门：X；适用范围：…）``, ``（牵头考核单位：X）``, and the same
  ``key：units`` forms on a line of their own;
- ``（X牵头，Y配合）``, ``（由X牵头，Y参与）``;
- ``（X、Y负责）``, where the first unit leads once the document says 列第一位者为牵头单位 /
  排在第一位的部门为牵头部门 (the note holds for the rest of the document: 下同).

One unit in charge leads: ``（X负责）``, ``（责任单位：X）`` and ``（负责部门：X）`` naming a single unit
make it lead; several units named so, with no lead marked, all share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policykg.ingest.units import UnitName, split_unit_list

# Annotation keys and the role they give. 牵头领导/责任人 name people, not units, and are skipped.
LEAD_KEYS = ("牵头单位", "牵头部门", "牵头考核单位", "牵头机构", "主责单位", "主办单位", "主责部门")
RESPONSIBLE_KEYS = (
    "责任单位",
    "责任部门",
    "配合单位",
    "配合部门",
    "协办单位",
    "协同单位",
    "支撑单位",
    "参与单位",
    "参与部门",
    "负责部门",
    "负责单位",
    "实施单位",
    "实施主体",
    "责任主体",
)
# Keys naming the units in charge of a clause (not partners): one unit named so leads it.
IN_CHARGE_KEYS = frozenset(
    {"责任单位", "责任部门", "负责部门", "负责单位", "实施单位", "实施主体", "责任主体"}
)
_KEY_ALTERNATION = "|".join(sorted(LEAD_KEYS + RESPONSIBLE_KEYS, key=len, reverse=True))
_KEY = re.compile(rf"({_KEY_ALTERNATION})\s*[:：]\s*")
_OTHER_KEY = re.compile(r"[，,；;。]\s*[^，,；;。、:：\s]{2,8}\s*[:：]")
_LEAD_NOTE = re.compile(
    r"[，,。；;]?\s*(?:列|排在|排名)?第一位(?:者|的)?(?:部门|单位)?为牵头(?:单位|部门)[，,]?\s*(?:下同)?[。.]?"
)
_LEAD_NOTE_ANYWHERE = re.compile(r"第一位(?:者|的)?(?:部门|单位)?为牵头(?:单位|部门)")
_GROUP = re.compile(r"[（(]((?:[^（）()\n]|[（(][^（）()\n]*[)）])*)[)）]")
_STANDALONE = re.compile(rf"^\s*(?:{_KEY_ALTERNATION})\s*[:：]")
_LEADS_FORM = re.compile(
    r"^(?:由)?(?P<lead>.+?)(?:牵头负责|牵头)(?:[，,；;、]\s*(?P<resp>.+?)"
    r"(?:配合|参与|协助|协同|共同负责|负责|按职责分工负责|按职责分工落实))?[。.]?$"
)
_RESPONSIBLE_FORM = re.compile(
    r"^(?P<units>[^。！？:：]+?)(?:按职责分工|按职能分工|按照职责分工|分别|共同)?"
    r"(?:负责落实|负责|落实)[。.]?$"
)
_PERSON_KEYS = re.compile(
    r"(?:牵头领导|责任领导|分管领导|责任人|联系人|完成时限|时间节点|完成时间)[:：]"
)


@dataclass(frozen=True, slots=True)
class Annotation:
    """Units named with a role in one annotation.

    Attributes:
        start: Offset of the annotation in the text it was found in.
        end: Offset just past it.
        leads: Units named as lead.
        responsible: Units named as responsible.
    """

    start: int
    end: int
    leads: tuple[UnitName, ...] = ()
    responsible: tuple[UnitName, ...] = ()


@dataclass(slots=True)
class AnnotationReader:
    """Finds role annotations in a document's clauses, in document order.

    Stateful on purpose: once a document states that the first-listed unit leads, that holds for
    every later ``（X、Y负责）`` annotation in it.
    """

    first_listed_leads: bool = False

    def read(self, text: str) -> list[Annotation]:
        """Return the annotations in ``text`` (a clause or paragraph), in order."""
        if _LEAD_NOTE_ANYWHERE.search(text):
            self.first_listed_leads = True
        annotations: list[Annotation] = []
        for line_start, line in _lines_with_offsets(text):
            if _STANDALONE.match(line):
                found = self._keyed(line)
                if found:
                    annotations.append(_at(found, line_start, line_start + len(line)))
                continue
            if not _might_annotate(line):
                continue
            for match in _GROUP.finditer(line):
                found = self._group(match.group(1))
                if found:
                    start = line_start + match.start()
                    annotations.append(_at(found, start, line_start + match.end()))
        return annotations

    def _group(self, inner: str) -> tuple[list[UnitName], list[UnitName]] | None:
        inner = inner.strip()
        if _KEY.search(inner):
            return self._keyed(inner)
        body = _LEAD_NOTE.sub("", inner).strip()
        if "牵头" in body:
            match = _LEADS_FORM.match(body)
            if match:
                leads = _units_only(match.group("lead"))
                responsible = _units_only(match.group("resp") or "")
                if leads is not None and responsible is not None and leads:
                    return leads, responsible
            return None
        match = _RESPONSIBLE_FORM.match(body)
        if not match:
            return None
        units = _units_only(match.group("units"))
        if not units:
            return None
        if self.first_listed_leads or len(units) == 1:
            return units[:1], units[1:]  # the first-listed unit leads; one unit in charge leads
        return [], units

    def _keyed(self, text: str) -> tuple[list[UnitName], list[UnitName]] | None:
        matches = list(_KEY.finditer(text))
        if not matches:
            return None
        leads: list[UnitName] = []
        responsible: list[UnitName] = []
        in_charge = all(m.group(1) in IN_CHARGE_KEYS for m in matches)
        for i, match in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
            value = text[match.end() : end]
            other = _OTHER_KEY.search(value)
            if other:
                value = value[: other.start()]
            person = _PERSON_KEYS.search(value)
            if person:
                value = value[: person.start()]
            units = split_unit_list(value)
            target = leads if match.group(1) in LEAD_KEYS else responsible
            target.extend(units)
        if not leads and not responsible:
            return None
        if not leads and in_charge and len(responsible) == 1:
            return responsible, []  # one unit in charge (责任单位：X, 负责部门：X) leads
        lead_names = {u.name for u in leads}
        return leads, [u for u in responsible if u.name not in lead_names]


def _units_only(text: str) -> list[UnitName] | None:
    """Split ``text`` into units, or None when any part of it is not a unit (then it is prose)."""
    if not text.strip():
        return []
    units = split_unit_list(text)
    pieces = [p for p in re.split(r"[、，,；;]", text) if p.strip()]
    if not units or len(units) < len(pieces):
        return None
    return units


def _might_annotate(line: str) -> bool:
    return ("负责" in line or "牵头" in line or "落实" in line or ":" in line or "：" in line) and (
        "(" in line or "（" in line
    )


def _lines_with_offsets(text: str) -> list[tuple[int, str]]:
    result = []
    offset = 0
    for line in text.split("\n"):
        result.append((offset, line))
        offset += len(line) + 1
    return result


def _at(found: tuple[list[UnitName], list[UnitName]], start: int, end: int) -> Annotation:
    leads, responsible = found
    return Annotation(start, end, tuple(leads), tuple(responsible))
