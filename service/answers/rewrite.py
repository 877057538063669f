"""An optional LLM step that rewords answer text through any OpenAI-compatible endpoint.

Off by default. It only ever sees the deterministic answer and the clauses it cites, is asked to
keep every citation, and its text is used only if every 《title》 and clause marker survives
(:func:`~policykg.service.answers.wording.keeps_citations`); on any error the deterministic text stands. ``api`` builds the rewriter
from settings.
"""

from __future__ import annotations

import logging

import httpx

from policykg.service.answers.model import Answer

logger = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You rewrite answers about Chinese government policy documents so they read naturally. "
    "Use only the facts given. Keep every 《title》 and every clause number such as （十五） exactly "
    "as written. Do not add facts, units or documents. Answer in {language}."
)


class OpenAICompatibleRewriter:
    """Rewords answers with a chat-completions endpoint (OpenAI, vLLM, Ollama, llama.cpp …).

    Args:
        base_url: Endpoint root, e.g. ``http://localhost:11434/v1``.
        model: Model name.
        api_key: Bearer token, if the endpoint needs one.
        timeout: Seconds before giving up (the deterministic answer is used then).
    """

    def __init__(
        self, base_url: str, model: str, api_key: str | None = None, timeout: float = 20.0
    ) -> None:
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = timeout

    def rewrite(self, answer: Answer) -> str | None:
        """The reworded text, or None when the endpoint fails (then the original stands)."""
        facts = "\n".join(f"- {c.citation}{c.title}: {c.text[:300]}" for c in answer.clauses[:12])
        language = "English" if answer.language == "en" else "简体中文"
        payload = {
            "model": self._model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT.format(language=language)},
                {
                    "role": "user",
                    "content": f"Question: {answer.question}\n\nAnswer to rewrite:\n{answer.answer}\n\nClauses:\n{facts}",
                },
            ],
        }
        try:
            response = httpx.post(
                self._url, json=payload, headers=self._headers, timeout=self._timeout
            )
            response.raise_for_status()
            text = response.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as e:
            logger.warning("LLM rewrite failed, keeping the deterministic answer: %s", e)
            return None
        return str(text).strip() or None
