"""Which government a document belongs to: from front matter, issuer, title and 文号 prefix.

Names are resolved against the table of administrative divisions in ``ingest/data/divisions.tsv``
(from the MIT-licensed ``cpca`` package). County-level jurisdictions are named with their parent
(``上海市松江区``, ``通化市柳河县``) because county names repeat across the country (宝山区 is in 上海
and in 双鸭山). A document that cannot be placed gets a scope of its own instead of a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from policykg.ingest.model import Jurisdiction, Level

NATIONAL = Jurisdiction("国家", Level.NATIONAL, None, True, "")
UNDETERMINED_PREFIX = "未定辖区"

PROVINCE_ABBREVIATIONS: dict[str, str] = {
    "京": "北京市", "津": "天津市", "冀": "河北省", "晋": "山西省", "蒙": "内蒙古自治区",
    "辽": "辽宁省", "吉": "吉林省", "黑": "黑龙江省", "沪": "上海市", "苏": "江苏省",
    "浙": "浙江省", "皖": "安徽省", "闽": "福建省", "赣": "江西省", "鲁": "山东省",
    "豫": "河南省", "鄂": "湖北省", "湘": "湖南省", "粤": "广东省", "桂": "广西壮族自治区",
    "琼": "海南省", "渝": "重庆市", "川": "四川省", "蜀": "四川省", "贵": "贵州省",
    "黔": "贵州省", "云": "云南省", "滇": "云南省", "藏": "西藏自治区", "陕": "陕西省",
    "甘": "甘肃省", "陇": "甘肃省", "青": "青海省", "宁": "宁夏回族自治区",
    "新": "新疆维吾尔自治区",
}  # fmt: skip
_NATIONAL_NUMBER = re.compile(r"^(?:国|中发|中办发|中办|国办)")
_NATIONAL_ISSUER = re.compile(
    r"^(?:国务院|中共中央|全国人民代表大会|全国人大|中华人民共和国|国家[\u4e00-\u9fff]{1,10}(?:局|委|部|院)|"
    r"[\u4e00-\u9fff]{1,12}部$|海关总署|税务总局|市场监管总局)"
)
_GOVERNMENT_WORDS = re.compile(r"^(?:府|政|人民政府|办|委|字|发)")
_ETHNIC_AUTONOMOUS = re.compile(r"^(.{2,}?)(?:[\u4e00-\u9fff]{1,6}族)+自治(州|县|旗)$")
_SUFFIXES = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "林区",
    "新区",
    "省",
    "市",
    "区",
    "县",
    "旗",
    "盟",
    "州",
)


@dataclass(frozen=True, slots=True)
class Division:
    """One administrative division from the gazetteer."""

    code: str
    name: str
    tier: str  # province / city / county
    parent_code: str

    @property
    def level(self) -> Level:
        """Level in our data model."""
        if self.tier == "province":
            return Level.PROVINCE
        if self.tier == "city":
            return Level.CITY
        return Level.DISTRICT if self.name.endswith("区") else Level.COUNTY


class Gazetteer:
    """Lookup of Chinese administrative divisions by name, short name and code."""

    def __init__(self, divisions: list[Division]) -> None:
        self.by_code = {d.code: d for d in divisions}
        self._by_name: dict[str, list[Division]] = {}
        for division in divisions:
            for name in _names_of(division.name):
                self._by_name.setdefault(name, []).append(division)
        full_names = sorted(
            {d.name for d in divisions} | _short_forms(divisions), key=len, reverse=True
        )
        self._mention = re.compile("|".join(re.escape(n) for n in full_names))

    def canonical_name(self, division: Division) -> str:
        """``上海市松江区`` for a county-level division, the division's own name otherwise."""
        if division.tier != "county":
            return division.name
        parent = self.by_code.get(division.parent_code)
        return f"{parent.name}{division.name}" if parent else division.name

    def jurisdiction(self, division: Division, evidence: str) -> Jurisdiction:
        """The :class:`Jurisdiction` of ``division``."""
        parent = self.by_code.get(division.parent_code)
        return Jurisdiction(
            name=self.canonical_name(division),
            level=division.level,
            parent=self.canonical_name(parent) if parent else "国家",
            determined=True,
            evidence=evidence,
        )

    def lookup(self, name: str) -> list[Division]:
        """Divisions called ``name`` (full or short form: 松江区, 松江, 阿坝州)."""
        return list(self._by_name.get(name, ()))

    def mentions(self, text: str) -> list[Division]:
        """Resolve the division names in ``text`` to the most specific consistent division chain.

        ``上海市黄浦区发展和改革委员会`` -> [上海市, 上海市黄浦区]. An ambiguous name (宝山区) is kept only
        when another mention (上海市) tells which one is meant.
        """
        found: list[list[Division]] = []
        for match in self._mention.finditer(text):
            candidates = self._by_name.get(match.group(0), [])
            if candidates:
                found.append(candidates)
        resolved: list[Division] = []
        for candidates in found:
            if len(candidates) == 1:
                resolved.append(candidates[0])
                continue
            context = {d.code for d in resolved} | {d.parent_code for d in resolved}
            narrowed = [
                c for c in candidates if c.parent_code in context or self._ancestor_in(c, context)
            ]
            if len(narrowed) == 1:
                resolved.append(narrowed[0])
        return resolved

    def leading_short_name(self, text: str) -> Division | None:
        """A province or city named by its short form at the start: 上海口岸服务条例 -> 上海市."""
        for length in (4, 3, 2):
            candidates = [
                d for d in self._by_name.get(text[:length], ()) if d.tier in ("province", "city")
            ]
            if len(candidates) == 1:
                return candidates[0]
        return None

    def _ancestor_in(self, division: Division, codes: set[str]) -> bool:
        parent = self.by_code.get(division.parent_code)
        while parent is not None:
            if parent.code in codes:
                return True
            parent = self.by_code.get(parent.parent_code)
        return False

    def most_specific(self, divisions: list[Division]) -> Division | None:
        """The deepest division in ``divisions`` that the others contain (or equal)."""
        if not divisions:
            return None
        tiers = {"province": 0, "city": 1, "county": 2}
        ordered = sorted(divisions, key=lambda d: tiers[d.tier], reverse=True)
        deepest = ordered[0]
        codes = {d.code for d in divisions}
        ancestors = {deepest.code}
        parent = self.by_code.get(deepest.parent_code)
        while parent is not None:
            ancestors.add(parent.code)
            parent = self.by_code.get(parent.parent_code)
        # Divisions outside the deepest one's chain contradict it: then trust none of them.
        return deepest if codes <= ancestors else None

    def from_doc_number_prefix(self, prefix: str) -> Division | Jurisdiction | None:
        """Resolve a 文号 prefix: 沪松府办 -> 上海市松江区, 包府办发 -> 包头市, 皖开放办 -> 安徽省."""
        if not prefix:
            return None
        if _NATIONAL_NUMBER.match(prefix):
            return NATIONAL
        province_name = PROVINCE_ABBREVIATIONS.get(prefix[0])
        if province_name:
            province = self._by_name[province_name][0]
            rest = prefix[1:]
            if not rest or _GOVERNMENT_WORDS.match(rest):
                return province
            inside = [
                d for d in self._descendants(province.code) if _short(d.name).startswith(rest[0])
            ]
            if len(inside) == 1 and _GOVERNMENT_WORDS.match(rest[1:] or "府"):
                return inside[0]
            return province if not inside else None
        cities = [
            d
            for d in self.by_code.values()
            if d.tier == "city" and _short(d.name).startswith(prefix[0])
        ]
        if len(cities) == 1 and _GOVERNMENT_WORDS.match(prefix[1:] or "府"):
            return cities[0]
        return None

    def _descendants(self, code: str) -> list[Division]:
        return [
            d
            for d in self.by_code.values()
            if d.parent_code == code or self.by_code.get(d.parent_code, d).parent_code == code
        ]


