"""The words of every answer, in Chinese and in English, apart from how the answer is found.

Each function takes what a handler found and returns the answer text in the question's language
(``zh`` or ``en``), citing 《policy title》 and clause marker for every statement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from policykg.graph.base import PolicySummary, UnitSummary
from policykg.ingest.model import Role, Unit
from policykg.service.answers.model import CitedClause


def policy_label(policy: PolicySummary) -> str:
    """《title》（文号）, or whichever of them the policy has, else its id."""
    title = f"《{policy.title}》" if policy.title and policy.title != policy.doc_number else ""
    number = f"（{policy.doc_number}）" if policy.doc_number else ""
    return (title + number) or policy.id


def cite_list(
    clauses: Sequence[CitedClause],
    language: str,
    *,
    intro_zh: str = "",
    intro_en: str = "",
    with_units: bool = False,
    with_deadline: bool = False,
) -> str:
    """The clauses cited one after another: 《title》（十五）clause title; …

    ``with_units`` adds each clause's lead units, ``with_deadline`` its time limit.
    """
    parts = []
    for clause in clauses:
        item = f"{clause.citation}{clause.title}"
        notes = []
        if with_units and clause.lead_units:
            label = "牵头" if language == "zh" else "lead"
            notes.append(f"{label}：{'、'.join(clause.lead_units)}" if language == "zh" else
                         f"{label}: {'、'.join(clause.lead_units)}")  # fmt: skip
        if with_deadline and clause.deadline:
            notes.append(
                f"时限：{clause.deadline}" if language == "zh" else f"due: {clause.deadline}"
            )
        if notes:
            item += f"（{'；'.join(notes)}）" if language == "zh" else f" ({'; '.join(notes)})"
        parts.append(item)
    if language == "en":
        return intro_en + " " + "; ".join(parts) + "."
    return intro_zh + "；".join(parts) + "。"


def unit_duties(
    per_unit: list[tuple[Unit, list[CitedClause]]], role: Role | None, language: str, topic: str
) -> str:
    """A unit question's answer: counts and citations per unit, grouped by jurisdiction."""
    places = list(dict.fromkeys(u.jurisdiction for u, _ in per_unit))
    blocks = []
    for unit, clauses in per_unit:
        blocks.append(_unit_block(unit, clauses, role, language, topic))
    if len(places) > 1:
        name = "、".join(dict.fromkeys(u.name for u, _ in per_unit))
        if language == "en":
            head = f"{name} exists in {len(places)} jurisdictions; answered for each:"
            return (
                head
                + "\n"
                + "\n".join(
                    f"[{u.jurisdiction}] {b}" for (u, _), b in zip(per_unit, blocks, strict=True)
                )
            )
        head = f"{name}见于 {len(places)} 个辖区，按辖区分列："
        return (
            head
            + "\n"
            + "\n".join(
                f"【{u.jurisdiction}】{b}" for (u, _), b in zip(per_unit, blocks, strict=True)
            )
        )
    return "\n".join(blocks)


def _unit_block(
    unit: Unit, clauses: list[CitedClause], role: Role | None, language: str, topic: str
) -> str:
    leads = [c for c in clauses if c.role == Role.LEAD.value]
    shares = [c for c in clauses if c.role == Role.RESPONSIBLE.value]
    if language == "en":
        about = f" on “{topic}”" if topic else ""
        if not clauses:
            wanted = {Role.LEAD: "leads no", Role.RESPONSIBLE: "shares no"}.get(
                role or Role.MENTION, "has no"
            )
            return f"{unit.name} {wanted} task{about} in the stored documents."
        parts = []
        if leads:
            parts.append(f"leads {len(leads)}:" + cite_list(leads, "en").rstrip("."))
        if shares:
            parts.append(f"shares {len(shares)}:" + cite_list(shares, "en").rstrip("."))
        counts = f"{unit.name} leads {len(leads)} and shares {len(shares)} task(s){about}"
        return counts + ". It " + "; it ".join(parts) + "."
    about = f"在“{topic}”方面" if topic else ""
    if not clauses:
        wanted = {Role.LEAD: "没有牵头的", Role.RESPONSIBLE: "没有参与的"}.get(
            role or Role.MENTION, "没有承担的"
        )
        return f"{unit.name}{about}{wanted}工作（库中文件未见）。"
    parts = []
    if leads:
        parts.append("牵头：" + cite_list(leads, "zh"))
    if shares:
        parts.append("参与：" + cite_list(shares, "zh"))
    return f"{unit.name}{about}牵头 {len(leads)} 项、参与 {len(shares)} 项工作。" + "".join(parts)


