"""The words of every answer, in Chinese and in English, apart from how the answer is found.

Each function takes what a handler found and returns the answer text in the question's language
(``zh`` or ``en``), citing 《policy title》 and clause marker for every statement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from policykg.graph.base import CitationLink, PolicySummary, UnitSummary
from policykg.graph.views import policy_summary as policy_summary_of
from policykg.ingest.model import Role, Unit
from policykg.ingest.validity import status_label
from policykg.service.alignment import Alignment
from policykg.service.answers.model import CitedClause
from policykg.service.lifecycle import LifecycleEvent, PolicyLifecycle, TransmissionRow


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


# -- lifecycle ------------------------------------------------------------------------------------


def _period_words(first: str, last: str, language: str) -> str:
    if first == last:
        return f"on {first}" if language == "en" else f"{first}"
    if first[:4] == last[:4] and first[5:] == "01-01" and last[5:] == "12-31":
        return f"in {first[:4]}" if language == "en" else f"{first[:4]}年"
    return f"from {first} to {last}" if language == "en" else f"{first}至{last}"


def _event_words(event: LifecycleEvent, language: str) -> str:
    by = policy_label(event.by)
    day = event.day or ("date unknown" if language == "en" else "日期不详")
    if language == "en":
        verb = {"repealed": "repealed", "amended": "amended", "replaced": "replaced"}[event.status]
        said = f" (“{event.sentence}”)" if event.sentence else ""
        return f"{verb} by {by} from {day}{said}"
    verb = {"repealed": "废止", "amended": "修改", "replaced": "新版本替代"}[event.status]
    said = f"（“{event.sentence}”）" if event.sentence else ""
    return f"{day}起被{by}{verb}{said}"


def validity_one(
    lifecycle: PolicyLifecycle, first: str, last: str, evidence: str, language: str
) -> str:
    """Whether one document was in force over a period, with its dates and what changed it."""
    start, end = lifecycle.status_on(first), lifecycle.status_on(last)
    label = policy_label(lifecycle.policy)
    when = _period_words(first, last, language)
    events = [e for e in lifecycle.events if e.day is None or e.day <= last]
    if language == "en":
        state = (
            f"was {status_label(start, 'en')}"
            if start == end
            else f"changed from {status_label(start, 'en')} to {status_label(end, 'en')}"
        )
        text = f"{label} {state} {when}."
        dates = []
        if lifecycle.effective:
            dates.append(f"it took effect on {lifecycle.effective}")
        if lifecycle.expires:
            dates.append(f"its term ends on {lifecycle.expires}")
        if dates:
            text += " By its own text, " + " and ".join(dates)
            text += f" (“{evidence}”)." if evidence else "."
        if events:
            text += " It was " + "; ".join(_event_words(e, "en") for e in events) + "."
        if lifecycle.policy.stub:
            text += " The document itself is not ingested; only what citing documents say is known."
        return text
    state = (
        f"处于{status_label(start)}状态"
        if start == end
        else f"由{status_label(start)}变为{status_label(end)}"
    )
    text = f"{label}在{when}{state}。"
    dates = []
    if lifecycle.effective:
        dates.append(f"自{lifecycle.effective}起施行")
    if lifecycle.expires:
        dates.append(f"有效期至{lifecycle.expires}")
    if dates:
        text += "依其原文，" + "，".join(dates) + (f"（“{evidence}”）。" if evidence else "。")
    if events:
        text += "；".join(_event_words(e, "zh") for e in events) + "。"
    if lifecycle.policy.stub:
        text += "该文件本身尚未收录，以上仅依据引用它的文件。"
    return text


def validity_list(
    found: Sequence[PolicyLifecycle],
    status: str,
    day: str,
    counts: dict[str, int],
    language: str,
    *,
    shown: int,
) -> str:
    """The documents with one status on a day, and how many have each status."""
    listing = [
        policy_label(f.policy)
        + (f"（{f.effective}起施行）" if f.effective and language == "zh" else "")
        + (f" (in effect from {f.effective})" if f.effective and language == "en" else "")
        for f in found[:shown]
    ]
    more = len(found) - len(listing)
    tally_en = ", ".join(f"{status_label(s, 'en')} {n}" for s, n in counts.items() if n)
    tally_zh = "，".join(f"{status_label(s)} {n} 份" for s, n in counts.items() if n)
    if language == "en":
        text = f"On {day}, {len(found)} stored document(s) are {status_label(status, 'en')}"
        text += (": " + "; ".join(listing)) if listing else ""
        text += f"; and {more} more." if more > 0 else "."
        return text + f" All stored documents on {day}: {tally_en}."
    text = f"截至{day}，{status_label(status)}的文件共 {len(found)} 份"
    text += ("：" + "；".join(listing)) if listing else ""
    text += f"；另有 {more} 份未列出。" if more > 0 else "。"
    return text + f"全部已收录文件在该日：{tally_zh}。"


def acted_on(policy: PolicySummary, links: Sequence[CitationLink], kind: str, language: str) -> str:
    """What a document repeals (or amends), each with the sentence that says so."""
    items = [
        policy_label(link.target) + (f"（“{link.sentence}”）" if link.sentence else "")
        for link in links
    ]
    if language == "en":
        verb = "repeals" if kind == "repeals" else "amends"
        listing = "; ".join(items) or "nothing the store can tell"
        return f"{policy_label(policy)} {verb} {len(links)} document(s): {listing}."
    verb = "废止" if kind == "repeals" else "修改"
    listing = "；".join(items) or "（未见）"
    return f"{policy_label(policy)}{verb}了 {len(links)} 份文件：{listing}。"


_KIND_WORDS = {
    "zh": {"implements": "贯彻落实", "basis": "作为依据", "cites": "引用"},
    "en": {"implements": "implements", "basis": "takes it as basis", "cites": "cites"},
}


def transmission(policy: PolicySummary, rows: Sequence[TransmissionRow], language: str) -> str:
    """Who takes a document up, where, at which level and how many days later, as a table."""
    words = _KIND_WORDS[language]
    if language == "en":
        head = (
            f"{len(rows)} stored document(s) implement or cite {policy_label(policy)}"
            + (f" (dated {policy.date})" if policy.date else " (its own date is unknown)")
            + ":"
        )
        table = [
            "| document | jurisdiction | level | how | date | days after |",
            "|---|---|---|---|---|---|",
        ]
    else:
        head = (
            f"落实或引用{policy_label(policy)}的已收录文件共 {len(rows)} 份"
            + (
                f"（原文件日期 {policy.date}）"
                if policy.date
                else "（原文件日期不详，无法计算用时）"
            )
            + "："
        )
        table = ["| 文件 | 辖区 | 层级 | 方式 | 日期 | 用时（天） |", "|---|---|---|---|---|---|"]
    for row in rows:
        table.append(
            f"| {policy_label(row.policy)} | {row.policy.jurisdiction or ''} | {row.level} | "
            f"{words.get(row.kind, row.kind)} | {row.policy.date or ''} | "
            f"{'' if row.days_after is None else row.days_after} |"
        )
    return head + "\n" + "\n".join(table) if rows else head.rstrip("：:") + "。"


def alignment(found: Alignment, language: str, shown: int = 12) -> str:
    """What a local document takes up from its parent clause by clause, and what it adds."""
    local, parent = (
        policy_label(policy_summary_of(found.local)),
        policy_label(policy_summary_of(found.parent)),
    )
    copied, adapted, added = (found.count(k) for k in ("copied", "adapted", "local"))
    covered = sum(taken for _, taken in found.covered)
    pairs = [a for a in found.clauses if a.parent is not None][:shown]
    extras = [a for a in found.clauses if a.parent is None][:shown]
    if language == "en":
        text = (
            f"{local} takes up {covered} of the {len(found.covered)} clauses of {parent}: "
            f"{copied} clause(s) copied, {adapted} adapted; {added} clause(s) are local additions."
        )
        text += " Pairs: " + "; ".join(
            f"{a.clause.marker} ← {parent}{a.parent.marker} ({a.label})" for a in pairs if a.parent
        )
        text += ". Local additions: " + "; ".join(
            f"{local}{a.clause.marker}{a.clause.title}" for a in extras
        )
        missing = [c.marker for c in found.uncovered][:shown]
        return text + (". Not taken up: " + "、".join(missing) + "." if missing else ".")
    text = (
        f"{local}落实了{parent}{len(found.covered)} 条中的 {covered} 条："
        f"照搬 {copied} 条，调整 {adapted} 条；新增 {added} 条。"
    )
    text += "对应：" + "；".join(
        f"{a.clause.marker}←{parent}{a.parent.marker}（{_LABELS_ZH[a.label]}）"
        for a in pairs
        if a.parent
    )
    text += "。新增：" + "；".join(f"{local}{a.clause.marker}{a.clause.title}" for a in extras)
    missing = [c.marker for c in found.uncovered][:shown]
    return text + ("。未落实：" + "、".join(missing) + "。" if missing else "。")


_LABELS_ZH = {"copied": "照搬", "adapted": "调整", "local": "新增"}


def status_note(
    statuses: Sequence[tuple[str, str]], titles: dict[str, str], day: str, language: str
) -> str:
    """A note on cited clauses whose documents are not in force on ``day``."""
    if not statuses:
        return ""
    if language == "en":
        items = "; ".join(f"《{titles.get(p, p)}》 is {status_label(s, 'en')}" for p, s in statuses)
        return f"\nNote (as of {day}): {items}; its clauses are shown for reference."
    items = "；".join(f"《{titles.get(p, p)}》{status_label(s)}" for p, s in statuses)
    return f"\n注（截至{day}）：{items}，相关条款仅供参考。"


def no_parent(local: PolicySummary, language: str) -> str:
    """A document whose parent document (the one it implements) is not stored."""
    if language == "en":
        return (
            f"{policy_label(local)} implements or rests on no document this store holds in full, "
            "so its clauses cannot be aligned (ingest the parent document first)."
        )
    return f"{policy_label(local)}所落实或依据的上位文件尚未收录全文，无法逐条对照（请先导入上位文件）。"
