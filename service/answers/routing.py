"""Question routing: what a question asks, about which units, policies and jurisdictions.

Routing is deterministic: regular patterns for Chinese and English questions, and a matcher that
finds unit names (canonical names, aliases, unambiguous short forms, English bureau names) in the
question. What to do with a route is the answerer's business (``api/answers.py``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from functools import cache, lru_cache

from policykg.ingest.deadlines import deadline_date
from policykg.ingest.jurisdiction import NATIONAL, gazetteer
from policykg.ingest.model import Role, Unit, UnitKind
from policykg.ingest.structure import find_doc_numbers
from policykg.search.glossary import chinese_terms, load_glossary, unit_name_matches

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


class Intent(StrEnum):
    """What a question asks."""

    UNIT_DUTIES = "unit_duties"  # 县商务局负责什么?
    UNIT_LEAD = "unit_lead"  # 县商务局牵头哪些工作?
    UNIT_RESPONSIBLE = "unit_responsible"  # 县商务局参与哪些工作?
    SHARED = "shared"  # 县商务局和县科技局共同负责哪些工作?
    WHO_LEADS = "who_leads"  # 谁牵头招商引资?
    CITES = "cites"  # 这份文件引用了哪些文件?
    CITED_BY = "cited_by"  # 哪些文件引用了它?
    MOST_TASKS = "most_tasks"  # 哪个单位牵头的任务最多?
    COLLABORATORS = "collaborators"  # 县商务局和谁合作最多?
    DUE = "due"  # 2025年底前要完成哪些任务? / Which tasks are due by 2025?
    VALIDITY = "validity"  # 哪些文件现行有效? / 《X》2022年还有效吗?
    ACTED_ON = "acted_on"  # 国发〔2019〕11号废止了哪些文件? / Which documents did X repeal?
    TRANSMISSION = "transmission"  # 哪些地方落实了国发〔2019〕11号，用了多久?
    ALIGNMENT = "alignment"  # X落实了上位文件的哪些条款，新增了哪些?
    CLARIFY = "clarify"  # 商务局 matches several units: ask back
    SEARCH = "search"  # anything else: hybrid retrieval


@dataclass(frozen=True, slots=True)
class UnitMention:
    """Units the question names with one phrase.

    Attributes:
        text: The phrase as written in the question.
        units: The units it may mean (several: the same name in several jurisdictions, or an
            ambiguous short form).
        ambiguous: True when the phrase fits units of different names (商务局 -> 县商务局, 市商务局).
    """

    text: str
    units: tuple[Unit, ...]
    ambiguous: bool = False


@dataclass(frozen=True, slots=True)
class Route:
    """What the answerer should do for a question.

    Attributes:
        intent: What the question asks.
        language: ``zh`` or ``en`` (the answer is written in it).
        mentions: Unit phrases found, in order.
        role: Role asked about (lead / responsible), when the question says.
        jurisdictions: Jurisdiction names the question qualifies with (包头市, 松江区 …).
        doc_numbers: 文号 named in the question.
        titles: 《titles》 named in the question.
        topic: What remains of the question once units and question words are removed.
        compare: The question compares the unit across jurisdictions (各区的水务局分别…).
        due: For a question about time limits, the last day asked about (``YYYY-MM-DD``: 2025年底前,
            by 2025), or ``""`` when it names no date (年底前要完成哪些?); None for other questions.
        period: For a question about validity, the first and last day it asks about (2022年 ->
            2022-01-01, 2022-12-31; 2022年3月1日 -> that day twice), or None (today).
        in_force_on: Only clauses of policies in force on this day (given by the caller).
    """

    intent: Intent
    language: str
    mentions: tuple[UnitMention, ...] = ()
    role: Role | None = None
    jurisdictions: tuple[str, ...] = ()
    doc_numbers: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    topic: str = ""
    compare: bool = False
    due: str | None = None
    period: tuple[str, str] | None = None
    in_force_on: str | None = None

    @property
    def units(self) -> list[Unit]:
        """Every unit of every mention."""
        return [u for m in self.mentions for u in m.units]


def language_of(question: str) -> str:
    """``en`` when the question is mostly written in Latin letters, else ``zh``."""
    latin = len(_LATIN.findall(question))
    chinese = len(_CJK.findall(question))
    return "en" if latin > 2 * chinese or (latin >= 12 and latin > chinese) else "zh"


# -- intent patterns --------------------------------------------------------------------------

_ACTED_ON = re.compile(
    r"(?:废止|废除|撤销|修改|修订|修正|取代|替代)了(?:哪些|什么|哪几)|(?:废止|修改)的(?:是)?哪些|"
    r"\bwhich (?:documents?|polic\w+|rules?|regulations?|measures?) (?:did|does|do) .{1,80}"
    r"(?:repeal|amend|abolish|replace)|\bwhat did .{1,80}(?:repeal|amend|abolish)"
)
_TRANSMISSION = re.compile(
    r"哪些(?:地方|地区|省份?|城市|市|县|区|部门|单位|文件)?.{0,6}(?:落实|贯彻|实施|执行|转发|跟进)了?|"
    r"用了多久|多久.{0,6}(?:落实|出台|跟进)|(?:落实|传导|扩散)(?:情况|链条|时间)|"
    r"\bwhich (?:places|regions|provinces|cities|counties|jurisdictions|local governments|documents)\b"
    r".{0,60}\b(?:implement|adopt|follow)|\bhow (?:long|quickly|fast)\b.{0,60}\bimplement|"
    r"\btransmission\b|\bdiffusion\b"
)
_ALIGNMENT = re.compile(
    r"(?:落实|贯彻|对应|承接|吸收)了?(?:上位|上级|母)?.{0,8}?(?:哪些|哪几|多少)(?:条款|条|内容)|"
    r"新增了?(?:哪些|什么|多少)|(?:增加|补充)了?哪些(?:条款|内容)|"
    r"\bwhich (?:clauses|articles|provisions)\b.{0,60}\b(?:implement|take up|cover|copy)|"
    r"\bwhat .{0,40}\badd(?:s|ed)?\b|\bclause alignment\b"
)
_VALIDITY = re.compile(
    r"现行有效|仍然?有效|还有效|是否有效|有效吗|在有效期|失效了?吗|废止了?吗|还在用吗|"
    r"(?:已经?|被)(?:废止|失效|修改|替代|取代)|有效的(?:文件|政策|规定|有哪些)|效力|时效|"
    r"\bin force\b|\bstill (?:valid|apply|applies|effective)\b|\bvalid (?:on|in)\b|"
    r"\b(?:been )?repealed\b|\bexpired\b"
)
_PERIOD = re.compile(
    r"(?P<y>\d{4})\s*(?:年|-|/)(?:\s*(?P<m>\d{1,2})\s*(?:月|-|/)(?:\s*(?P<d>\d{1,2})\s*日?)?)?|"
    r"\b(?:in|on|during|as of) (?P<y2>\d{4})\b"
)

_CITED_BY = re.compile(
    r"被.{0,12}引用|哪些[^《》]{0,14}引用了?\s*(?:它|该|这|此|本|《|[\u4e00-\u9fff]{1,8}〔)|"
    r"cited by|which (?:polic|document)\w* cite|who cites"
)
_CITES = re.compile(
    r"提到了?哪些.{0,4}(?:文件|政策|法规|规章)|按照哪|依照哪|遵循哪|要求制定|出台依据|制定依据|"
    r"\bcited\b|\breferenced\b|\brel(?:y|ies) on\b|\baccording to which\b|"
    r"引用|援引|依据(?:的是)?.{0,4}(?:哪些|什么|哪部|哪个|哪份)|根据.{0,4}(?:哪些|什么|哪部|哪个|哪份)|"
    r"上位(?:政策|文件|法)|为贯彻.{0,6}(?:哪|什么)|贯彻.{0,6}(?:哪些|什么|哪个|哪份|哪部)|落实.{0,6}(?:哪个|哪份|哪部)文件|"
    r"\bcit(?:e|es|ing)\b|\breferenc|\brefer to\b|based on which|\bimplement(?:s|ing)? which\b|"
    r"which (?:law|regulation|document|policy|rule)s? (?:does|do|is|are) .{0,60}(?:implement|based on|build on|follow)"
)
_MOST = re.compile(
    r"(?:哪个|哪些|什么|哪一个)[\u4e00-\u9fff]{0,4}?(?:单位|部门|机构).{0,10}(?:最多|最重|最繁重|最大)|"
    r"(?:任务|工作|条款|事项)最多|牵头最多|最忙|"
    r"\bmost\b.{0,25}\b(?:tasks?|work|clauses|duties|responsibilit)|\bbusiest\b|\bheaviest\b|\blargest workload\b|"
    r"\bleads? the most\b|\bmost (?:tasks|work)\b"
)
_COLLABORATE = re.compile(
    r"(?:合作|协作|配合|共事|一起工作).{0,4}(?:最多|最频繁|最密切)|(?:最多|最频繁|最常).{0,6}(?:合作|协作|配合)|"
    r"\bworks? (?:most )?(?:closely )?with\b|\bcollaborat\w*|\bpartners? (?:of|with)\b|\bwork(?:s|ing)? together most\b"
)
_SHARED = re.compile(
    r"共同|一起|都(?:负责|参与|牵头)|同时|联合|\bboth\b|\btogether\b|\bjointly\b|\bin common\b|\bshared?\b"
)
_LEAD = re.compile(r"牵头|主导|主责|领头|\blead(?:s|ing)?\b|\bin charge of leading\b|\bheads?\b")
_RESPONSIBLE = re.compile(
    r"参与|配合|协助|协同|责任单位|配合单位|\bsupport(?:s|ing)?\b|\bassist(?:s|ing)?\b|\bparticipat\w*|"
    r"\bcooperat\w*|\bhelps?\b|\bsecondary\b"
)
_WHO = re.compile(
    r"谁|哪个(?:单位|部门|机构)|哪些(?:单位|部门|机构)|什么(?:单位|部门|机构)|由哪|"
    r"\bwho\b|\bwhich (?:unit|department|bureau|agency|office|body|organ)s?\b"
)
_LEAD_OR_CHARGE = re.compile(r"牵头|负责|主管|主抓|\blead|\bin charge\b|\bresponsible\b|\boversee")
# A question about time limits: 2025年底前 / 年底前 / 时限 / 截止 / due by 2025 / deadline.
_DUE = re.compile(
    r"(?:\d{4}\s*年\s*(?:\d{1,2}\s*月\s*)?(?:上半年|下半年|底|末)?\s*(?:前|以前|之前|内|到期)|"
    r"\d{4}\s*年(?=.{0,6}(?:到期|完成|截止))|年底前|年末前|年底|年内|时限|期限|截止|到期|时间节点|完成时间|"
    r"(?:什么时候|何时|哪年)(?:要|需要|应当|必须)?完成|"
    r"\b(?:due|deadlines?|time limits?)\b(?:\s+(?:by|in|before)\s+(?:the end of\s+)?\d{4})?|"
    r"\b(?:by|before) (?:the end of )?\d{4}\b)",
    re.IGNORECASE,
)
# ... that asks for a list of tasks (a fact question such as 答复期限是多少天? is not one).
_LISTING = re.compile(
    r"哪些|哪几|什么(?:任务|工作|事项)|列出|\bwhich\b|\bwhat (?:tasks|work|clauses)\b|\blist\b",
    re.IGNORECASE,
)
_COMPARE = re.compile(
    r"分别|各自|对比|比较|相比|\bcompare\b|\brespectively\b|\beach\b|\bin (?:each|every)\b|\bversus\b|\bvs\.?\b"
)
_QUESTION_WORDS = re.compile(
    r"责任单位|配合单位|牵头单位|支撑单位|责任|负责|牵头|参与|配合|协助|承担|哪些|什么|工作|任务|职责|职能|事项|事情|事务|项目|措施|方面|有关|相关|关于|"
    r"是否|情况|内容|哪个|哪几|几项|多少|具体|主要|作为|单位|部门|分别|各自|共同|一起|请问|文件|政策|这些|"
    r"谁|在|的|了|吗|呢|和|与|及|都|有|是|对|中|里|上|要|做|干|"
    r"[？?！!。，,、；;：:“”\"'（）()《》\s]"
)
_ENGLISH_FILLER = re.compile(
    r"\b(?:what|which|who|whom|is|are|was|the|a|an|of|for|in|on|at|to|by|as|does|do|did|responsible|lead|"
    r"leads|leading|led|tasks?|duties|duty|work|works|role|roles|support|supports|supporting|both|and|with|"
    r"most|share|shares|shared|jointly|together|about|regarding|charge|unit|units|compare|county|city|"
    r"municipal|provincial|province|district|national|central|policies|policy|documents?|measures?|projects?|"
    r"these|those|this|that|it|its|they|their|play|plays|take|takes|part|main|key|any|all|s)\b",
    re.IGNORECASE,
)


def topic_query(topic: str) -> str | None:
    """Chinese search terms for a question's topic, or None when it has none.

    Chinese topics are used as they are; English ones only through the glossary (an English word
    BM25 cannot match in Chinese text is no topic).
    """
    words = [w for w in topic.split() if len(_CJK.findall(w)) >= 2]
    if words:
        return " ".join(words)  # single characters left over from removed names are no topic
    terms = chinese_terms(topic)
    return " ".join(terms) if terms else None


# -- units -------------------------------------------------------------------------------------


@dataclass(slots=True)
class UnitCatalogue:
    """Every stored unit by the phrases that name it: canonical names, aliases and short forms.

    A short form is a name without its level prefix (商务局 for 县商务局); it names a unit only
    when one canonical name has it.
    """

    units: Sequence[Unit]
    _by_name: dict[str, list[Unit]] = field(default_factory=dict)
    _by_alias: dict[str, list[Unit]] = field(default_factory=dict)
    _tails: dict[str, set[str]] = field(default_factory=dict)
    _by_form: dict[str, list[Unit]] = field(default_factory=dict)
    _phrases: frozenset[str] = frozenset()
    _lengths: tuple[int, ...] = ()
    _pinyin: list[tuple[re.Pattern[str], list[Unit]]] | None = None
    names: tuple[str, ...] = ()
    """Every unit's name, sorted (what a misspelt name is matched against)."""
    _known: frozenset[str] = frozenset()
    _known_text: str = ""

    def __post_init__(self) -> None:
        by_name: dict[str, list[Unit]] = defaultdict(list)
        by_alias: dict[str, list[Unit]] = defaultdict(list)
        tails: dict[str, set[str]] = defaultdict(set)
        by_form: dict[str, list[Unit]] = defaultdict(list)  # name and name without its level
        for unit in self.units:
            if unit.kind is not UnitKind.PLACEHOLDER:
                for form in dict.fromkeys((unit.name, _strip_level(unit.name))):
                    by_form[form].append(unit)
            if unit.kind is UnitKind.PLACEHOLDER:
                # 有关部门, 各区: too generic to be what a question asks about; a placeholder that
                # names a kind of body (有关乡镇政府, 各街道办事处) can be asked about by its name.
                if len(unit.name) >= _PLACEHOLDER_ASKED:
                    by_name[unit.name].append(unit)
                continue
            by_name[unit.name].append(unit)
            for alias in unit.aliases:
                if len(alias) >= 3:
                    by_alias[alias].append(unit)
            if unit.jurisdiction == NATIONAL.name:
                for alias in _national_names(unit.name):
                    by_alias[alias].append(unit)
            for name in (unit.name, *unit.aliases):
                stripped = _strip_level(name)
                if stripped != name and len(stripped) >= 2:
                    tails[stripped].add(unit.name)
        self._by_name = dict(by_name)
        self._by_alias = dict(by_alias)
        self._tails = dict(tails)
        self._by_form = dict(by_form)
        self._phrases = frozenset(self._by_name) | set(self._by_alias) | set(self._tails)
        self._lengths = tuple(sorted({len(p) for p in self._phrases if p}, reverse=True))
        self.names = tuple(sorted({u.name for u in self.units}))
        self._known = frozenset(self.names) | {a for u in self.units for a in u.aliases}
        self._known_text = "\n".join(sorted(self._known))

    def knows(self, phrase: str) -> bool:
        """Whether ``phrase`` is a unit's name or alias, or part of one."""
        return phrase in self._known or phrase in self._known_text

    def find(self, question: str, jurisdictions: Sequence[str] = ()) -> list[UnitMention]:
        """Unit phrases in a Chinese question, longest first, without overlaps."""
        mentions: list[UnitMention] = []
        for phrase in self._phrases_in(question):
            mention = self._resolve(phrase, jurisdictions)
            if mention is not None:
                mentions.append(mention)
        return mentions

    def _phrases_in(self, question: str) -> Iterator[str]:
        """Known phrases left to right, the longest at each place, none overlapping (what one
        regular expression of every phrase, longest first, finds; without compiling one of tens
        of thousands of names after every write)."""
        start = 0
        while start < len(question):
            for length in self._lengths:
                phrase = question[start : start + length]
                if len(phrase) == length and phrase in self._phrases:
                    yield phrase
                    start += length
                    break
            else:
                start += 1

    def _resolve(self, phrase: str, jurisdictions: Sequence[str]) -> UnitMention | None:
        # A canonical name wins over an alias, an alias over a short form.
        units = self._by_name.get(phrase) or self._by_alias.get(phrase)
        if not units:
            names = self._tails.get(phrase, set())
            units = [u for u in self.units if u.name in names]
        units = _in_jurisdictions(units, jurisdictions)
        if not units:
            return None
        ordered = tuple(sorted(units, key=lambda u: (u.jurisdiction, u.name)))
        return UnitMention(phrase, ordered, ambiguous=len({u.name for u in ordered}) > 1)

    def find_english(self, question: str, jurisdictions: Sequence[str] = ()) -> list[UnitMention]:
        """Units named in English (the Commerce Bureau -> …商务局), via the glossary.

        The glossary lists Chinese forms best first; the first form some stored unit has (as its
        name without the level prefix) decides, so "commerce bureau" means 商务局 before 商务委.
        """
        mentions = []
        for phrase, forms in unit_name_matches(question):
            units: list[Unit] = []
            for form in forms:
                units = _in_jurisdictions(self._by_form.get(form, ()), jurisdictions)
                if units:
                    break
            if units:
                ordered = tuple(sorted(units, key=lambda u: (u.jurisdiction, u.name)))
                mentions.append(
                    UnitMention(phrase, ordered, ambiguous=len({u.name for u in ordered}) > 1)
                )
        named = {u.id for m in mentions for u in m.units}
        for pattern, units in self._pinyin_names():
            match = pattern.search(question)
            if match is None:
                continue
            kept = [u for u in _in_jurisdictions(units, jurisdictions) if u.id not in named]
            if kept:
                ordered = tuple(sorted(kept, key=lambda u: (u.jurisdiction, u.name)))
                mentions.append(
                    UnitMention(match.group(0), ordered, len({u.name for u in ordered}) > 1)
                )
        return mentions

    def _pinyin_names(self) -> list[tuple[re.Pattern[str], list[Unit]]]:
        """Unit names spelled in pinyin (Shichang Jianguan Zongju -> 市场监管总局), made on the first
        English question: names of three syllables or more, spaces between syllables optional."""
        if self._pinyin is None:
            by_spelling: dict[tuple[str, ...], list[Unit]] = defaultdict(list)
            for unit in self.units:
                if unit.kind is not UnitKind.PLACEHOLDER and len(unit.name) >= _PINYIN_SYLLABLES:
                    by_spelling[_spelling(unit.name)].append(unit)
            self._pinyin = [
                (_spelling_pattern(spelling), units)
                for spelling, units in sorted(by_spelling.items(), key=lambda i: -len(i[0]))
                if all(s.isalpha() and s.isascii() for s in spelling)
            ]
        return self._pinyin


