"""Roles stated in sentences rather than annotations: prose and regulations.

Forms (the role belongs to the clause the sentence is in):

- ``由X牵头，Y配合`` / ``X牵头，Y参与`` / ``X牵头Y、Z…`` (Y, Z coordinated): X leads, Y and Z share;
- ``X会同Y负责…`` / ``X会同Y做好…`` / ``X联合Y…``: X leads, Y shares;
- ``X负责…`` / ``X主管部门负责…``: one unit in charge leads; several units with no lead marked
  (``X、Y负责…``) all share;
- ``X配合…`` / ``X协助…`` / ``X按照各自职责…``: X shares.

A subject counts only when every piece of it looks like a government unit (or a placeholder such
as 有关部门); a company, a builder or a property manager (建设单位, 物业服务企业) is not a unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policykg.ingest.units import (
    UnitName,
    dedupe_units,
    looks_like_unit_list,
    split_unit_list,
)

_SENTENCE = re.compile(r"[^。；;！？!?\n]+")
_CLAUSE_BREAK = re.compile(r"[，,：:]")
_DEFINES = re.compile(r"^(.{2,30}?)是.{0,30}(?:主管部门|管理部门|部门|机关|机构)$")
_LIST_MARKER = re.compile(
    r"^(?:\d{1,3}[.．、]|[（(]\d{1,3}[)）]|[（(][一二三四五六七八九十]+[)）])"
)
_KEYWORD = re.compile(
    r"会同|联合|牵头|(?:按照|按|依照|依据|依|根据)(?:各自|各自的)?(?:职责|职能)(?:分工)?|"
    r"在各自(?:的)?职责范围内|配合|协助|负责(?!人)"
)
# Words before a subject that are not part of it, and adverbs between it and its verb.
_LEADING = re.compile(
    r"^(?:并由|应当由|另由|均由|统一由|由|经|其中|同时|此外|另外|对此|为此|要求|明确|鼓励|支持|本市|本区|本县|我区|我县|我市)+"
)
_TRAILING = re.compile(
    r"(?:应当|应|要|须|必须|依法|具体|统一|共同|分别|主要|还|也|进一步|积极|切实|负责|"
    r"按照各自职责|按照职责|在各自职责范围内|各自)+$"
)
# Bodies that are not government units, whatever their ending.
_NOT_A_UNIT = re.compile(
    r"(?:建设|施工|运输|经营|管理|物业|产权|使用|生产|排污|监理|设计|勘察|拆除|中标|责任)单位$|"
    r"企业$|公司$|集团$|个人$|业主$|居民$|群众$|市场主体$|人员$|团队$|管线单位$|^本单位$|河长|及其$|"
    r"自行$|应当|根据|按照|需要|(?:承|举|主|协|督|代)办$"
)
# Any organisation or person (有关单位和个人): nobody in particular.
_ANYONE = re.compile(r"(?:和|及|或者?)(?:个人|人员|公民|其他组织)")
# A bare type names nobody in particular (政府负责… in a national text): not a subject.
_BARE = frozenset({"政府", "人民政府", "部门", "单位", "机关", "机构", "组织", "地方", "地方政府"})
_SUBJECT_CHARS = re.compile(r"[^，,：:（）()《》“”\"]+$")
_UNITS_AT_START = re.compile(
    r"^[^，,。；;：:]{2,60}?(?:部门|局|委员会|委|办公室|办|厅|部|署|机关|机构|政府|管委会|中心|街道|镇|乡|"
    r"街镇|办事处|单位|院|队|站|所|专班)(?:[（(][^）)]{1,8}[)）])?(?=负责|做好|开展|制定|组织|推进|加强|建立|实施|落实|研究|编制|对|按照|依法|共同|联合|进行|做|抓好|统筹|指导|协调|督促|完善|确定|提出|审核|审查|办理|查处|处理|监督|管理|保障|加快|拟订|划定|设立|核定|发布|公布|征求|责令|在(?![\u4e00-\u9fff]{1,3}(?:机构|分支机构|派出机构))|给予|予以|作出|拟定|核发|审批|批准|处罚|没收|采取|，|,|$)"
)


@dataclass(frozen=True, slots=True)
class Statement:
    """Units a sentence gives a role.

    Attributes:
        leads: Units that lead.
        responsible: Units that share.
        sentence: The sentence the roles were read from (the evidence).
    """

    leads: tuple[UnitName, ...]
    responsible: tuple[UnitName, ...]
    sentence: str


def read_statements(text: str, *, owner: bool = False, duty: bool = False) -> list[Statement]:
    """Every role statement in ``text``, sentence by sentence, in order.

    Args:
        text: A clause's text.
        owner: The clause is a duty of the unit heading its section, the implicit subject of a
            sentence that begins with 牵头 (牵头Y、Z…: Y and Z share).
        duty: The clause is in a section that assigns duties (职责分工): a paragraph whose subject
            is a unit (区城管执法局依法对…实施行政处罚) states that unit's duty. Elsewhere only a
            paragraph that names a unit before a colon (区司法局：一是…) does.
    """
    if not _KEYWORD.search(text) and not (duty or "：" in text or ":" in text):
        return []  # most clauses state no role: one scan and done
    found = []
    for match in _SENTENCE.finditer(text):
        sentence = match.group(0).strip()
        statement = _read_sentence(sentence, owner=owner)
        if statement is None and _starts_paragraph(text, match.start()):
            statement = _actor_sentence(sentence, colon_only=not duty)
        if statement is not None:
            found.append(statement)
    return found


def _starts_paragraph(text: str, start: int) -> bool:
    """The sentence at ``start`` begins the text or a line of it."""
    before = text[:start].rstrip(" \t\u3000")
    return not before or before.endswith("\n")


# A sentence whose subject is a named body doing a duty: 区城管执法局依法对…实施行政处罚, 区司法局：一是…,
# 属地街镇切实履行…. The body must carry a level (区/县/市/镇/街道/属地…); the verb follows it at once.
_ACTOR = re.compile(
    r"^(?:[（(]?[0-9一二三四五六七八九十]{1,3}[)）.．、]\s*)?"
    r"(?P<names>(?:区|县|市|镇|乡|街道|属地|各)[\u4e00-\u9fff、（）()]{1,24}?"
    r"(?:局|委|办|中心|街镇|街道|镇|乡|政府|办事处|分局|支队|大队|所|站))"
    r"(?=[：:]|依法|要|应当|应|须|必须|切实|负责|开展|做好|加强|落实|指导|督促|组织|推进|履行|强化|"
    r"对|做实|抓好|主动|及时|定期|全面|严格|积极|统筹|作为)"
)


def _actor_sentence(sentence: str, *, colon_only: bool) -> Statement | None:
    """A sentence that begins with the bodies doing its duty: one leads, several share.

    With ``colon_only``, only a sentence naming them before a colon (区司法局：一是…) counts.
    """
    if colon_only and "：" not in sentence and ":" not in sentence:
        return None
    match = _ACTOR.match(sentence)
    if match is None or (colon_only and sentence[match.end() : match.end() + 1] not in "：:"):
        return None
    names = match.group("names")
    if names.startswith("各"):
        names = re.sub(r"、(?=[\u4e00-\u9fff]{1,2}(?:、|$))", "、各", names)  # 各街道、镇: 各镇 too
    units = _government_units(names)
    if not units or any(u.name.endswith("政府") for u in units):
        return None  # 市人民政府应当加强领导: a government's general duty, not a task's owner
    if len(units) == 1:
        return Statement((units[0],), (), sentence)
    return Statement((), tuple(units), sentence)


# A definition (高档洗浴场所，是指市商务部门会同有关部门制定…的) names who made a list, not a task.
_DEFINITION = re.compile(r"是指|所称")
# 负责 inside a body's description (县级以上人民政府负责侨务工作的部门): no role word.
_DESCRIBES_BODY = re.compile(r"^[^，,。；;]{1,16}?的(?:部门|机构|行政部门|主管部门|单位)")


def _read_sentence(sentence: str, *, owner: bool = False) -> Statement | None:
    if _DEFINITION.search(sentence):
        return None
    leads: list[UnitName] = []
    responsible: list[UnitName] = []
    coordinated = False  # a 牵头 or 会同 named who leads: later 负责 subjects share
    position = 0
    for keyword in _KEYWORD.finditer(sentence):
        if keyword.start() < position:
            continue
        word = keyword.group(0)
        rest = sentence[keyword.end() :]
        if word == "负责" and (described := _DESCRIBES_BODY.match(rest)):
            position = keyword.end() + described.end()
            continue
        subject = _subject(sentence[position : keyword.start()])
        if word in ("会同", "联合"):
            partners = _units_helped(rest) or _units_at_start(rest)
            if word == "联合" and not partners:
                position = keyword.end()  # 联合执法制度: a noun, not X联合Y
                continue
            if subject:
                leads.extend(subject)
                responsible.extend(partners)
                coordinated = True
            elif (
                owner and not _CLAUSE_BREAK.split(sentence[position : keyword.start()])[-1].strip()
            ):
                # Under a unit's duty heading, 会同属地街镇… / …，联合区房管局…: the unit heading the
                # section does it with them; they share.
                responsible.extend(partners)
            position = keyword.end()
            continue
        if word == "牵头":
            if subject or (owner and not sentence[position : keyword.start()].strip()):
                leads.extend(subject)
                coordinated = True
                if re.match(r"(?:成立|组建|设立)", rest):
                    # X牵头成立Y，负责…: Y is set up by X, neither led nor the subject after it.
                    comma = re.search(r"[，,]", rest)
                    position = keyword.end() + (comma.end() if comma else len(rest))
                    continue
                responsible.extend(_units_at_start(rest))  # X牵头Y、Z…: Y, Z coordinated
            position = keyword.end()
            continue
        if not subject:
            position = keyword.end()
            continue
        if word in ("配合", "协助") and (helped := _units_helped(rest)):
            leads.extend(helped)  # X配合Y做好…: Y leads, X shares
            responsible.extend(subject)
            coordinated = True
            position = keyword.end()
            continue
        if word == "负责" and not coordinated and (len(subject) == 1 or _one_per_level(subject)):
            leads.extend(subject)  # one unit in charge leads (one per level: each in its area)
        else:
            responsible.extend(subject)  # 配合, 协助, 按照各自职责, several units 负责
        position = keyword.end()
    lead_names = {u.name for u in leads}
    kept_responsible = tuple(dedupe_units([u for u in responsible if u.name not in lead_names]))
    if not leads and not kept_responsible:
        return None
    return Statement(tuple(dedupe_units(leads)), kept_responsible, sentence)


def _one_per_level(units: list[UnitName]) -> bool:
    """市、县（市、区）X主管部门: the same department at several levels, each in charge of its own
    area (not several units sharing one task)."""
    bodies = {_LEVEL_AT_START.sub("", u.name) for u in units}
    return len(units) > 1 and len(bodies) == 1 and all(_LEVEL_AT_START.match(u.name) for u in units)


def _subject(before: str) -> list[UnitName]:
    """The units right before a role word: after the last comma, without 由 and adverbs."""
    chunks = _CLAUSE_BREAK.split(before)
    tail = chunks[-1].strip()
    if not _TRAILING.sub("", _LEADING.sub("", tail)) and len(chunks) > 1:
        # X是本市…主管部门，负责…: the body the sentence defines is the subject; so is a list
        # standing alone before the comma (市发展和改革、公安等部门，按照各自职责…).
        previous = chunks[-2].strip()
        defined = _DEFINES.match(previous) or _FOUNDED.match(previous)
        tail = defined.group(1) if defined else previous if _LIST_ALONE.search(previous) else ""
    elif (modal := _MODAL.search(tail)) and modal.start() > 0:
        # 乡镇人民政府应当根据所在地实际负责…, 海关总署要继续做好牵头工作: the subject comes first.
        tail = tail[: modal.start()]
    elif "对" in tail:
        # 自治县人民政府对…负责: the subject comes before 对.
        tail = tail.split("对", 1)[0] or tail
    if "由" in tail:
        tail = tail.rsplit("由", 1)[1]  # 其余单位的推进由街镇负责: the subject follows 由
    if "授权" in tail:
        tail = tail.rsplit("授权", 1)[1]  # 州人民政府授权州数据资源主管部门负责: the one empowered
    tail = _LIST_MARKER.sub("", tail)  # 1.提篮桥街道办事处负责…: the item's number is no name
    if "的" in tail:
        tail = tail.rsplit("的", 1)[
            1
        ]  # 城市轨道交通沿线的县（市、区）人民政府: the body, not where
    tail = _LEADING.sub("", tail)
    tail = _TRAILING.sub("", tail)
    if len(tail) < 2 or not _SUBJECT_CHARS.match(tail.replace("（", "").replace("）", "")):
        return []
    return _government_units(tail)


_MODAL = re.compile(r"应当|必须|要|须")
# 成立我区停车共享专项工作领导小组，负责…: the body set up is the subject.
_FOUNDED = re.compile(
    r"^(?:成立|组建|设立)(?:了)?(?:我区|我县|我市|本区|本县|本市|全区|全县|全市)?"
    r"(.{2,30}?(?:领导小组|工作小组|专班|指挥部|联席会议办公室|委员会))$"
)
# A chunk that is only a list of bodies (…等部门, …等相关主管部门).
_LIST_ALONE = re.compile(r"等(?:有关|相关)?(?:行政主管部门|主管部门|部门|单位)$")


def _units_at_start(rest: str) -> list[UnitName]:
    """The unit list at the start of ``rest`` (the partners after 会同, those coordinated)."""
    match = _UNITS_AT_START.match(rest)
    if not match:
        return []
    return _government_units(_TRAILING.sub("", match.group(0).strip()))


# The units a sentence says are helped (配合Y…): a list ending as a body's name does, and not
# followed by more of the list (、和及等) or of the name (部门, 委员会, 办公室, 在沪机构).
_HELPED = re.compile(
    r"^[^，,。；;：:]{2,60}?(?:部门|局|委员会|委|办公室|厅|部|署|机关|机构|政府|管委会|中心|办事处|分局|总局|"
    r"街镇|街道)(?:[（(][^）)]{1,8}[)）])?(?![、和及与等门员公事处办]|在[\u4e00-\u9fff]{1,3}机构|相关|有关|所属|"
    r"[\u4e00-\u9fff]{1,6}(?:管理部门|主管部门|部门|支队|大队))"
)


def _units_helped(rest: str) -> list[UnitName]:
    """The units right after 配合 / 协助 (配合中央金融管理部门开展…), if it names any."""
    match = _HELPED.match(rest)
    return _government_units(match.group(0)) if match else []


_LEVEL = r"(?:市|县|区|省|镇|乡)(?:[（(][市区县、]{1,5}[)）])?"
_LEVEL_AT_START = re.compile(rf"^{_LEVEL}")
_LEVEL_LIST = re.compile(rf"^(?P<levels>{_LEVEL}(?:、{_LEVEL})+)(?P<rest>[^、，,]{{2,}})$")
_SHARED_SUFFIX = re.compile(
    r"^(?P<prefix>县级以上(?:地方)?人民政府|(?:自治县|自治州|市|县|区|州)人民政府|自治县|自治州|国家|市(?!场)|县|区(?!域)|省(?!级)|乡镇|同级)?"
    r"(?P<body>.+?)(?:等(?:有关|相关)?)?(?P<suffix>行政主管部门|主管部门|部门)$"
)


def _expand_shared_suffix(text: str) -> str:
    """Lists that share a qualifier or an ending, written out item by item.

    ``市、县（区）住房和城乡建设主管部门`` -> 市住房和城乡建设主管部门、县（区）住房和城乡建设主管部门;
    ``自治县发展改革、水利、气象等部门`` -> 自治县发展改革部门、自治县水利部门、自治县气象部门. Items are
    split at 、 only: 和 belongs to department names (住房和城乡建设, 自然资源和规划).
    """
    levels = _LEVEL_LIST.match(text)
    if levels:
        rest = levels.group("rest")
        return "、".join(f"{level}{rest}" for level in re.findall(_LEVEL, levels.group("levels")))
    match = _SHARED_SUFFIX.match(text)
    if not match:
        return text
    pieces = [p for p in re.split(r"[、，,]", match.group("body")) if p]
    if len(pieces) < 2 or any(looks_like_unit_list(p) for p in pieces):
        return text
    prefix, suffix = match.group("prefix") or "", match.group("suffix")
    # 水行政、…等行政主管部门: an item already ending with the start of the ending keeps it once.
    return "、".join(
        f"{prefix}{piece.removesuffix('行政') if suffix.startswith('行政') else piece}{suffix}"
        for piece in pieces
    )


# A unit's name ends as a body's name does; a fragment holding 有关部门 does not count.
_ENDS_LIKE_UNIT = re.compile(
    r"(?:局|委|委员会|办|办公室|厅|部|署|部门|机关|机构|政府|管委会|中心|街道|镇|乡|乡镇|街镇|办事处|"
    r"院|队|站|所|组|专班|分局|总局|支队|大队|单位|法院|检察院)$"
)


# 和 / 及 between two bodies (区建设管理委和区水务局), not inside a name (住房和城乡建设部门): the word
# before it ends as a body's name does.
_BODY_AND = re.compile(
    "(?:"
    + "|".join(
        f"(?<={ending})"
        for ending in (
            "局",
            "委",
            "办",
            "厅",
            "部",
            "署",
            "部门",
            "机关",
            "机构",
            "政府",
            "中心",
            "办事处",
        )
    )
    + r")(?:和|以及|及)(?=[\u4e00-\u9fff]{2})"
)


_QUALIFIER = re.compile(r"^(?:自治县|自治州|市(?!场)|县(?!级)|区(?!域)|省(?!级)|镇|乡)")
_PLACEHOLDER_START = re.compile(r"^(?:有关|相关|各|其他|其它|同级|上级|下级|国家|中央|国务院)")


def _carry_qualifier(text: str) -> str:
    """市住房和城乡建设部门和公安机关 -> …和市公安机关: a body after 和 without a level of its own
    has the first body's (区人民政府或者街道办事处 keeps each as written)."""
    parts = _BODY_AND.split(text)
    level = _QUALIFIER.match(parts[0])
    if len(parts) < 2 or level is None:
        return "或".join(parts)
    carried = [
        level.group(0) + p.removeprefix("其")  # 市人民政府及其有关部门: 市有关部门
        if (p.startswith("其") and not p.startswith(("其他", "其它")))
        or not (
            _QUALIFIER.match(p) or _PLACEHOLDER_START.match(p) or p.startswith(("其他", "其它"))
        )
        else p
        for p in parts[1:]
    ]
    return "或".join([parts[0], *carried])


def _government_units(text: str) -> list[UnitName]:
    if _ANYONE.search(text):
        return []
    # 区人民政府或者街道办事处: two bodies, each named in full (no qualifier carried across).
    parts = [p for p in re.split(r"或者|或(?=[\u4e00-\u9fff]{2})", _carry_qualifier(text)) if p]
    if len(parts) > 1:
        found = [_government_units(p) for p in parts]
        return [] if any(not units for units in found) else [u for units in found for u in units]
    text = _expand_shared_suffix(text)
    text = re.sub(r"等(?:有关|相关)?(?:部门|单位)?$", "", text) or text
    if not text or not looks_like_unit_list(text):
        return []
    units = split_unit_list(text)
    if not units or any(
        _NOT_A_UNIT.search(u.name) or u.name in _BARE or not _ENDS_LIKE_UNIT.search(u.name)
        for u in units
    ):
        return []
    return units
