"""Policies to and from plain JSON-ready dicts, for the data directory and the API."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from policykg.ingest.errors import StoreCorruptError
from policykg.ingest.model import (
    Citation,
    Clause,
    Jurisdiction,
    Level,
    Policy,
    RoleEvidence,
    RoleSource,
    Section,
    Unit,
    UnitKind,
)

FORMAT_VERSION = 2


def policy_to_dict(policy: Policy) -> dict[str, Any]:
    """A JSON-ready dict of ``policy`` (tuples become lists, enums their values)."""
    data = asdict(policy)
    data["format"] = FORMAT_VERSION
    return data


def policy_from_dict(data: dict[str, Any]) -> Policy:
    """Rebuild a policy written by :func:`policy_to_dict`.

    Raises:
        StoreCorruptError: When fields are missing or of the wrong type.
    """
    try:
        if data.get("format") != FORMAT_VERSION:
            raise StoreCorruptError(
                f"policy format {data.get('format')!r}, expected {FORMAT_VERSION}"
            )
        place = data["jurisdiction"]
        return Policy(
            id=data["id"],
            title=data["title"],
            doc_number=data["doc_number"],
            issuer=data["issuer"],
            date=data["date"],
            source=data["source"],
            jurisdiction=Jurisdiction(
                name=place["name"],
                level=Level(place["level"]),
                parent=place["parent"],
                determined=place["determined"],
                evidence=place["evidence"],
            ),
            sections=tuple(Section(**s) for s in data["sections"]),
            clauses=tuple(
                Clause(
                    **{
                        **c,
                        "path": tuple(c["path"]),
                        "lead_units": tuple(c["lead_units"]),
                        "responsible_units": tuple(c["responsible_units"]),
                        "mentioned_units": tuple(c["mentioned_units"]),
                        # Stores written before roles had sources lack the key.
                        "role_sources": tuple(
                            RoleEvidence(r["unit"], RoleSource(r["source"]), r["sentence"])
                            for r in c.get("role_sources", ())
                        ),
                    }
                )
                for c in data["clauses"]
            ),
            citations=tuple(Citation(**c) for c in data["citations"]),
            units=tuple(
                Unit(
                    id=u["id"],
                    name=u["name"],
                    jurisdiction=u["jurisdiction"],
                    aliases=tuple(u["aliases"]),
                    level=Level(u["level"]),
                    kind=UnitKind(u["kind"]),
                )
                for u in data["units"]
            ),
            preamble=data["preamble"],
            metadata=tuple((k, v) for k, v in data["metadata"]),
            # Stores written before validity was read lack the keys.
            effective=data.get("effective"),
            expires=data.get("expires"),
            validity_evidence=data.get("validity_evidence", ""),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise StoreCorruptError(f"malformed policy record ({e})") from e