@lru_cache(maxsize=200_000)
def _spelling(name: str) -> tuple[str, ...]:
    """A unit name in pinyin syllables (kept: a store's catalogue is rebuilt after every write,
    its names mostly the same)."""
    from pypinyin import lazy_pinyin

    return tuple(lazy_pinyin(name))


@lru_cache(maxsize=200_000)
def _spelling_pattern(spelling: tuple[str, ...]) -> re.Pattern[str]:
    """The syllables as a pattern, spaces between them optional."""
    return re.compile(r"\b" + r"\s*".join(spelling) + r"\b", re.IGNORECASE)


_PINYIN_SYLLABLES = 3
"""Names this long or longer (in characters, one syllable each) are matched in pinyin."""

_PLACEHOLDER_ASKED = 5
"""Placeholders this long or longer are named in questions as units (有关乡镇政府, not 有关部门)."""


def _national_names(name: str) -> set[str]:
    """Other names of a national body: with 国家 before it (发展改革委 -> 国家发展改革委) and its full
    names in the glossary (市场监管总局 -> 国家市场监督管理总局)."""
    names = set() if name.startswith(("国家", "国务院", "中共", "中央")) else {"国家" + name}
    for forms in _glossary_forms().get(name, ()):
        names.update(f for f in forms if f.startswith(("国家", "中华人民共和国")) and f != name)
    return names