def due(
    per_unit: Sequence[tuple[Unit | None, Sequence[CitedClause], int]],
    by: str,
    role: Role | None,
    language: str,
    shown: int,
) -> str:
    """Tasks with a time limit (by the date ``by`` when given), soonest first.

    ``per_unit`` holds (unit, its dated clauses, how many clauses it has in all) for a unit
    question, or a single (None, dated clauses, 0) for the whole store; ``shown`` caps the clauses
    cited per group.
    """
    lines = []
    for unit, clauses, total in per_unit:
        listed = clauses[:shown]
        more = len(clauses) - len(listed)
        if language == "en":
            scope = f" due by {by}" if by else " with a time limit"
            who = (
                f"{unit.name} {_EN_ROLE.get(role, 'has')}" if unit else "The stored documents have"
            )
            if not clauses:
                counted = f" (of {total} task(s))" if unit and total else ""
                lines.append(f"{who} no task{scope}{counted}.")
                continue
            text = f"{who} {len(clauses)} task(s){scope}, soonest first:"
            text += cite_list(listed, "en", with_units=unit is None, with_deadline=True)
            lines.append(text + (f" ({more} more not listed.)" if more else ""))
            continue
        scope = f"在 {by} 前到期" if by else "规定了时限"
        if not clauses:
            if unit is None:
                lines.append(f"库中文件没有{scope}的工作。")
            else:
                counted = f"（共 {total} 项）" if total else ""
                lines.append(
                    f"{unit.name}{_ZH_ROLE.get(role, '承担的')}工作中没有{scope}的{counted}。"
                )
            continue
        who = f"{unit.name}{_ZH_ROLE.get(role, '承担的')}工作中" if unit else "库中文件"
        text = f"{who}有 {len(clauses)} 项工作{scope}，按时限先后："
        text += cite_list(listed, "zh", with_units=unit is None, with_deadline=True)
        lines.append(text + (f"另有 {more} 项未列出。" if more else ""))
    return "\n".join(lines)


_EN_ROLE: dict[Role | None, str] = {Role.LEAD: "leads", Role.RESPONSIBLE: "shares"}
_ZH_ROLE: dict[Role | None, str] = {Role.LEAD: "牵头的", Role.RESPONSIBLE: "参与的"}


def shared(names: list[str], groups: list[tuple[str, list[CitedClause]]], language: str) -> str:
    """What the named units share, per jurisdiction."""
    joined = "、".join(names)
    if not groups or not any(c for _, c in groups):
        return (
            f"No clause names all of {joined} together."
            if language == "en"
            else f"{joined}没有共同承担的条款。"
        )
    lines = []
    for place, clauses in groups:
        prefix = (f"[{place}] " if language == "en" else f"【{place}】") if len(groups) > 1 else ""
        if language == "en":
            lines.append(
                f"{prefix}{joined} share {len(clauses)} clause(s):" + cite_list(clauses, "en")
            )
        else:
            lines.append(
                f"{prefix}{joined}共同承担 {len(clauses)} 项工作：" + cite_list(clauses, "zh")
            )
    return "\n".join(lines)


def who_leads(leads: list[str], clauses: Sequence[CitedClause], language: str) -> str:
    """Who leads a topic, citing the clause that says so (or that no lead is named)."""
    if language == "en":
        if not leads:
            named = "、".join(dict.fromkeys(u for c in clauses for u in c.responsible_units))
            return (
                "No lead unit is named for this;"
                + (f" responsible: {named}." if named else "")
                + cite_list(clauses, "en")
            )
        return f"Led by {'、'.join(leads)}:" + cite_list(clauses, "en", with_units=False)
    if not leads:
        named = "、".join(dict.fromkeys(u for c in clauses for u in c.responsible_units))
        return (
            "相关条款未指定牵头单位"
            + (f"，责任单位为{named}" if named else "")
            + "："
            + cite_list(clauses, "zh")
        )
    return f"由{'、'.join(leads)}牵头：" + cite_list(clauses, "zh")


def ranking(
    ranking: list[UnitSummary],
    *,
    ties: list[UnitSummary],
    role: Role | None,
    scope_zh: str,
    scope_en: str,
    language: str,
) -> str:
    """Who has the most tasks in a scope, and the top five."""
    if language == "en":
        measure = {
            Role.LEAD: "leads the most tasks",
            Role.RESPONSIBLE: "shares the most tasks",
        }.get(role or Role.MENTION, "has the most tasks")
        top = " and ".join(f"{s.unit.name} ({s.unit.jurisdiction})" for s in ties)
        table = "; ".join(f"{s.unit.name}: leads {s.lead}, shares {s.responsible}" for s in ranking)
        return f"{scope_en.capitalize()}, {top} {measure}. Ranking: {table}."
    measure = {Role.LEAD: "牵头任务最多", Role.RESPONSIBLE: "参与任务最多"}.get(
        role or Role.MENTION, "承担任务最多"
    )
    top = "、".join(f"{s.unit.name}（{s.unit.jurisdiction}）" for s in ties)
    table = "；".join(f"{s.unit.name} 牵头 {s.lead} 项、参与 {s.responsible} 项" for s in ranking)
    return f"{scope_zh}，{top}{measure}。排名：{table}。"


