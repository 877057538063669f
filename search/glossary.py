"""Bilingual glossary: English policy vocabulary and government-body names mapped to Chinese.

The data is ``search/data/glossary.tsv`` (package data). Each line is
``kind<TAB>english<TAB>chinese1|chinese2|...``; ``kind`` is ``unit`` (a type of government body,
whose Chinese forms are the name without the 县/区/市/省 level prefix) or ``term`` (policy
vocabulary). Lines starting with ``#`` and blank lines are ignored.

English phrases are matched on word tokens, case-insensitively: ``people's`` and ``peoples`` are
the same token, ``&`` reads as ``and``, words inside a phrase may be separated by spaces or
hyphens (``urban-rural`` = ``urban rural``), and the last word may carry a plural or possessive
``s`` (``quotas``, ``taxes``, ``subsidies``, ``bureau's``). Overlapping matches are resolved
longest first (in words, then characters, then leftmost), so "development and reform bureau"
wins over "reform".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType

__all__ = [
    "Glossary",
    "chinese_terms",
    "load_glossary",
    "parse_glossary",
    "unit_name_matches",
]

_KINDS = ("unit", "term")
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")
_JOINER = re.compile(r"[\s\-\u2010-\u2015]*")
"""What may stand between two words of one phrase: spaces and hyphens/dashes only."""
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})

Key = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Phrase:
    english: str
    unit_forms: tuple[str, ...]
    all_forms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Match:
    start: int
    end: int
    char_start: int
    char_end: int
    phrase: _Phrase


def _normalize(text: str) -> str:
    return text.translate(_APOSTROPHES).lower().replace("&", " and ")


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """Word tokens of normalized text as ``(token, start, end)``, apostrophes dropped."""
    return [(m.group().replace("'", ""), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _key(english: str) -> Key:
    return tuple(token for token, _, _ in _tokens(_normalize(english)))


def _merge(*groups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(form for group in groups for form in group))


def _build_index(
    units: Mapping[str, tuple[str, ...]], terms: Mapping[str, tuple[str, ...]]
) -> dict[Key, _Phrase]:
    index: dict[Key, _Phrase] = {}
    for kind, table in (("unit", units), ("term", terms)):
        for english, forms in table.items():
            key = _key(english)
            if not key or not forms:
                continue
            unit_forms = tuple(forms) if kind == "unit" else ()
            old = index.get(key)
            if old is None:
                index[key] = _Phrase(english, unit_forms, tuple(forms))
            else:
                index[key] = _Phrase(
                    old.english,
                    _merge(old.unit_forms, unit_forms),
                    _merge(old.all_forms, forms),
                )
    return index


@dataclass(frozen=True)
class Glossary:
    """English phrases (lower case) mapped to their Chinese forms.

    Attributes:
        units: Government-body names, e.g. ``"commerce bureau" -> ("商务局", "商务委", ...)``.
        terms: Policy vocabulary, e.g. ``"land quota" -> ("用地指标", ...)``.
    """

    units: Mapping[str, tuple[str, ...]]
    terms: Mapping[str, tuple[str, ...]]
    _index: dict[Key, _Phrase] = field(init=False, repr=False, compare=False)
    _max_words: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = _build_index(self.units, self.terms)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_max_words", max((len(key) for key in index), default=0))

    def _lookup(self, words: list[str]) -> _Phrase | None:
        """The phrase for ``words``, allowing a plural/possessive ending on the last word."""
        phrase = self._index.get(tuple(words))
        if phrase is not None:
            return phrase
        last = words[-1]
        candidates = []
        if last.endswith("ies") and len(last) > 4:
            candidates.append(last[:-3] + "y")
        if last.endswith("es") and len(last) > 3:
            candidates.append(last[:-2])
        if last.endswith("s") and len(last) > 2:
            candidates.append(last[:-1])
        for singular in candidates:
            phrase = self._index.get((*words[:-1], singular))
            if phrase is not None:
                return phrase
        return None

    def _matches(self, text: str) -> list[_Match]:
        """Non-overlapping matches in text order, chosen longest first."""
        norm = _normalize(text)
        tokens = _tokens(norm)
        found: list[_Match] = []
        for i in range(len(tokens)):
            words: list[str] = []
            for j in range(i, min(len(tokens), i + self._max_words)):
                if j > i and not _JOINER.fullmatch(norm, tokens[j - 1][2], tokens[j][1]):
                    break
                words.append(tokens[j][0])
                phrase = self._lookup(words)
                if phrase is not None:
                    found.append(_Match(i, j + 1, tokens[i][1], tokens[j][2], phrase))
        found.sort(key=lambda m: (-(m.end - m.start), -(m.char_end - m.char_start), m.start))
        taken = [False] * len(tokens)
        chosen: list[_Match] = []
        for match in found:
            if not any(taken[match.start : match.end]):
                taken[match.start : match.end] = [True] * (match.end - match.start)
                chosen.append(match)
        chosen.sort(key=lambda m: m.start)
        return chosen


def parse_glossary(text: str) -> Glossary:
    """Parse glossary TSV text.

    Args:
        text: Lines of ``kind<TAB>english<TAB>chinese1|chinese2|...``; ``#`` lines are comments.

    Returns:
        The glossary. A repeated ``(kind, english)`` pair has its Chinese forms merged.

    Raises:
        ValueError: A line does not have three fields, has an unknown kind, or has no English
            phrase or no Chinese form.
    """
    tables: dict[str, dict[str, tuple[str, ...]]] = {kind: {} for kind in _KINDS}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = raw.rstrip("\r\n").split("\t")
        if len(parts) != 3:
            raise ValueError(f"glossary line {number}: expected 3 tab-separated fields")
        kind, english, chinese = (part.strip() for part in parts)
        if kind not in tables:
            raise ValueError(f"glossary line {number}: unknown kind {kind!r}")
        english = " ".join(english.lower().split())
        forms = tuple(form.strip() for form in chinese.split("|") if form.strip())
        if not english or not forms:
            raise ValueError(f"glossary line {number}: empty English phrase or Chinese forms")
        table = tables[kind]
        table[english] = _merge(table.get(english, ()), forms)
    return Glossary(
        units=MappingProxyType(tables["unit"]),
        terms=MappingProxyType(tables["term"]),
    )


@cache
def load_glossary() -> Glossary:
    """The glossary shipped as ``search/data/glossary.tsv`` (read once, then cached).

    Returns:
        The packaged glossary.
    """
    data = resources.files("policykg.search").joinpath("data", "glossary.tsv")
    return parse_glossary(data.read_text(encoding="utf-8"))


def chinese_terms(text: str, glossary: Glossary | None = None) -> list[str]:
    """Chinese forms of the English phrases (unit names and terms) found in ``text``.

    Args:
        text: Free text, typically an English question; Chinese characters are ignored.
        glossary: The glossary to use; the packaged one by default.

    Returns:
        The Chinese forms of each match, matches in text order, without duplicates.
    """
    glossary = glossary if glossary is not None else load_glossary()
    return list(_merge(*(match.phrase.all_forms for match in glossary._matches(text))))


def unit_name_matches(
    text: str, glossary: Glossary | None = None
) -> list[tuple[str, tuple[str, ...]]]:
    """The English names of government bodies found in ``text``, with their Chinese forms.

    Matching runs over units and terms together, longest match first and without overlaps, so a
    longer term hides a shorter unit name inside it ("government services" is not "government").

    Args:
        text: Free text, typically an English question.
        glossary: The glossary to use; the packaged one by default.

    Returns:
        ``(english name as in the glossary, Chinese forms)`` per unit name, in text order, each
        name once.
    """
    glossary = glossary if glossary is not None else load_glossary()
    result: dict[str, tuple[str, ...]] = {}
    for match in glossary._matches(text):
        if match.phrase.unit_forms and match.phrase.english not in result:
            result[match.phrase.english] = match.phrase.unit_forms
    return list(result.items())