@cache
def _glossary_forms() -> dict[str, list[tuple[str, ...]]]:
    """Each Chinese form of a glossary unit name -> the groups of forms it is in."""
    groups: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for forms in set(load_glossary().units.values()):
        for form in forms:
            groups[form].append(forms)
    return dict(groups)


def _strip_level(name: str) -> str:
    """县商务局 -> 商务局, 中共柳河县委 stays (the prefix must be followed by a name)."""
    return re.sub(r"^(?:中共)?[县区市省州](?=.{2,})", "", name) if len(name) >= 4 else name


def _in_jurisdictions(units: Iterable[Unit], jurisdictions: Sequence[str]) -> list[Unit]:
    """Keep units of the named jurisdictions (or of places inside them); all when none named."""
    units = list(units)
    if not jurisdictions:
        return units
    kept = [u for u in units if any(_within(u.jurisdiction, j) for j in jurisdictions)]
    return kept


def _within(place: str, named: str) -> bool:
    return place == named or place.startswith(named) or place.endswith(named)


_NATIONAL = re.compile(
    r"国务院|国家层面|全国性|中央|\bstate council\b|\bnational\b|\bcentral government\b|\bministr",
    re.IGNORECASE,
)


def jurisdictions_in(question: str, known: Sequence[str]) -> list[str]:
    """Stored jurisdictions the question names (包头市, 松江区, 松江, Songjiang …)."""
    found: list[str] = []
    if "国家" in known and _NATIONAL.search(question):
        found.append("国家")
    table = gazetteer()
    for division in table.mentions(question):
        name = table.canonical_name(division)
        for place in known:
            if _within(place, name) and place not in found:
                found.append(place)
    lowered = question.lower()
    latin = bool(_LATIN.search(question))
    for place in known:
        if len(place) < 2:
            continue
        short = _short_place(place)
        if latin and short and place not in found and _pinyin_word(short).search(lowered):
            found.append(place)  # the Commerce Bureau of Songjiang, Liuhe County
            continue
        if place not in found and (place in question or (short and short in question)):
            found.append(place)
    return found