def _short(name: str) -> str:
    ethnic = _ETHNIC_AUTONOMOUS.match(name)
    if ethnic:
        return ethnic.group(1)
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _names_of(name: str) -> set[str]:
    names = {name, _short(name)}
    ethnic = _ETHNIC_AUTONOMOUS.match(name)
    if ethnic:
        names.add(ethnic.group(1) + ethnic.group(2))  # 阿坝藏族羌族自治州 -> 阿坝州
    for prefix in ("内蒙古", "广西", "西藏", "宁夏", "新疆"):
        if name.startswith(prefix) and name.endswith("自治区"):
            names.add(prefix)
    return {n for n in names if len(n) >= 2}


def _short_forms(divisions: list[Division]) -> set[str]:
    """Forms recognised inside running text: only those that keep a suffix (阿坝州, not 阿坝)."""
    forms = set()
    for division in divisions:
        ethnic = _ETHNIC_AUTONOMOUS.match(division.name)
        if ethnic:
            forms.add(ethnic.group(1) + ethnic.group(2))
    return forms


@cache
def gazetteer() -> Gazetteer:
    """The packaged gazetteer, loaded once."""
    text = (
        resources.files("policykg.ingest")
        .joinpath("data/divisions.tsv")
        .read_text(encoding="utf-8")
    )
    divisions = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        code, name, tier, parent = [*line.split("\t"), ""][:4]
        divisions.append(Division(code, name, tier, parent))
    return Gazetteer(divisions)


