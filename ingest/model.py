"""Domain types shared by every package: policies, sections, clauses, units, roles, citations.

All are frozen dataclasses. Ids are content hashes (see :mod:`ingest.ids`), so parsing the same
document twice yields equal values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from policykg.ingest.deadlines import deadline_date


class Role(StrEnum):
    """How a unit relates to a clause."""

    LEAD = "lead"  # 牵头单位 / 牵头部门
    RESPONSIBLE = "responsible"  # 责任单位 / 配合单位 / 参与单位 / 支撑单位
    MENTION = "mention"  # named in the clause text, not in its annotation


class UnitKind(StrEnum):
    """What sort of body a unit is."""

    DEPARTMENT = "department"  # 局, 委, 办, 厅, 部, 署, 总局 …
    PARTY_ORGAN = "party_organ"  # 县委组织部, 县委编办, 团市委 …
    ZONE_COMMITTEE = "zone_committee"  # 高新区管委会, 开发区党工委 …
    GOVERNMENT = "government"  # 县人民政府, 各市人民政府 …
    TOWNSHIP = "township"  # 乡镇政府, 街道办事处 …
    ORGANISATION = "organisation"  # enterprises, associations, banks, groups
    PLACEHOLDER = "placeholder"  # 有关部门, 有关乡镇政府, 相关街镇, 各区


class Level(StrEnum):
    """Administrative level of a jurisdiction or unit."""

    NATIONAL = "国家"
    PROVINCE = "省"
    CITY = "市"
    DISTRICT = "区"
    COUNTY = "县"
    UNKNOWN = "未知"


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """The government a document belongs to (松江区, 包头市, 安徽省, 国家).

    Attributes:
        name: Canonical name, e.g. ``上海市松江区`` or ``包头市``. A document whose jurisdiction
            cannot be told gets a scope of its own whose name starts with ``未定辖区``.
        level: Administrative level.
        parent: Name of the enclosing jurisdiction (松江区 -> 上海市), or None.
        determined: False for a document's own fallback scope.
        evidence: Where the jurisdiction was read from (``front matter``, ``文号 prefix`` …).
    """

    name: str
    level: Level = Level.UNKNOWN
    parent: str | None = None
    determined: bool = True
    evidence: str = ""


@dataclass(frozen=True, slots=True)
class Unit:
    """A government unit, keyed by jurisdiction and canonical name.

    Attributes:
        id: ``jurisdiction/name``; the same name in two jurisdictions is two units.
        name: Canonical name (typos repaired, compounds split).
        jurisdiction: Name of the jurisdiction the unit belongs to.
        aliases: Other spellings seen in documents (the original spelling of a repaired typo,
            the parenthetical alternative name, the long form of an abbreviation).
        level: Level prefix the name carries (县/区/市/省/国家).
        kind: What sort of body it is.
    """

    id: str
    name: str
    jurisdiction: str
    aliases: tuple[str, ...] = ()
    level: Level = Level.UNKNOWN
    kind: UnitKind = UnitKind.DEPARTMENT


@dataclass(frozen=True, slots=True)
class Citation:
    """A reference from one policy to another: 《title》(文号) or a bare 文号.

    Attributes:
        title: Title inside 《》 without the brackets, or None for a bare 文号.
        doc_number: 文号 such as ``冀字〔2019〕8号``, or None.
        issuer: Issuing body named just before the title, when the text gives one.
        kind: What the citing document does with the cited one, read from the sentence of its
            first mention: one of :data:`CITATION_KINDS`.
        sentence: That sentence (the evidence of ``kind``), or None when not recorded.
    """

    title: str | None
    doc_number: str | None
    issuer: str | None = None
    kind: str = "cites"
    sentence: str | None = None


CITATION_KINDS = ("basis", "implements", "amends", "repeals", "cites")
"""What a citing document does with a cited one: takes it as its legal basis (根据《X》),
carries it out (为贯彻落实《X》), changes it (修改《X》), ends it (《X》同时废止), or only
mentions it. ``replaces`` (a newer version of the same title from the same issuer) is a relation
between stored documents, not read from a sentence."""
CITATION_STRENGTH = {"repeals": 4, "amends": 3, "implements": 2, "basis": 1, "cites": 0}
"""One document cited twice (in the preamble, then in the last article; by title, then by 文号)
keeps the strongest kind: a repeal outweighs a mention."""


class RoleSource(StrEnum):
    """Where a unit's role in a clause was read from."""

    ANNOTATION = "annotation"  # （牵头单位：X。责任单位：Y）, （X负责）, a 负责部门：X line
    TABLE = "table"  # a 牵头单位 / 责任单位 / 推进单位 column of a task table
    SECTION = "section"  # the unit heads a duty section (（一）区交通委 then its duties)
    PROSE = "prose"  # a sentence: 由X牵头，Y配合 / X负责… / X会同Y…
    REGULATION = "regulation"  # an article: X主管部门负责… / 按照各自职责…


@dataclass(frozen=True, slots=True)
class RoleEvidence:
    """Where one unit's role in a clause came from.

    Attributes:
        unit: Canonical name of the unit.
        source: The form the role was stated in.
        sentence: The annotation, cell, heading or sentence it was read from.
    """

    unit: str
    source: RoleSource
    sentence: str = ""


