"""Unit names: split compound lists, clean, classify and repair them.

A role annotation names units as written (``有关部门和乡镇政府,县高新区党工委、管委会``). This module
turns such a list into canonical names (``有关部门``, ``有关乡镇政府``, ``县高新区党工委``,
``县高新区管委会``), keeps the spelling as written as an alias, and repairs typos against units
spelled right elsewhere.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from policykg.ingest.model import Level, UnitKind

# Endings that make a string a complete unit name on its own.
_UNIT_SUFFIX = re.compile(
    r"(?:局|委|委员会|办|办公室|厅|部|署|总局|政府|管委会|党工委|单位|部门|机关|中心|院|所|会|联|协|中央|行|"
    r"支行|分行|司|公司|集团|社|总社|街道|办事处|镇|乡|乡镇|街镇|队|站|处|科|组|馆|校|学校|"
    r"分局|银行|企业|机构|法院|检察院|区|县|市|省|州|盟|旗|企业|小组|协会|商会|工作组|专班|成员单位)$"
)

# Generic unit types that take the qualifier of the unit listed before them:
# 县高新区党工委、管委会 -> 县高新区管委会; 有关部门和乡镇政府 -> 有关乡镇政府.
_BARE_TYPES = (
    "管委会",
    "党工委",
    "工委",
    "乡镇政府",
    "乡镇人民政府",
    "镇政府",
    "街道",
    "街道办事处",
    "街镇",
    "部门",
    "单位",
    "县级市",
    "人民政府",
    "政府",
    "公共机构",
    "党政机关",
    "区",
    "县",
    "市",
    "企业",
    "机构",
)
_BARE_TYPE_SET = frozenset(_BARE_TYPES)
_QUALIFIER = re.compile(r"^(?:各有关|各相关|有关|相关|各|其他|其它)")

# Phrases that follow a unit list but are not part of a name.
_TRAILING = re.compile(
    r"(?:按职责分工|按职能分工|按照职责分工|按职责|分别|共同|等有关部门|等部门|等单位|等)$"
)
_TRAILING_ROLE_WORDS = re.compile(r"(?:牵头负责|负责落实|负责|牵头|配合|参与|协助|落实|实施)$")
_PARENTHETICAL = re.compile(r"[（(]([^（）()]*)[)）]")
_LEVELS_IN_NAME = re.compile(
    r"(?:(?<=[县市区])[（(]([市区县、]{1,5})[)）]|(?<=村)[（(](居)[)）]|(?<=[乡镇])[（(]([乡镇])[)）])"
    r"(?=[\u4e00-\u9fff])"
)
_SPACE = re.compile(r"\s+")

# Names that contain 和/及/与 but are one unit; splitting them would be wrong.
_JOINED_NAME = re.compile(
    r"(?:工业和信息化|文化和旅游|自然资源和规划|住房和城乡建设|人力资源和社会保障|发展和改革|"
    r"中央和国家机关|粮食和物资储备|粮食和储备|科学技术和|经济和信息化|商务和|交通运输和|"
    r"科技和信息化|教育和体育|农业和农村|卫生和计划生育|新闻出版和|广播电视和|规划和自然资源|"
    r"生态环境和|市场监督和|退役军人事务和|应急管理和|城市管理和|绿化和市容|水利和|民族和宗教|"
    r"机关事务和|财政和|审计和|统计和|档案和|科技和|网络安全和信息化|保密和|外事和|侨务和|"
    r"安全生产和|港澳和|台湾和|政务服务和|大数据和|医疗保障和|信访和|"
    r"[^、，,；;]{1,6}和[^、，,；;]{1,6}(?:局|厅|委|部|办))"
)

_PLACEHOLDER = re.compile(
    r"^(?:各有关|各相关|有关|相关|各|其他|其它)|(?:成员单位|有关单位|相关单位|有关部门|相关部门)$"
)
_PARTY = re.compile(
    r"(?:^中共|党委|党组|[县区市省州]委(?:组织部|宣传部|统战部|政法委|编办|办公室|农办|网信办|"
    r"外办|财经委|深改办|党校)?$|^[县区市省州]委|组织部|宣传部|统战部|政法委|编办|纪委|监委|"
    r"^团[县区市省州]委|^共青团|妇联|总工会|工商联|残联|科协|文联|侨联|机关工委|工委$)"
)
_ZONE = re.compile(
    r"(?:开发区|高新区|经开区|园区|新区|保税区|试验区|产业园|集聚区).*(?:管委会|党工委|工委|管理委员会|管理办公室)$"
)
_GOVERNMENT = re.compile(r"(?:人民政府|政府)(?:办公室|办公厅)?$")
_TOWNSHIP = re.compile(
    r"(?:乡镇|街道|镇|乡|街镇|办事处|管理办|社区|村委会|居委会)(?:人民政府|政府)?$"
)
_ORGANISATION = re.compile(
    r"(?:公司|集团|银行|支行|分行|协会|商会|学会|联合会|总社|企业|基金会|研究院|大学|学院|医院|"
    r"电信|移动|联通|铁塔|证监局|银保监局|银保监分局|人行)"
)

_LEVEL_PREFIX: dict[str, Level] = {
    "县": Level.COUNTY,
    "区": Level.DISTRICT,
    "市": Level.CITY,
    "州": Level.CITY,
    "盟": Level.CITY,
    "省": Level.PROVINCE,
    "自治区": Level.PROVINCE,
}


@dataclass(frozen=True, slots=True)
class UnitName:
    """One unit as named in a document.

    Attributes:
        name: Canonical name.
        written: The spelling in the document (differs when repaired or expanded).
        aliases: Other names for it given in the document (a parenthetical, an abbreviation).
    """

    name: str
    written: str
    aliases: tuple[str, ...] = ()


def is_bare_type(name: str) -> bool:
    """True for a generic unit type without qualifier (管委会, 单位, 乡镇政府)."""
    return name in _BARE_TYPE_SET


def clean_piece(piece: str) -> tuple[str, tuple[str, ...]]:
    """Strip spaces, list words and parentheticals from one list item.

    Returns:
        The cleaned name and any parenthetical alternative names.
    """
    piece = _SPACE.sub("", piece).strip("。.；;：:，,、·\"'“”‘’「」")
    # 县（市）城市绿化主管部门, 县（市、区）人民政府: levels in brackets inside a name are part of it.
    piece = _LEVELS_IN_NAME.sub(
        lambda m: f"\x00{m.group(1) or m.group(2) or m.group(3)}\x01", piece
    )
    aliases: list[str] = []
    for match in _PARENTHETICAL.finditer(piece):
        inner = match.group(1)
        aliases.extend(a for a in re.split(r"[、，,；;]", inner) if a and _UNIT_SUFFIX.search(a))
    piece = _PARENTHETICAL.sub("", piece).replace("\x00", "（").replace("\x01", "）")
    previous = None
    while previous != piece:
        previous = piece
        piece = _TRAILING.sub("", piece)
        piece = _TRAILING_ROLE_WORDS.sub("", piece) if len(piece) > 3 else piece
    return piece, tuple(aliases)


def split_unit_list(text: str) -> list[UnitName]:
    """Split an annotation's unit list into unit names, carrying qualifiers across items.

    ``县委编办、有关部门和乡镇政府,县高新区党工委、管委会`` yields 县委编办, 有关部门, 有关乡镇政府,
    县高新区党工委, 县高新区管委会.
    """
    units: list[UnitName] = []
    previous: str | None = None
    # 等有关部门和单位 / 等和各省级人民政府: 等 closes the list of named units, what follows is more.
    text = re.sub(r"等(?:和|及)?(?=各有关|各相关|有关|相关|各)", "、", text)
    text = re.sub(r"等(?:和|及)", "、", text)
    for raw in _split_outside_brackets(text):
        for part in _split_conjunction(raw):
            name, aliases = clean_piece(part)
            if not _is_unit_like(name):
                continue
            canonical = _carry_qualifier(name, previous)
            units.append(UnitName(canonical, name, aliases))
            previous = canonical
    return dedupe_units(units)


def looks_like_unit_list(text: str) -> bool:
    """True when ``text`` is nothing but unit names (a 牵头部门 table cell, say)."""
    if "。" in text or not text.strip():
        return False
    pieces = [p for p in _split_outside_brackets(text) if p.strip()]
    return all(_is_unit_like(clean_piece(p)[0]) for p in pieces)


def _split_outside_brackets(text: str) -> list[str]:
    """Split a list at 、，,；; and 以及, but not inside brackets: 区委宣传部（区文明办、区新闻办）."""
    pieces: list[str] = []
    depth = 0
    current: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        if depth == 0 and (ch in "、，,；;／/" or text.startswith("以及", i)):
            pieces.append("".join(current))
            current = []
            i += 2 if ch == "以" else 1
            continue
        current.append(ch)
        i += 1
    pieces.append("".join(current))
    return pieces


def _split_conjunction(piece: str) -> list[str]:
    """Split ``有关部门和乡镇政府`` at 和/及/与 when the left side is a complete unit name."""
    parts = [piece]
    for word in ("和", "及", "与"):
        next_parts: list[str] = []
        for part in parts:
            next_parts.extend(_split_at(part, word))
        parts = next_parts
    return parts


def _split_at(piece: str, word: str) -> list[str]:
    index = piece.find(word)
    while index > 0:
        left, right = piece[:index], piece[index + 1 :]
        left_clean = _TRAILING.sub("", _SPACE.sub("", left))
        protected = _JOINED_NAME.search(piece[: index + 8]) is not None and not left_clean.endswith(
            ("部门", "单位", "管委会", "党工委", "政府")
        )
        if right and not protected and _UNIT_SUFFIX.search(left_clean):
            return [left, *_split_at(right, word)]
        index = piece.find(word, index + 1)
    return [piece]


def _carry_qualifier(name: str, previous: str | None) -> str:
    """Give a bare unit type the qualifier of the unit before it (``管委会`` -> ``县高新区管委会``)."""
    if previous is None or name not in _BARE_TYPE_SET:
        return name
    qualifier = _QUALIFIER.match(previous)
    if qualifier and not _QUALIFIER.match(name):
        return qualifier.group(0) + name
    for bare in sorted(_BARE_TYPES, key=len, reverse=True):
        if previous.endswith(bare) and len(previous) > len(bare):
            stem = previous[: -len(bare)]
            if stem.endswith(("镇", "乡", "）")) and name.startswith(("街道", "社区", "村", "居")):
                return name  # 乡镇人民政府、街道办事处: a street office is no township's
            if stem.endswith(("区", "县", "市", "省", "州", "镇", "乡")):
                return stem + name
    return name


def _is_unit_like(name: str) -> bool:
    if len(name) < 2 or len(name) > 40:
        return False
    if re.search(r"[0-9０-９]{3,}|年|月|[。！？]", name):
        return False
    return bool(_UNIT_SUFFIX.search(name) or _PLACEHOLDER.search(name))


def dedupe_units(units: list[UnitName]) -> list[UnitName]:
    """Each unit once, by canonical name, first occurrence kept."""
    seen: set[str] = set()
    result = []
    for unit in units:
        if unit.name not in seen:
            seen.add(unit.name)
            result.append(unit)
    return result


def unit_kind(name: str) -> UnitKind:
    """Classify a canonical unit name (placeholder, party organ, zone committee, …)."""
    if _PLACEHOLDER.search(name):
        return UnitKind.PLACEHOLDER
    if _ZONE.search(name):
        return UnitKind.ZONE_COMMITTEE
    if _PARTY.search(name):
        return UnitKind.PARTY_ORGAN
    if _TOWNSHIP.search(name) and not name.endswith(("人民政府办公室", "政府办公室")):
        return UnitKind.TOWNSHIP
    if _GOVERNMENT.search(name):
        return UnitKind.GOVERNMENT
    if _ORGANISATION.search(name):
        return UnitKind.ORGANISATION
    return UnitKind.DEPARTMENT


def unit_level(name: str, default: Level = Level.UNKNOWN) -> Level:
    """Level a unit's name states by its prefix (县商务局 -> 县), else ``default``."""
    stripped = _QUALIFIER.sub("", name)
    for prefix in ("自治区", "县", "区", "市", "州", "盟", "省"):
        if stripped.startswith(prefix):
            return _LEVEL_PREFIX[prefix]
    if name.startswith("中共") and len(name) > 3:
        return unit_level(name[2:], default)
    return default


