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
        if _NOT_A_LIMIT.search(before) or re.match(r"(?:以来|起|开始|印发)", after):
            continue
        if re.fullmatch(r"\d{4}年", found) and not re.search(r"(?:到|至|在|前|底)", before + after):
            continue  # a bare year without 到/前/底 is a reference, not a limit
        return found
    return ""
