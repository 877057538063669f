"""The sentences of a clause that answer a question (…至少保存几年? -> the sentence with the years).

A retrieval answer cites clauses by their first sentence; a fact question (how many, how long,
when, what amount) is answered by a sentence further in. Sentences are scored by the question's
character bigrams they share (English questions through the glossary's Chinese terms), weighted
by how rare each bigram is within the clause, and a quantity question prefers sentences stating a
quantity of the kind asked (years, days, 元, %).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from policykg.search.glossary import chinese_terms
from policykg.service.answers.model import CitedClause

_SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?")
_WORD_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
# Question words and fillers that say nothing about the topic.
_FILLER = re.compile(
    r"哪些|什么|怎么|怎样|如何|是否|多少|几个|几年|几天|几类|哪几|多久|多长|何时|什么时候|请问|"
    r"要|需要|应当|可以|能|是|的|了|吗|呢|有"
)

_QUANTITY_ASKED: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    # (what the question asks, what a sentence must state to answer it)
    (re.compile(r"几年|多少年|多久|多长时间|有效期|期限|how many years|how long", re.I),
     re.compile(r"[\d一二两三四五六七八九十百]+\s*(?:个)?(?:年|个月|月|日|天|工作日|小时)")),
    (re.compile(r"几天|多少天|几个工作日|多少个工作日|几日|how many days", re.I),
     re.compile(r"[\d一二两三四五六七八九十百]+\s*(?:个)?(?:工作日|日|天|小时)")),
    (re.compile(r"多少钱|多少元|奖励多少|补贴多少|资助多少|多少奖励|多少补贴|多少资金|金额|"
                r"how much|subsidy|reward|grant|amount", re.I),
     re.compile(r"\d[\d.,]*\s*(?:万|亿)?元|[一二两三四五六七八九十百千]+\s*(?:万|亿)?元")),
    (re.compile(r"比例|百分之|多少%|占比|percent|share|ratio|rate", re.I),
     re.compile(r"\d[\d.]*\s*%|百分之|[一二三四五六七八九十]+成")),
    (re.compile(r"何时|什么时候|哪年|哪一年|时限|截止|when|by what date|deadline", re.I),
     re.compile(r"\d{4}\s*年|\d{1,2}\s*月|季度|年底|年末|上半年|下半年")),
    (re.compile(r"多少|几个|几家|几项|几类|几所|数量|how many|number of", re.I),
     re.compile(r"\d+|[一二两三四五六七八九十百千万]+\s*(?:个|家|项|类|所|处|条|户|名|人|座|套)")),
)  # fmt: skip


def sentences_of(text: str) -> list[str]:
    """``text`` cut into sentences at 。；！？ and line ends, each with its final mark."""
    return [s.strip() for s in _SENTENCE.findall(text) if _WORD_CHAR.search(s)]


def answering_sentences(question: str, text: str, limit: int = 2) -> list[str]:
    """Up to ``limit`` sentences of ``text`` that answer ``question``, in their order in the text.

    Returns ``[]`` when no sentence shares a topic bigram with the question, or when the clause is
    a single sentence (its citation already shows it).
    """
    sentences = sentences_of(text)
    if len(sentences) < 2:
        return []
    wanted = _bigrams(_topic_text(question))
    if not wanted:
        return []
    per_sentence = [_bigrams(s) for s in sentences]
    spread = Counter(b for grams in per_sentence for b in grams)
    # A bigram in every sentence of the clause tells them apart not at all.
    weight = {b: math.log(1 + len(sentences) / spread[b]) for b in wanted if spread[b]}
    quantity = _quantity_asked(question)
    scored = []
    for index, (sentence, grams) in enumerate(zip(sentences, per_sentence, strict=True)):
        common = grams & wanted
        if len(common) < min(2, len(wanted)):
            continue  # one shared bigram (融合) is chance, not an answer
        shared = _weighted(sentence, common, weight, quantity)
        if shared == 0:
            continue
        scored.append((shared, index))
    if quantity is not None and any(quantity.search(sentences[i]) for _, i in scored):
        scored = [(score, i) for score, i in scored if quantity.search(sentences[i])]
    if not scored:
        return []
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    best = scored[0][0]
    chosen = sorted(i for score, i in scored[:limit] if score >= 0.5 * best)
    return [_narrow(sentences[i], wanted, weight, quantity) for i in chosen]


_LONG = 80  # a sentence longer than this is narrowed to the part that answers
_PART = re.compile(r"[^，,：:]+[，,：:]?")


def _narrow(
    sentence: str, wanted: set[str], weight: dict[str, float], quantity: re.Pattern[str] | None
) -> str:
    """For a quantity question, a long sentence's best comma-separated part, marked with … where
    text was left out (其他 questions keep the whole sentence)."""
    if quantity is None or len(sentence) <= _LONG:
        return sentence
    parts = _PART.findall(sentence)
    scores = [_weighted(part, _bigrams(part) & wanted, weight, quantity) for part in parts]
    best = max(range(len(parts)), key=lambda i: (scores[i], -i))
    start, end = best, best + 1
    # Widen to the neighbouring parts while the excerpt stays short.
    while end < len(parts) and len("".join(parts[start : end + 1])) <= _LONG // 2:
        end += 1
    excerpt = "".join(parts[start:end]).rstrip("，,：:")
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(parts) else ""
    return prefix + excerpt + suffix


def _weighted(
    text: str, common: set[str], weight: dict[str, float], quantity: re.Pattern[str] | None
) -> float:
    """How well ``text`` answers: the weight of the question's bigrams it shares (``common``),
    doubled when it states the quantity a quantity question asks, halved when it does not."""
    score = sum(weight.get(b, 0.0) for b in common)
    if quantity is not None and score:
        score *= 2.0 if quantity.search(text) else 0.5
    return score


def answering_clause(
    question: str, clauses: Sequence[CitedClause], tries: int = 3
) -> tuple[CitedClause | None, list[str]]:
    """The first of the best ``tries`` clauses with sentences that answer ``question``, and them.

    A quantity question (几年, 多少元) is answered only by a sentence stating such a quantity; a
    clause without one is passed over for the next.
    """
    quantity = _quantity_asked(question)
    for clause in clauses[:tries]:
        found = answering_sentences(question, clause.text)
        if found and (quantity is None or any(quantity.search(s) for s in found)):
            return clause, found
    return None, []


def _topic_text(question: str) -> str:
    """The question's Chinese topic: the question itself, or an English one's glossary terms."""
    if len(re.findall(r"[\u4e00-\u9fff]", question)) >= 2:
        return _FILLER.sub(" ", question)
    return " ".join(chinese_terms(question))


def _bigrams(text: str) -> set[str]:
    grams: set[str] = set()
    for run in re.findall(r"[\u4e00-\u9fff]+|[A-Za-z0-9]+", text):
        if len(run) == 1:
            continue
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def _quantity_asked(question: str) -> re.Pattern[str] | None:
    """What a sentence must state to answer a quantity question, or None for other questions."""
    return next((states for asks, states in _QUANTITY_ASKED if asks.search(question)), None)
