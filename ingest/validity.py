"""When a document says it takes effect and when it stops: 自…起施行, 印发之日起施行, 有效期….

A document states its own validity in one or two sentences near its end (本办法自2020年1月1日起
施行。/ 本意见自印发之日起施行，有效期5年。/ 有效期至2027年12月31日。). Only sentences about the
document itself count: they name it (本办法, 本意见, 以上措施 …) or stand alone as a validity line
(有效期至…); a 许可证 or 证书 valid for five years is not the document's term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from policykg.ingest.deadlines import deadline_date

_SELF = re.compile(
    r"(?:本|此|以上|上述)(?:实施)?(?:条例|办法|规定|细则|意见|方案|通知|若干措施|措施|政策|决定|"
    r"规划|计划|准则|规则|文件|制度|规程|标准|纲要|指引|指南|工作方案|行动方案|行动计划|暂行办法|预案|"
    r"试行办法|管理办法|实施细则|公告|通告|要点|清单|目录|条款|版本)"
)
_SENTENCE = re.compile(r"[^。；;\n]+")
_DIGITS = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")
_CN_DATE = re.compile(
    r"(?P<y>[\d〇○零一二三四五六七八九]{4})\s*年\s*(?P<m>[\d一二三四五六七八九十]{1,3})\s*月"
    r"\s*(?P<d>[\d一二三四五六七八九十]{1,3})\s*日"
)
_EFFECT_WORD = r"(?:起|开始)?\s*(?:施行|实施|实行|执行|生效|试行|正式实施|正式施行)"
_ON_DATE = re.compile(r"(?:自|从|于)\s*(?P<date>[^，,。；自从于]{6,20}?日)\s*" + _EFFECT_WORD)
_ON_ISSUE = re.compile(
    r"(?:自|从)\s*(?:印发|发布|公布|颁布|发文|下发|签发|公告|通过)\s*之?\s*日\s*" + _EFFECT_WORD
)
_UNTIL = re.compile(
    r"有效期\s*(?:至|到|截至|截止(?:到|至)?)\s*(?P<until>\d{4}\s*年[^，,。；]{0,12}?(?:日|底|末))"
)
_DAY = r"[\d〇○零一二三四五六七八九]{4}\s*年[^，,。；至到]{1,10}?日"
# 自2012年2月1日至2017年1月31日施行 / 执行期限为2019年1月1日至2023年12月31日: a start and an end.
_SPAN = re.compile(
    rf"(?:自|从|期限(?:为|是)?|有效期(?:为|是|自)?)\s*(?P<start>{_DAY})\s*(?:起)?\s*(?:至|到)\s*"
    rf"(?P<end>{_DAY})"
)
_DATE_LINE = re.compile(rf"^\s*(?P<date>{_DAY})\s*$", re.MULTILINE)
_SPAN_END = re.compile(
    r"(?:至|到)\s*(?P<until>[\d〇○零一二三四五六七八九]{4}\s*年[^，,。；]{1,10}?日)\s*(?:止|为止|截止)"
)
_NUMBER = r"[\d一二两三四五六七八九十]{1,3}"
_TERM = re.compile(
    rf"有效期\s*(?:为|暂定为?|是|暂定)?\s*(?P<n>{_NUMBER})\s*(?P<unit>年|个月)|"
    rf"(?:暂定|试行)\s*(?P<n2>{_NUMBER})\s*(?P<unit2>年|个月)\s*(?:有效期)?|"
    rf"(?P<n3>{_NUMBER})\s*(?P<unit3>年|个月)\s*有效期"
)
# A term or date of something the document regulates, not of the document itself.
_OTHER_TERM = re.compile(
    r"(?:证|照|许可|资格|资质|认定|备案|批准|登记|合同|协议|牌|卡)[^，,]{0,6}有效期"
)


@dataclass(frozen=True, slots=True)
class Validity:
    """What a document says about its own validity.

    Attributes:
        effective: The day it takes effect, ``YYYY-MM-DD``, or None when the text does not say
            (or says 自印发之日起 and the issue date is unknown).
        expires: The last day it is valid, ``YYYY-MM-DD``, or None when it states no term.
        evidence: The sentences these were read from, joined by ``…``.
    """

    effective: str | None = None
    expires: str | None = None
    evidence: str = ""


def read_validity(text: str, issued: str | None) -> Validity:
    """Read the document's own effective date and expiry from its text.

    Args:
        text: The document's text (preamble, clauses, signature), in order.
        issued: Its issue date ``YYYY-MM-DD`` (自印发之日起施行 takes effect then), or None.

    The last statement wins (a document's closing article states its validity; a clause that
    quotes another document's 自…起施行 comes earlier), except that an expiry is only taken
    together with, or after, the sentence that sets the effective date.
    """
    effective: str | None = None
    until: str | None = None
    term: tuple[int, str] | None = None
    evidence: list[str] = []
    if not issued:
        # A date written in Chinese numerals under the signature (二〇〇五年六月十一日).
        lines = [parse_date(m.group("date")) for m in _DATE_LINE.finditer(text)]
        issued = next((d for d in reversed(lines) if d), None)
    for match in _SENTENCE.finditer(text):
        sentence = match.group(0).strip()
        if "有效期" not in sentence and not re.search(r"施行|实施|实行|执行|生效|期限", sentence):
            continue
        about_self = _SELF.search(sentence) is not None or sentence.startswith(
            ("有效期", "自", "从")
        )
        if not about_self:
            continue
        found = False
        on_date = _ON_DATE.search(sentence)
        day = parse_date(on_date.group("date")) if on_date else None
        if day:
            effective, found = day, True
        elif _ON_ISSUE.search(sentence) and issued and len(issued) == 10:
            effective, found = issued, True
        if "有效期" in sentence and not _OTHER_TERM.search(sentence):
            if (limit := _UNTIL.search(sentence)) and (day := _until_date(limit.group("until"))):
                until, term, found = day, None, True
            elif length := _TERM.search(sentence):
                term, until, found = _term_of(length), None, True
        elif (length := _TERM.search(sentence)) and length.group("n2"):
            term, until, found = _term_of(length), None, True  # 暂定三年 / 试行两年
        if (span := _SPAN_END.search(sentence)) and (day := parse_date(span.group("until"))):
            until, term, found = day, None, True  # 自2021年1月1日起执行，至2023年12月31日止
        elif (span := _SPAN.search(sentence)) and (end := parse_date(span.group("end"))):
            start = parse_date(span.group("start"))
            effective, until, term, found = start or effective, end, None, True
        if found:
            evidence.append(sentence)
    expires = until
    if term is not None:
        start = effective or (issued if issued and len(issued) == 10 else None)
        expires = _add(start, term) if start else None
    return Validity(effective, expires, "…".join(dict.fromkeys(evidence)))


def parse_date(text: str) -> str | None:
    """``2020年1月1日`` / ``二〇二〇年一月一日`` -> ``2020-01-01``; None when it is not a whole date."""
    match = _CN_DATE.search(text)
    if match is None:
        return None
    year = int(match.group("y").translate(_DIGITS))
    month, day = _small_number(match.group("m")), _small_number(match.group("d"))
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def status_label(status: str, language: str = "zh") -> str:
    """How a lifecycle status is written: ``repealed`` -> 已废止 / repealed."""
    return STATUS_LABELS[status] if language == "zh" else status.replace("_", " ")


STATUS_LABELS = {
    "in_force": "现行有效",
    "amended": "已被修改",
    "replaced": "已被新版本替代",
    "repealed": "已废止",
    "expired": "已失效",
    "not_yet": "尚未生效",
}
"""A document's status on a day, as legal databases write it. ``amended``: in force, changed by a
later document; ``replaced``: a newer version of the same title from the same jurisdiction is
stored; ``repealed``: a later document ends it; ``expired``: its own term is over; ``not_yet``: its
effective date is still to come."""
IN_FORCE = frozenset({"in_force", "amended"})
"""Statuses under which a document's text applies (an amended document is in force as amended)."""
SELECTED = {"in_force": IN_FORCE} | {s: frozenset({s}) for s in STATUS_LABELS if s != "in_force"}
"""The statuses a listing by status takes: ``in_force`` takes amended documents too."""


def _until_date(text: str) -> str | None:
    return parse_date(text) or (deadline_date(text) or None)


def _small_number(text: str) -> int:
    """``12`` / ``十二`` / ``二十一`` -> the number."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    values = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2, "〇": 0, "○": 0}
    if "十" in text:
        tens, _, units = text.partition("十")
        return (values.get(tens, 1) if tens else 1) * 10 + (values.get(units, 0) if units else 0)
    digits = [values.get(c, 0) for c in text]
    return int("".join(map(str, digits))) if digits else 0


def _term_of(match: re.Match[str]) -> tuple[int, str]:
    number = match.group("n") or match.group("n2") or match.group("n3")
    unit = match.group("unit") or match.group("unit2") or match.group("unit3")
    return _small_number(number), unit


def _add(start: str, term: tuple[int, str]) -> str | None:
    """The last day of a term of ``term`` (5, 年) starting on ``start``: the day before the
    anniversary (2020-01-01 + 5 years -> 2024-12-31)."""
    try:
        begin = date.fromisoformat(start)
    except ValueError:
        return None
    count, unit = term
    months = count * 12 if unit == "年" else count
    year, month = divmod(begin.month - 1 + months, 12)
    year += begin.year
    day = begin.day
    while True:
        try:
            end = date(year, month + 1, day)
            break
        except ValueError:
            day -= 1
    if day != begin.day:
        # No such day in the last month (2020-02-29 + 1 year): the term ends on the month's last
        # day, as the Civil Code counts periods.
        return end.isoformat()
    return (end - timedelta(days=1)).isoformat()