class UnitRepairer:
    """Repairs unit names against units spelled right elsewhere.

    A name one character short of (or one longer than) a name seen more often, with at least five
    characters in common, is a typo of it: 县然资源和规划局 -> 县自然资源和规划局. Substitutions are
    never repaired, because 市教育局 and 市体育局 differ by one character and are two units.
    A bare name that is the tail of exactly one prefixed name (财政局 -> 县财政局) is the short form.
    """

    def __init__(self, known: Iterable[str] = ()) -> None:
        self._counts: Counter[str] = Counter()
        # Every known name with one character deleted -> the known names it came from.
        self._deletions: dict[str, set[str]] = {}
        # Tail after a level prefix -> prefixed known names (财政局 -> {县财政局}).
        self._tails: dict[str, set[str]] = {}
        self.add(known)

    def add(self, names: Iterable[str]) -> None:
        """Count ``names`` as seen (in annotations of this or other documents)."""
        for name in names:
            if name not in self._counts:
                for i in range(len(name)):
                    self._deletions.setdefault(name[:i] + name[i + 1 :], set()).add(name)
                if name[:1] in ("县", "区", "市", "省", "州"):
                    self._tails.setdefault(name[1:], set()).add(name)
            self._counts[name] += 1

    def repair(self, name: str) -> str:
        """Return the canonical spelling of ``name`` (``name`` itself when nothing better is known)."""
        if len(name) < 5 or _PLACEHOLDER.search(name):
            return name
        own = self._counts.get(name, 0)
        # Known names one character longer (name lost a character) or shorter (gained one).
        candidates = set(self._deletions.get(name, ()))
        candidates.update(
            shorter
            for i in range(len(name))
            if (shorter := name[:i] + name[i + 1 :]) in self._counts
        )
        # A first character added or dropped is a level prefix or qualifier (市人民政府 vs
        # 各市人民政府, 发展改革委 vs 市发展改革委), not a typo.
        candidates = {c for c in candidates if c[1:] != name and name[1:] != c}
        # A dropped character is the common typo: repair towards the longer name when it is seen
        # at least as often; towards a shorter one only when that is seen more often.
        best = max(
            (
                c
                for c in candidates
                if (self._counts[c] > own or (len(c) > len(name) and self._counts[c] >= own))
                and len(c) >= 5
                and not _PLACEHOLDER.search(c)
            ),
            key=lambda c: (self._counts[c], c),
            default=None,
        )
        return best if best is not None else name

    def expand_short_form(self, name: str) -> str:
        """``财政局`` -> ``县财政局`` when exactly one known unit is a level prefix plus ``name``.

        A kind of department (城市管理主管部门, 公安部门) is not expanded: in a regulation it is
        the department of that kind at every level, not the one level another article names.
        """
        if unit_level(name) is not Level.UNKNOWN or _PLACEHOLDER.search(name) or len(name) < 3:
            return name
        if name.endswith("部门"):
            return name
        matches = self._tails.get(name, set())
        return next(iter(matches)) if len(matches) == 1 else name