@dataclass(frozen=True, slots=True)
class Clause:
    """One clause of a policy: a numbered item, an article, a task-table row or a paragraph.

    Attributes:
        id: Policy id plus the clause's path in the document.
        policy_id: Id of the policy the clause belongs to.
        section_number: Number of the enclosing section (``一``), or ``""`` before any section.
        number: Bare number: ``（十五）`` -> ``十五``, ``1.`` -> ``1``, ``第三条`` -> ``三``.
        marker: The number as it is cited: ``（十五）``, ``1.``, ``第三条``, ``第2段``.
        title: First sentence of the clause text, without its final punctuation.
        text: Full clause text after the number marker, role annotation included.
        order: Position of the clause in the policy, from 0.
        path: Numbers of the enclosing headings and of the clause, outermost first.
        lead_units: Canonical names of units named as lead (牵头), in the order written.
        responsible_units: Canonical names of units named as responsible (责任/配合/参与).
        mentioned_units: Canonical names of known units named in the text but not in the annotation.
        section_id: Id of the enclosing section.
        role_sources: Where each lead and responsible unit's role was read from.
        deadline: The time limit the clause states, as written (a 完成时限 cell, 2025年底前,
            长期坚持), or ``""``.
        heading: The group heading over the clause (（一）统筹两个市场，打造加工制造中心。), or ``""``.
    """

    id: str
    policy_id: str
    section_number: str
    number: str
    marker: str
    title: str
    text: str
    order: int
    path: tuple[str, ...] = ()
    lead_units: tuple[str, ...] = ()
    responsible_units: tuple[str, ...] = ()
    mentioned_units: tuple[str, ...] = ()
    section_id: str = ""
    role_sources: tuple[RoleEvidence, ...] = ()
    deadline: str = ""
    heading: str = ""

    @property
    def deadline_date(self) -> str:
        """The last day :attr:`deadline` allows, ``YYYY-MM-DD`` (2025年底前 -> 2025-12-31), or ``""``."""
        return deadline_date(self.deadline) if self.deadline else ""

    def source_of(self, unit_name: str) -> RoleSource | None:
        """Where ``unit_name``'s role in this clause was read from, if it has one."""
        return next((r.source for r in self.role_sources if r.unit == unit_name), None)

    def role_of(self, unit_name: str) -> Role | None:
        """Return the strongest role ``unit_name`` has in this clause, or None."""
        if unit_name in self.lead_units:
            return Role.LEAD
        if unit_name in self.responsible_units:
            return Role.RESPONSIBLE
        if unit_name in self.mentioned_units:
            return Role.MENTION
        return None


@dataclass(frozen=True, slots=True)
class Section:
    """A top-level section of a policy (一、… or 第X章).

    Attributes:
        id: Policy id plus the section's path.
        policy_id: Id of the policy.
        number: Bare number (``一``), or ``""`` for the implicit section of an unsectioned text.
        title: Heading text after the number.
        order: Position among the policy's sections, from 0.
        part: Index of the document part (a 通知 may carry several attached documents).
        text: The section's own text before its numbered items (its introduction), if any.
    """

    id: str
    policy_id: str
    number: str
    title: str
    order: int
    part: int = 0
    text: str = ""


@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed policy document.

    Attributes:
        id: Stable hash of the normalised document text.
        title: Document title.
        doc_number: 文号, e.g. ``冀字〔2019〕8号``, or None.
        issuer: Issuing body, or None.
        date: Publication date as ``YYYY-MM-DD`` (or as precise as the text gives), or None.
        source: Where the document came from (file name or upload name).
        jurisdiction: The government the document belongs to.
        sections: Sections in document order.
        clauses: Clauses in document order.
        citations: Documents this policy cites, in order of first mention, without duplicates.
        units: Every unit the policy names (in roles or mentions), canonical, with aliases.
        preamble: Text before the first section (purpose, legal basis); not a clause.
        metadata: Extra front-matter fields as given (层级, 类型, 官方链接 …).
        effective: The day the document says it takes effect (自…起施行; 自印发之日起施行 is its
            date), ``YYYY-MM-DD``, or None when it does not say.
        expires: The last day of the term it states (有效期至…, 有效期5年), or None.
        validity_evidence: The sentences ``effective`` and ``expires`` were read from.
    """

    id: str
    title: str
    doc_number: str | None
    issuer: str | None
    date: str | None
    source: str
    jurisdiction: Jurisdiction
    sections: tuple[Section, ...] = ()
    clauses: tuple[Clause, ...] = ()
    citations: tuple[Citation, ...] = ()
    units: tuple[Unit, ...] = ()
    preamble: str = ""
    metadata: tuple[tuple[str, str], ...] = field(default=())
    effective: str | None = None
    expires: str | None = None
    validity_evidence: str = ""

    def clause(self, clause_id: str) -> Clause | None:
        """Return the clause with ``clause_id``, or None."""
        return next((c for c in self.clauses if c.id == clause_id), None)