@cache
def _pinyin(name: str) -> str:
    """Toneless pinyin of a place name, joined: 松江 -> songjiang."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(name))


@cache
def _pinyin_word(name: str) -> re.Pattern[str]:
    """The pinyin of a place name as a whole word: songjiang in "the Songjiang district"."""
    return re.compile(rf"\b{_pinyin(name)}\b")


@lru_cache(maxsize=4096)
def _short_place(place: str) -> str:
    """松江 for 上海市松江区, 包头 for 包头市 (the last division's name without its suffix)."""
    match = re.search(r"([\u4e00-\u9fff]{2,}?)(?:自治县|自治州|区|县|市|省|州|旗|盟)$", place)
    if not match:
        return ""
    tail = match.group(1)
    for parent in ("市", "省", "自治区"):
        if parent in tail:
            tail = tail.rsplit(parent, 1)[-1]
    return tail if len(tail) >= 2 else ""


_NOT_LEAD = re.compile(r"非牵头|不是牵头|不牵头|\bnon-?lead\b|\bnot (?:the |a )?lead")
_EITHER_ROLE = re.compile(
    r"牵头或|或牵头|牵头和参与|牵头或者|无论.{0,6}牵头|\blead(?:ing)? or\b|\bor (?:as )?(?:a |the )?lead\b|"
    r"\bwhether as\b|\bany role\b|\bhas a role\b|\bin any (?:capacity|role)\b"
)


def _role(lowered: str) -> Role | None:
    """The role a question asks about: lead, responsible, or None for any role."""
    if _NOT_LEAD.search(lowered):
        return Role.RESPONSIBLE
    if _EITHER_ROLE.search(lowered):
        return None
    if _LEAD.search(lowered):
        return Role.LEAD
    if _RESPONSIBLE.search(lowered):
        return Role.RESPONSIBLE
    return None


def route(
    question: str,
    catalogue: UnitCatalogue,
    known_jurisdictions: Sequence[str] = (),
    *,
    names_policy: bool = False,
) -> Route:
    """Decide what ``question`` asks and about what (``names_policy``: the question holds a
    stored policy's title without 《》, which lifecycle questions take as naming it)."""
    language = language_of(question)
    places = tuple(jurisdictions_in(question, known_jurisdictions))
    mentions = catalogue.find(question, places)
    if not mentions and re.search(r"[A-Za-z]{2}", question):  # English names need Latin letters
        mentions = catalogue.find_english(question, places)
    doc_numbers = tuple(_issuer_only(m.text) for m in find_doc_numbers(question))
    titles = tuple(re.findall(r"《([^》]+)》", question))
    lowered = question.lower()
    role = _role(lowered)
    due_phrase = _DUE.search(question)
    due = _due_date(due_phrase.group(0)) if due_phrase else None
    compare = bool(_COMPARE.search(lowered)) and (
        len(places) > 1 or "各" in question or "each" in lowered
    )
    base = Route(
        Intent.SEARCH,
        language,
        period=_period(question) if _VALIDITY.search(lowered) else None,
        mentions=tuple(mentions),
        jurisdictions=places,
        doc_numbers=doc_numbers,
        titles=titles,
        topic=_topic(_DUE.sub(" ", question) if due_phrase else question, mentions, places),
        compare=compare,
        due=due,
    )
    return replace(base, intent=_intent(lowered, base, role, names_policy), role=role)


def _intent(lowered: str, base: Route, role: Role | None, names_policy: bool = False) -> Intent:
    """The intent, by the first pattern that fits (order matters: most specific first)."""
    mentions = base.mentions
    if any(m.ambiguous for m in mentions) and not base.compare:
        return Intent.CLARIFY  # a comparison (各区的水务局分别…) answers every match side by side
    named = bool(base.titles or base.doc_numbers or names_policy)
    if named and _ALIGNMENT.search(lowered):
        return Intent.ALIGNMENT
    if named and _ACTED_ON.search(lowered):
        return Intent.ACTED_ON
    if named and _TRANSMISSION.search(lowered) and not _CITED_BY.search(lowered):
        return Intent.TRANSMISSION
    if _VALIDITY.search(lowered) and not mentions:
        return Intent.VALIDITY
    if _CITED_BY.search(lowered):
        return Intent.CITED_BY
    if _CITES.search(lowered) and (base.titles or base.doc_numbers or base.topic or not mentions):
        return Intent.CITES
    if _COLLABORATE.search(lowered) and mentions:
        return Intent.COLLABORATORS
    if _MOST.search(lowered):
        return Intent.MOST_TASKS
    if len({m.units[0].name for m in mentions}) >= 2 and (
        _SHARED.search(lowered) or not base.compare
    ):
        return Intent.SHARED
    if mentions:
        return _UNIT_INTENT_BY_ROLE.get(role, Intent.UNIT_DUTIES)
    if (
        base.due is not None
        and _LISTING.search(lowered)
        and not (_WHO.search(lowered) and _LEAD_OR_CHARGE.search(lowered))
    ):
        return Intent.DUE
    if _WHO.search(lowered) and _LEAD_OR_CHARGE.search(lowered):
        return Intent.WHO_LEADS
    return Intent.SEARCH


def _issuer_only(number: str) -> str:
    """A 文号 found in a question without the words before its issuer code (哪些地方落实了国发
    〔2019〕11号 -> 国发〔2019〕11号): an issuer code holds no particle or verb ending."""
    head, bracket, tail = number.partition("〔")
    return re.sub(r"^.*(?:了|的|是|和|与|及|对|把|被|将|在|由|按|照|据)", "", head) + bracket + tail


def _period(question: str) -> tuple[str, str] | None:
    """The days a validity question asks about: 2022年 -> the year's first and last day;
    2022年3月 -> the month's; 2022年3月1日 -> that day. None when it names no year."""
    match = _PERIOD.search(question)
    if match is None:
        return None
    year = int(match.group("y") or match.group("y2"))
    if not 1949 <= year <= 2100:
        return None
    month = int(match.group("m")) if match.group("m") else None
    day = int(match.group("d")) if match.group("d") else None
    try:
        if month and day:
            one = date(year, month, day).isoformat()
            return one, one
        if month:
            last = deadline_date(f"{year}年{month}月")
            return date(year, month, 1).isoformat(), last
    except ValueError:
        return None
    return f"{year}-01-01", f"{year}-12-31"


def _due_date(phrase: str) -> str:
    """The last day a question's time phrase allows (2025年底前 -> 2025-12-31; by 2025 ->
    2025-12-31), or ``""`` when it names no year (年底前, 时限, deadline)."""
    year = re.search(r"\d{4}", phrase)
    if year is None:
        return ""
    if re.search(r"[A-Za-z]", phrase):
        return deadline_date(year.group(0) + "年")
    return deadline_date(phrase)


_UNIT_INTENT_BY_ROLE: dict[Role | None, Intent] = {
    Role.LEAD: Intent.UNIT_LEAD,
    Role.RESPONSIBLE: Intent.UNIT_RESPONSIBLE,
}


def _topic(question: str, mentions: Sequence[UnitMention], places: Sequence[str]) -> str:
    """The question without unit names, places and question words: what it is about."""
    text = question
    for mention in mentions:
        text = re.sub(re.escape(mention.text), " ", text, flags=re.IGNORECASE)
    for phrase, _ in unit_name_matches(text):
        text = re.sub(re.escape(phrase), " ", text, flags=re.IGNORECASE)
    for place in places:
        short = _short_place(place)
        # 上海市黄浦区, 黄浦区, 黄浦 (and Huangpu): the place in whatever form the question used.
        patterns = [re.escape(place)]
        if short:
            patterns += [re.escape(short) + r"(?:区|县|市|省|州)?", re.escape(_pinyin(short))]
        for pattern in patterns:
            text = re.sub(pattern, " ", text, flags=re.IGNORECASE)
    text = _ENGLISH_FILLER.sub(" ", text)
    text = _QUESTION_WORDS.sub(" ", text)
    return " ".join(text.split())
