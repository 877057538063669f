"""Node labels and relationship types shared by every graph store (the only source of them)."""

from __future__ import annotations

import re

from policykg.ingest.model import Policy, Role

POLICY = "Policy"
SECTION = "Section"
CLAUSE = "Clause"
UNIT = "Unit"
JURISDICTION = "Jurisdiction"
LABELS = (POLICY, SECTION, CLAUSE, UNIT, JURISDICTION)
STORE_STATE = "PolicyKGState"
"""One node holding the graph's version, bumped by every write (servers refresh their caches)."""

HAS_SECTION = "HAS_SECTION"  # Policy -> Section
HAS_CLAUSE = "HAS_CLAUSE"  # Section -> Clause
LEADS = "LEADS"  # Unit -> Clause (牵头)
RESPONSIBLE_FOR = "RESPONSIBLE_FOR"  # Unit -> Clause (责任/配合/参与)
MENTIONS = "MENTIONS"  # Clause -> Unit (named in the text only)
CITES = "CITES"  # Policy -> Policy
NAMES = "NAMES"  # Policy -> Unit, with the aliases that policy uses for it
IN_JURISDICTION = "IN_JURISDICTION"  # Policy -> Jurisdiction, Unit -> Jurisdiction
PART_OF = "PART_OF"  # Jurisdiction -> Jurisdiction (松江区 -> 上海市)
RELATIONSHIP_TYPES = (
    HAS_SECTION,
    HAS_CLAUSE,
    LEADS,
    RESPONSIBLE_FOR,
    MENTIONS,
    CITES,
    NAMES,
    IN_JURISDICTION,
    PART_OF,
)

ROLE_RELATIONSHIP: dict[Role, str] = {
    Role.LEAD: LEADS,
    Role.RESPONSIBLE: RESPONSIBLE_FOR,
    Role.MENTION: MENTIONS,
}
RELATIONSHIP_ROLE: dict[str, Role] = {rel: role for role, rel in ROLE_RELATIONSHIP.items()}
"""The role a Unit–Clause relationship type records."""

_TITLE_NOISE = re.compile(r"[\s()（）\-—–·《》〈〉<>“”\"'‘’]")


def title_key(title: str | None) -> str:
    """Title normalised for matching a citation to a policy."""
    return _TITLE_NOISE.sub("", title or "")


def replaces(
    new: Policy, old_source: str | None, old_doc_number: str | None, old_jurisdiction: str | None
) -> bool:
    """True when ``new`` is a new version of a stored policy with the given fields.

    A new version comes from the same source file, or carries the same 文号 in the same
    jurisdiction.
    """
    if old_source is not None and old_source == new.source:
        return True
    return bool(
        new.doc_number
        and old_doc_number == new.doc_number
        and old_jurisdiction == new.jurisdiction.name
    )


def title_tails(key: str) -> list[str]:
    """Tails of a title key that a citation leaving out the issuer may use (8 characters or more,
    the whole key excluded), as :func:`cited_title_matches` allows."""
    return [key[i:] for i in range(1, len(key) - 7)]


def cited_title_matches(cited_key: str, policy_key: str) -> bool:
    """A cited title names a policy: equal, or the policy title adds an issuer before it."""
    if not cited_key or not policy_key:
        return False
    return cited_key == policy_key or (len(cited_key) >= 8 and policy_key.endswith(cited_key))
