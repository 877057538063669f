"""How much of a document's text its policy keeps: no text of a document may be lost.

Every line of the body (after front matter and page chrome) should end up in the policy: in a
clause, the preamble, a section heading, or the metadata (title, 文号, issuer, date, front-matter
fields). :func:`text_coverage` measures the share of the body's characters that do, and names
the lines that do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policykg.ingest.cleaning import drop_clutter, split_front_matter
from policykg.ingest.model import Policy
from policykg.ingest.structure import strip_marker

_ARTICLE_MARK = re.compile(r"第[一二三四五六七八九十百零〇\d]+条")
_SENTENCES = re.compile(r"[^。！？；!?;]+[。！？；!?;]?")


@dataclass(frozen=True, slots=True)
class Coverage:
    """The share of a document's body kept by its policy.

    Attributes:
        characters: Non-space characters of the body.
        kept: Those found in the policy.
        lost: Body lines the policy does not hold (the first few), for the ingest report.
    """

    characters: int
    kept: int
    lost: tuple[str, ...] = ()

    @property
    def share(self) -> float:
        """Kept characters over body characters (1.0 for an empty body)."""
        return self.kept / self.characters if self.characters else 1.0


def text_coverage(text: str, policy: Policy, *, most_lost: int = 5) -> Coverage:
    """The share of ``text``'s body (as the parser saw it) that ``policy`` holds.

    Args:
        text: The document's text, as read.
        policy: The policy parsed from it.
        most_lost: How many lost lines to name.
    """
    _, body = split_front_matter(text)
    lines = [strip_marker("".join(line.split())) for line in drop_clutter(body).split("\n")]
    kept_text = "\n".join(
        "".join(part.split())
        for part in (
            policy.title,
            *_as_written(policy.doc_number, policy.date),
            policy.issuer or "",
            policy.preamble,
            *(f"{s.title}\n{s.text}" for s in policy.sections),
            *(f"{c.heading}\n{c.text}" for c in policy.clauses),
            *(value for _, value in policy.metadata),
        )
    )
    characters = kept = cursor = 0
    lost: list[str] = []
    for line in lines:
        if not line:
            continue
        # A table row written ``cell | cell`` is kept cell by cell (its roles become annotations);
        # a line sentence by sentence, without the closing mark: a heading and the text after it
        # (一、总体要求。当前…) are kept apart, as section title and clause, and the parser may
        # cut a long passage into several clauses.
        cells = [p for p in line.split("|") if p] if "|" in line else [line]
        # 第一章总则第一条为规范…: an article begun on its chapter's line.
        cells = [c for cell in cells for c in _ARTICLE_MARK.split(cell) if c]
        pieces = [
            s.rstrip("。！？；!?;：:") or s for cell in cells for s in _SENTENCES.findall(cell)
        ]
        for written in pieces:
            piece = written
            # Clauses keep the document's order: look on from the last match first.
            at = kept_text.find(piece, cursor)
            if at < 0:
                at = kept_text.find(piece)
            if (
                at < 0
                and (numbered := _CONTINUED_NUMBER.match(written))
                and written[numbered.end() :]
            ):
                # 21.5+2就业之家: a number the parser read as continuing the list (20., 21.) though
                # a digit follows it is the clause's marker; the text after it is what it keeps.
                piece = written[numbered.end() :]
                at = kept_text.find(piece, cursor)
                if at < 0:
                    at = kept_text.find(piece)
            characters += len(piece)
            if at >= 0:
                kept += len(piece)
                cursor = max(cursor, at + len(piece))
            elif len(lost) < most_lost:
                lost.append(piece[:60])
    return Coverage(characters, kept, tuple(lost))


_CONTINUED_NUMBER = re.compile(r"^\d{1,3}[.．、]")


def _as_written(doc_number: str | None, date: str | None) -> list[str]:
    """The 文号 and date in the forms a document writes them (the policy keeps them normalised:
    劳社部发[2008]3号 as 劳社部发〔2008〕3号, 1955年12月29日 as 1955-12-29)."""
    forms: list[str] = []
    if doc_number:
        forms += [
            doc_number.replace("〔", left).replace("〕", right)
            for left, right in (
                ("〔", "〕"),
                ("[", "]"),
                ("［", "］"),
                ("【", "】"),
                ("(", ")"),
                ("（", "）"),
            )
        ]
    if date:
        forms.append(date)
        parts = date.split("-")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            year, month, day = parts
            forms += [f"{year}年{int(month)}月{int(day)}日", f"{year}年{month}月{day}日"]
    return forms
