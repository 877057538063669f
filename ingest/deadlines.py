"""The time limit a clause states: a 完成时限 cell, or a date in its text (2025年底前, 长期坚持)."""

from __future__ import annotations

import re

_DEADLINE = re.compile(
    r"(?:\d{4}\s*年\s*(?:\d{1,2}\s*月\s*)?(?:底|末|年底|上半年|下半年)?\s*(?:前|以前|之前)?"
    r"(?:至\s*\d{4}\s*年)?|\d{1,2}\s*月\s*底\s*前|\d{1,2}\s*[-—至]\s*\d{1,2}\s*月|"
    r"“十[三四五六]五”期间|长期坚持|持续推进|常态化推进)"
)
# A date that only says when something was issued or began is not a limit.
_NOT_A_LIMIT = re.compile(r"(?:自|从|于|起|印发|发布|施行|通过|以来|开始)$")


def find_deadline(text: str) -> str:
    """The first time limit ``text`` states, as written (spaces removed), or ``""``.

    A date the text gives as a starting point (自2021年…, 2019年以来) is passed over.
    """
    for match in _DEADLINE.finditer(text):
        found = re.sub(r"\s+", "", match.group(0))
        before = text[max(0, match.start() - 2) : match.start()]
        after = text[match.end() : match.end() + 2]
        limit = re.search(r"(?:前|底|末)$", found) is not None  # 于2024年6月底前完成 is a limit
        if not limit and (_NOT_A_LIMIT.search(before) or re.match(r"(?:以来|起|开始|印发)", after)):
            continue
        if re.match(r"\s*(?:\d{1,2}\s*日)?\s*(?:起)?\s*(?:施行|生效|实施)", text[match.end() :]):
            continue  # 至2017年1月31日施行: when a rule is in force, not a task's limit
        if re.match(
            r"\s*(?:\d{1,2}\s*日)?\s*(?:至|到|—|－|-|～|~|起|以来|开始)", text[match.end() :]
        ):
            continue  # 2019年1月1日至12月31日: the start of a period a measure applies in
        if re.fullmatch(r"\d{4}年", found) and not re.search(r"(?:到|至|在|前|底)", before + after):
            continue  # a bare year without 到/前/底 is a reference, not a limit
        return found
    return ""


_FIVE_YEAR_PLANS = {"十三五": 2020, "十四五": 2025, "十五五": 2030, "十六五": 2035}
_QUARTER_END = {"一": 3, "1": 3, "二": 6, "2": 6, "三": 9, "3": 9, "四": 12, "4": 12}
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def deadline_date(deadline: str) -> str:
    """The last day a written time limit allows, as ``YYYY-MM-DD``, or ``""`` when it gives none.

    2025年底前 and 2025年 are 2025-12-31; 2025年6月底前 is 2025-06-30; 2025年上半年 is 2025-06-30;
    2023—2025年 is 2025-12-31; “十四五”期间 is 2025-12-31. A limit with no year (3月底前, 长期坚持,
    持续推进) has no date.
    """
    text = re.sub(r"\s+", "", deadline)
    for plan, year in _FIVE_YEAR_PLANS.items():
        if plan in text:
            return f"{year}-12-31"
    years = list(re.finditer(r"(\d{4})年?", text))
    years = [y for y in years if 1990 <= int(y.group(1)) <= 2100]
    if not years:
        return ""
    last = years[-1]
    year = int(last.group(1))
    rest = text[last.end() :]
    month = 12
    if found := re.match(r"(?:年)?(\d{1,2})月", rest):
        month = min(max(int(found.group(1)), 1), 12)
    elif found := re.search(r"第?([一二三四1-4])季度", rest):
        month = _QUARTER_END[found.group(1)]
    elif "上半年" in rest:
        month = 6
    day = _MONTH_DAYS[month - 1]
    if month == 2 and (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        day = 29
    return f"{year:04d}-{month:02d}-{day:02d}"