def collaborators(
    unit: Unit,
    partners: list[tuple[str, int]],
    first_shared: Sequence[CitedClause],
    language: str,
) -> str:
    """The units ``unit`` shares most clauses with, and the clauses shared with the first."""
    if language == "en":
        listing = "; ".join(f"{name} ({weight} shared clauses)" for name, weight in partners)
        text = (
            f"{unit.name} works most with: {listing}."
            if partners
            else f"{unit.name} shares no clause with another unit."
        )
    else:
        listing = "；".join(f"{name}（共同 {weight} 项）" for name, weight in partners)
        text = (
            f"与{unit.name}合作最多的单位：{listing}。"
            if partners
            else f"{unit.name}没有与其他单位共同承担的条款。"
        )
    if first_shared:
        text += cite_list(
            first_shared,
            language,
            intro_zh="其中与排名第一者共同承担：",
            intro_en=" Shared with the first: ",
        )
    return text


def clarify(mentioned: str, names: list[str], language: str) -> str:
    """A name that may mean several units: which one?"""
    if language == "en":
        return f"“{mentioned}” may mean several units: {', '.join(names)}. Which one do you mean?"
    return f"“{mentioned}”可能指以下单位：{'、'.join(names)}。请说明是哪一个。"


def cites(
    policy: PolicySummary, related: Sequence[PolicySummary], cited_by: bool, language: str
) -> str:
    """What a policy cites (or what cites it), saying how many are known only from citations."""
    stubs = sum(p.stub for p in related)
    if language == "en":
        verb = "is cited by" if cited_by else "cites"
        listing = "; ".join(policy_label(p) for p in related) or "nothing in this store"
        text = f"《{policy.title}》 {verb} {len(related)} document(s): {listing}."
        if stubs:
            text += f" {stubs} of them are not ingested yet (known only from the citation)."
        return text
    verb = "被以下文件引用" if cited_by else "引用了"
    listing = "；".join(policy_label(p) for p in related) or "（无）"
    text = f"《{policy.title}》{verb} {len(related)} 份文件：{listing}。"
    if stubs:
        text += f"其中 {stubs} 份尚未收录，仅见于引用。"
    return text


def closest(
    clauses: Sequence[CitedClause],
    language: str,
    source: CitedClause | None = None,
    evidence: Sequence[str] = (),
) -> str:
    """A retrieval answer: the clauses closest to the question, with their lead units, and the
    sentences of one of them (``source``) that answer the question."""
    quoted = "".join(f"“{s}”" for s in evidence)
    if language == "en":
        text = "The clauses closest to the question:" + cite_list(clauses, "en", with_units=True)
        return text + (f"\nFrom {source.citation}: {quoted}" if source and evidence else "")
    text = "与问题最相关的条款：" + cite_list(clauses, "zh", with_units=True)
    return text + (f"\n其中{source.citation}写道：{quoted}" if source and evidence else "")


def named_only(name: str, clauses: Sequence[CitedClause], language: str) -> str:
    """A name with no assigned role that clauses mention: where it is named."""
    if language == "en":
        return (
            f"{name} has no assigned role (it leads or shares no task); it is named in these "
            f"{len(clauses)} clause(s):" + cite_list(clauses, "en")
        )
    return (
        f"{name}没有被指定牵头或参与的工作；它在以下 {len(clauses)} 个条款中被提及："
        + cite_list(clauses, "zh")
    )


def not_found(
    what: str, name: str, nearest: list[str], clauses: Sequence[CitedClause], language: str
) -> str:
    """Nothing answers: say so, with the nearest unit names and clauses."""
    if language == "en":
        subject = (
            f"the unit “{name}”"
            if name
            else ("that policy" if what == "policy" else "this question")
        )
        text = f"Not found: nothing in the store answers {subject}."
        if nearest:
            text += f" Nearest units: {', '.join(nearest)}."
        if clauses:
            text += " Nearest clauses:" + cite_list(clauses, "en")
        return text
    subject = f"“{name}”" if name else ("该文件" if what == "policy" else "这个问题")
    text = f"未找到：库中没有关于{subject}的内容。"
    if nearest:
        text += f"相近的单位：{'、'.join(nearest)}。"
    if clauses:
        text += "最接近的条款：" + cite_list(clauses, "zh")
    return text


def no_jurisdiction(name: str, known: Sequence[str], language: str) -> str:
    """The jurisdiction the question was limited to is not one in the store."""
    if language == "en":
        return f"Not found: no jurisdiction “{name}” in the store (it holds: {'、'.join(known)})."
    return f"未找到：库中没有辖区“{name}”（现有：{'、'.join(known)}）。"


def keeps_citations(original: str, rewritten: str) -> bool:
    """A rewording keeps every 《title》 and clause marker the original cites."""
    cited = set(re.findall(r"《[^》]+》", original)) | set(
        re.findall(r"[（(][一二三四五六七八九十百]+[)）]|第[^条]{1,6}条", original)
    )
    return all(c in rewritten for c in cited)
