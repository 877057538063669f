"""Node labels and relationship types shared by every graph store (the only source of them)."""

from __future__ import annotations

import re

from policykg.ingest.model import Role

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