def undetermined(title: str) -> Jurisdiction:
    """A document's own scope, used when its jurisdiction cannot be told."""
    label = title[:24]
    return Jurisdiction(f"{UNDETERMINED_PREFIX}·{label}", Level.UNKNOWN, None, False, "")


def resolve_name(name: str) -> Jurisdiction:
    """Resolve a user-given jurisdiction name (``--jurisdiction 松江区``) to a jurisdiction.

    Names not in the gazetteer are kept as given, as a determined jurisdiction of unknown level.
    """
    name = name.strip()
    if name in ("国家", "全国", "中央", "national"):
        return NATIONAL
    table = gazetteer()
    division = table.most_specific(table.mentions(name)) or _unique(table.lookup(name))
    if division is None:
        return Jurisdiction(name, Level.UNKNOWN, None, True, "given at ingest")
    return table.jurisdiction(division, "given at ingest")


def _unique(divisions: list[Division]) -> Division | None:
    return divisions[0] if len(divisions) == 1 else None


_NATIONAL_LINE = re.compile(
    r"中华人民共和国[\u4e00-\u9fff]{0,12}令|国务院令|全国人民代表大会|国务院第\d+次常务会议"
)
_LEGISLATURE_LINE = re.compile(r"[\u4e00-\u9fff]{2,20}人民代表大会(?:常务委员会)?")


def detect(
    *,
    front: str | None,
    issuer: str | None,
    title: str | None,
    doc_number: str | None,
    header_lines: list[str] | None = None,
    signature: Sequence[str] = (),
) -> Jurisdiction | None:
    """Tell a document's jurisdiction from its metadata, strongest evidence first: front matter,
    issuer, the title's issuer part, a promulgation note, the 文号 prefix, the body signing the
    document (松江区绿化和市容管理局 under the text), the document a notice issues (关于印发《2026年
    松江区…方案》的通知).

    Returns:
        The jurisdiction, or None when nothing decides it.
    """
    if front:
        return resolve_name(front)
    table = gazetteer()
    for evidence, text in (("issuer", issuer), ("title", _title_head(title))):
        if not text:
            continue
        if _NATIONAL_ISSUER.match(re.sub(r"^\d{4}年", "", text)):
            return Jurisdiction(NATIONAL.name, NATIONAL.level, None, True, evidence)
        division = table.most_specific(table.mentions(text)) or table.leading_short_name(text)
        if division is not None:
            return table.jurisdiction(division, evidence)
    if _NATIONAL_ISSUER.match(title or "") is None and title and "全国人民代表大会" in title:
        return Jurisdiction(NATIONAL.name, NATIONAL.level, None, True, "title")
    for line in header_lines or ():
        # Promulgation notes of regulations: 国务院令第656号公布, XX省人民代表大会常务委员会批准.
        if _NATIONAL_LINE.search(line):
            return Jurisdiction(NATIONAL.name, NATIONAL.level, None, True, "promulgation note")
        legislature = _LEGISLATURE_LINE.search(line)
        if legislature:
            division = table.most_specific(table.mentions(legislature.group(0)))
            if division is not None:
                return table.jurisdiction(division, "promulgation note")
    if doc_number:
        prefix = doc_number.split("〔", 1)[0]
        found = table.from_doc_number_prefix(prefix)
        if isinstance(found, Division):
            return table.jurisdiction(found, "文号 prefix")
        if isinstance(found, Jurisdiction):
            return Jurisdiction(found.name, found.level, found.parent, True, "文号 prefix")
    for line in signature:
        if _SIGNING_BODY.search(line) and not re.search(r"\d{4}\s*年", line):
            division = table.most_specific(table.mentions(line))
            if division is not None:
                return table.jurisdiction(division, "signature")
    issued = re.fullmatch(r"(?:关于)?(?:印发|转发|发布)《([^》]+)》的?通知", title or "")
    if issued:
        division = table.most_specific(table.mentions(issued.group(1)))
        if division is not None:
            return table.jurisdiction(division, "title")
    return None


# A signature line that is a body's name (not its date).
_SIGNING_BODY = re.compile(
    r"(?:局|委|委员会|办|办公室|政府|厅|中心|管委会|人民代表大会常务委员会)$"
)


def _title_head(title: str | None) -> str | None:
    """The part of a title that names its issuer: before 关于 and outside 《》."""
    if not title:
        return None
    head = re.sub(r"《[^》]*》", "", title)
    return head.split("关于", 1)[0] if "关于" in head else head[:30]
