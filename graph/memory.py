"""The embedded graph store: networkx in memory, policies persisted as JSON files.

On disk (``<directory>/``): ``policies/<policy id>.json`` for each stored policy, written once
(ids are content hashes), and ``manifest.json`` listing the stored ids with the SHA-256 of each
file. Every write goes to a temporary file that is renamed into place, and the manifest is
replaced last, so a process killed mid-write leaves the previous manifest, which only names
complete policy files. Replacing one policy writes one policy file and the manifest; the other
policies' files are not touched. Files of removed policies stay until :meth:`collect_garbage`
(a reader that loaded the previous manifest a moment ago may still be reading them).

A policy file that is missing, unreadable or whose bytes do not match the manifest's checksum is
*damaged*: it is left out of the graph, named by :meth:`MemoryGraphStore.damaged`, and the rest
of the store loads and answers as usual.

The graph itself is derived from the stored policies and built on first use.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import networkx as nx

from policykg.graph import rules, schema
from policykg.graph.base import (
    CitationLink,
    ClauseRecord,
    CollaborationEdge,
    GraphEdge,
    GraphNode,
    JurisdictionSummary,
    Page,
    PolicySummary,
    StoreStats,
    Subgraph,
    UnitSummary,
    WriteResult,
)
from policykg.graph.rules import CitablePolicy, CitingPolicy, PolicyVersion
from policykg.graph.views import (
    citation_attributes,
    clause_properties,
    clause_sort_key,
    collaboration_pairs,
    display_name,
    graph_node,
    jurisdiction_chain,
    jurisdiction_from_properties,
    jurisdiction_node_id,
    jurisdiction_properties,
    node_sort_key,
    policy_properties,
    policy_sort_key,
    policy_summary,
    section_properties,
    stub_properties,
    unit_properties,
    unit_sort_key,
)
from policykg.ingest.errors import StoreCorruptError
from policykg.ingest.model import Citation, Clause, Jurisdiction, Policy, Role, Unit, UnitKind
from policykg.ingest.serialize import policy_from_dict, policy_to_dict
from policykg.ingest.storage import atomic_write_bytes, atomic_write_json, gc_paused, remove_quietly

logger = logging.getLogger(__name__)

T = TypeVar("T")

MANIFEST_VERSION = 2
"""2: ``policies`` maps each id to the SHA-256 of its file (1: a list of ids, no checksums)."""


class MemoryGraphStore:
    """A :class:`~graph.base.GraphStore` on networkx, persisted under ``directory``.

    Args:
        directory: Where policies and the manifest live; None keeps everything in memory only.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory
        self._lock = threading.RLock()
        self._loaded = False
        self._generation = 0
        self._graph = nx.DiGraph()
        self._policies: dict[str, Policy] = {}
        self._by_doc_number: dict[str, set[str]] = defaultdict(set)
        self._by_title: dict[str, set[str]] = defaultdict(set)
        # Every suffix (8+ characters) of each stored title: a citation that leaves out the issuer
        # (《关于…的意见》) finds 中共X委 X人民政府关于…的意见 here.
        self._by_title_suffix: dict[str, set[str]] = defaultdict(set)
        # Citing policies by the 文号 and title keys of their citations.
        self._citing_by_number: dict[str, set[str]] = defaultdict(set)
        self._citing_by_title: dict[str, set[str]] = defaultdict(set)
        self._by_source: dict[str, str] = {}
        self._by_unit_name: dict[str, set[str]] = defaultdict(set)
        # Bumped by every change to the graph; lists derived from it (every unit ranked, every
        # policy sorted) are kept until the next change (see _derived).
        self._changes = 0
        self._derived: dict[tuple[str, str | None], Any] = {}
        self._derived_at = 0
        # Policy id -> the policy ids its citations point to, in citation order.
        self._cites: dict[str, list[str]] = {}
        self._checksums: dict[str, str | None] = {}  # id -> SHA-256 of its file (None: unknown)
        self._damaged: dict[str, str] = {}  # id -> what is wrong with its file

    # -- persistence ---------------------------------------------------------------------------

    @property
    def directory(self) -> Path | None:
        """Where the store persists, or None for a memory-only store."""
        return self._directory

    def _manifest_path(self) -> Path:
        assert self._directory is not None
        return self._directory / "manifest.json"

    def _policy_path(self, policy_id: str) -> Path:
        assert self._directory is not None
        return self._directory / "policies" / f"{policy_id}.json"

    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            if self._directory is not None and self._manifest_path().exists():
                with gc_paused():
                    self._load()
            elif self._directory is not None and any((self._directory / "policies").glob("*.json")):
                raise StoreCorruptError(
                    f"the graph manifest {self._manifest_path()} is missing but policy files "
                    "exist; run `policykg check --repair` to rebuild it from them"
                )
            self._loaded = True

    def _load(self) -> None:
        self._changes += 1
        try:
            manifest = json.loads(self._manifest_path().read_text(encoding="utf-8"))
            listed = manifest["policies"]
            self._generation = int(manifest["generation"])
            checksums: dict[str, str | None] = (
                {str(k): str(v) for k, v in listed.items()}
                if isinstance(listed, dict)
                else dict.fromkeys(map(str, listed))
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
            raise StoreCorruptError(
                f"cannot read the graph manifest {self._manifest_path()}: {e}; run "
                "`policykg check --repair` to rebuild it from the policy files"
            ) from e
        for policy_id, checksum in checksums.items():
            self._read_policy(policy_id, checksum)
        if self._damaged:
            logger.warning(
                "%d damaged policy file(s) in %s left out: run `policykg check`",
                len(self._damaged),
                self._directory,
            )
        logger.info("loaded %d policies from %s", len(self._policies), self._directory)

    def _read_policy(self, policy_id: str, checksum: str | None) -> None:
        """Read one listed policy file and add the policy, or record what is wrong with it."""
        path = self._policy_path(policy_id)
        try:
            raw = path.read_bytes()
        except OSError as e:
            self._damaged[policy_id] = f"cannot read {path.name}: {e.strerror or e}"
            return
        if checksum is not None and hashlib.sha256(raw).hexdigest() != checksum:
            self._damaged[policy_id] = f"{path.name} does not match its checksum (changed on disk)"
            return
        try:
            policy = policy_from_dict(json.loads(raw))
        except (ValueError, KeyError, TypeError) as e:
            self._damaged[policy_id] = f"{path.name} is not a stored policy: {e}"
            return
        if policy.id != policy_id:
            self._damaged[policy_id] = f"{path.name} holds policy {policy.id}"
            return
        self._checksums[policy_id] = checksum or hashlib.sha256(raw).hexdigest()
        self._add(policy)

    def _persist(self, written: Iterable[Policy], removed: Iterable[str]) -> None:
        if self._directory is None:
            return
        for policy in written:
            data = json.dumps(policy_to_dict(policy), ensure_ascii=False, separators=(",", ":"))
            raw = data.encode("utf-8")
            atomic_write_bytes(self._policy_path(policy.id), raw)
            self._checksums[policy.id] = hashlib.sha256(raw).hexdigest()
        for policy_id in removed:
            if policy_id not in self._policies:
                self._checksums.pop(policy_id, None)
        self._write_manifest()

    def _write_manifest(self) -> None:
        self._generation += 1
        listed = {pid: self._checksums.get(pid) for pid in sorted(self._policies)}
        listed.update(self._damaged_entries())
        atomic_write_json(
            self._manifest_path(),
            {"version": MANIFEST_VERSION, "generation": self._generation, "policies": listed},
        )

    def _damaged_entries(self) -> dict[str, str | None]:
        """Damaged policies stay listed (with their recorded checksum) until repaired or dropped."""
        recorded = self._recorded
        return {pid: recorded.get(pid) for pid in self._damaged}

    @property
    def _recorded(self) -> dict[str, str | None]:
        try:
            listed = json.loads(self._manifest_path().read_text(encoding="utf-8"))["policies"]
        except (OSError, ValueError, KeyError, TypeError):
            return {}
        return dict(listed) if isinstance(listed, dict) else {}

    def version(self) -> int | None:
        """None: this store is only written through its data directory, whose commit record
        (``store.json``) tells processes when to reload."""
        return None

    def damaged(self) -> dict[str, str]:
        """Policies whose stored file is missing, unreadable or changed: id -> the problem."""
        self._ensure_loaded()
        return dict(self._damaged)

    def drop_damaged(self, policy_id: str) -> bool:
        """Forget a damaged policy (its file is not read again); True if it was damaged."""
        self._ensure_loaded()
        with self._lock:
            if policy_id not in self._damaged:
                return False
            del self._damaged[policy_id]
            self._write_manifest()
            return True

    def collect_garbage(self) -> list[str]:
        """Delete policy files the manifest no longer names and stale temporary files.

        Call it while holding the data directory's writer lock (no write is half-done then).
        Returns the names deleted.
        """
        if self._directory is None or not (self._directory / "policies").is_dir():
            return []
        self._ensure_loaded()
        keep = set(self._policies) | set(self._damaged)
        deleted = []
        for path in (self._directory / "policies").iterdir():
            stale_tmp = path.name.startswith(".") and path.name.endswith(".tmp")
            if stale_tmp or (path.suffix == ".json" and path.stem not in keep):
                remove_quietly(path)
                deleted.append(path.name)
        for path in self._directory.glob(".*.tmp"):
            remove_quietly(path)
            deleted.append(path.name)
        return deleted

    def repair_storage(self) -> list[str]:
        """Rebuild an unreadable manifest from the policy files; delete leftovers (see base)."""
        done: list[str] = []
        if self._directory is None:
            return done
        try:
            self._ensure_loaded()
        except StoreCorruptError:
            count = self.rebuild_manifest(self._directory)
            done.append(f"rebuilt the graph manifest from {count} policy files")
            self.reload()
        removed = self.collect_garbage()
        if removed:
            done.append(f"deleted {len(removed)} file(s) left by interrupted writes or removals")
        return done

    @classmethod
    def rebuild_manifest(cls, directory: Path) -> int:
        """Write a new manifest naming every readable policy file in ``directory/policies``.

        For a manifest that is lost or damaged. Returns how many policies it names.
        """
        listed: dict[str, str] = {}
        for path in sorted((directory / "policies").glob("*.json")):
            try:
                raw = path.read_bytes()
                policy = policy_from_dict(json.loads(raw))
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if policy.id == path.stem:
                listed[policy.id] = hashlib.sha256(raw).hexdigest()
        generation = 0
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            old = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
            generation = int(old["generation"])
        atomic_write_json(
            directory / "manifest.json",
            {"version": MANIFEST_VERSION, "generation": generation + 1, "policies": listed},
        )
        return len(listed)

    def reload(self) -> None:
        """Read the store from disk again (another process wrote it).

        Only what changed is read: policies whose checksum in the manifest differs from the one
        held, or that are new, are read again and those no longer listed are removed, so a server
        following an ingest of one document reads one file, not the whole store. A manifest
        without checksums, or one that cannot be read, means a full reload.
        """
        with self._lock:
            manifest = (self._read_manifest() if self._loaded else None) or {}
            listed, generation = manifest.get("policies"), manifest.get("generation")
            if (
                not isinstance(listed, dict)
                or not listed
                or any(checksum is None for checksum in listed.values())
                or not isinstance(generation, int)
            ):
                self.__init__(self._directory)  # type: ignore[misc]
                self._ensure_loaded()
                return
            with gc_paused():
                self._catch_up(listed)
            self._generation = generation

    def _read_manifest(self) -> dict[str, Any] | None:
        """The manifest as one read of its file, or None when there is none or it is unreadable."""
        if self._directory is None:
            return None
        try:
            manifest = json.loads(self._manifest_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return manifest if isinstance(manifest, dict) else None

    def _catch_up(self, listed: dict[str, str | None]) -> None:
        for policy_id in [p for p in self._policies if p not in listed]:
            self._remove(policy_id)
            self._checksums.pop(policy_id, None)
        for policy_id in [p for p in self._damaged if p not in listed]:
            del self._damaged[policy_id]
        for policy_id, checksum in listed.items():
            held = policy_id in self._policies and self._checksums.get(policy_id) == checksum
            if held:
                continue
            if policy_id in self._policies:
                self._remove(policy_id)
            self._damaged.pop(policy_id, None)
            self._read_policy(policy_id, checksum)

    # -- writes -------------------------------------------------------------------------------

    def write_policies(self, policies: Sequence[Policy]) -> list[WriteResult]:
        """Store policies, replacing earlier versions; see :class:`~graph.base.GraphStore`."""
        self._ensure_loaded()
        results: list[WriteResult] = []
        written: list[Policy] = []
        removed: list[str] = []
        with self._lock:
            for policy in policies:
                result = rules.write_decision(PolicyVersion.of(policy), self._versions_of(policy))
                results.append(result)
                if result.unchanged:
                    continue
                for old in result.replaced:
                    self._remove(old)
                    removed.append(old)
                self._add(policy)
                self._damaged.pop(policy.id, None)  # stored again: its file is whole now
                written.append(policy)
            if written or removed:
                self._persist(written, removed)
        return results

    def delete_policy(self, policy_id: str) -> bool:
        """Remove a stored policy and what only it named (a damaged one is forgotten)."""
        self._ensure_loaded()
        with self._lock:
            if policy_id in self._damaged:
                return self.drop_damaged(policy_id)
            if policy_id not in self._policies:
                return False
            self._remove(policy_id)
            self._persist([], [policy_id])
            return True

    def _versions_of(self, policy: Policy) -> list[PolicyVersion]:
        """Stored policies with the id, the source or the 文号 of ``policy``."""
        ids = set(self._by_doc_number.get(policy.doc_number or "", ()))
        if policy.source in self._by_source:
            ids.add(self._by_source[policy.source])
        if policy.id in self._policies:
            ids.add(policy.id)
        return [PolicyVersion.of(self._policies[i]) for i in sorted(ids)]

    def _add(self, policy: Policy) -> None:
        self._changes += 1
        g = self._graph
        self._policies[policy.id] = policy
        self._by_source[policy.source] = policy.id
        if policy.doc_number:
            self._by_doc_number[policy.doc_number].add(policy.id)
        self._by_title[schema.title_key(policy.title)].add(policy.id)
        for suffix in rules.title_tails(schema.title_key(policy.title)):
            self._by_title_suffix[suffix].add(policy.id)
        for citation in policy.citations:
            if citation.doc_number:
                self._citing_by_number[citation.doc_number].add(policy.id)
            if citation.title:
                self._citing_by_title[schema.title_key(citation.title)].add(policy.id)
        if g.has_node(policy.id):  # it was a stub
            g.nodes[policy.id].clear()
        g.add_node(policy.id, label=schema.POLICY, props=policy_properties(policy))
        self._add_jurisdiction(policy.jurisdiction)
        g.add_edge(
            policy.id, jurisdiction_node_id(policy.jurisdiction.name), type=schema.IN_JURISDICTION
        )
        for section in policy.sections:
            g.add_node(
                section.id, label=schema.SECTION, props=section_properties(section), obj=section
            )
            g.add_edge(policy.id, section.id, type=schema.HAS_SECTION, order=section.order)
        unit_ids = {unit.name: unit.id for unit in policy.units}
        for unit in policy.units:
            self._add_unit_naming(policy.id, unit)
        for clause in policy.clauses:
            g.add_node(clause.id, label=schema.CLAUSE, props=clause_properties(clause), obj=clause)
            g.add_edge(
                clause.section_id or policy.id,
                clause.id,
                type=schema.HAS_CLAUSE,
                order=clause.order,
            )
            for link in rules.role_links(clause, unit_ids):
                if link.relationship == schema.MENTIONS:
                    g.add_edge(clause.id, link.unit_id, type=schema.MENTIONS)
                else:
                    g.add_edge(
                        link.unit_id,
                        clause.id,
                        type=link.relationship,
                        source=link.source,
                        evidence=link.evidence,
                    )
        self._resolve_citations(policy)
        self._adopt_stubs(policy)

    def _add_unit_naming(self, policy_id: str, unit: Unit) -> None:
        g = self._graph
        if not g.has_node(unit.id):
            g.add_node(unit.id, label=schema.UNIT, props=unit_properties(unit), obj=unit)
            g.add_edge(
                unit.id, jurisdiction_node_id(unit.jurisdiction), type=schema.IN_JURISDICTION
            )
        g.add_edge(policy_id, unit.id, type=schema.NAMES, aliases=unit.aliases)
        self._refresh_aliases(unit.id)

    def _refresh_aliases(self, unit_id: str) -> None:
        """A unit's aliases are those the policies naming it use (NAMES edges)."""
        g = self._graph
        aliases = rules.unit_aliases(
            d["aliases"] for _, _, d in g.in_edges(unit_id, data=True) if d["type"] == schema.NAMES
        )
        node = g.nodes[unit_id]
        old = node["obj"]
        for name in node["props"]["aliases"]:
            self._by_unit_name[name].discard(unit_id)
        unit = Unit(old.id, old.name, old.jurisdiction, aliases, old.level, old.kind)
        node["obj"], node["props"] = unit, unit_properties(unit)
        for name in (unit.name, *aliases):
            self._by_unit_name[name].add(unit_id)

    def _add_jurisdiction(self, place: Jurisdiction) -> None:
        g = self._graph
        child: str | None = None
        for link in jurisdiction_chain(place):
            node = jurisdiction_node_id(link.name)
            if not g.has_node(node):
                g.add_node(
                    node, label=schema.JURISDICTION, props=jurisdiction_properties(link), obj=link
                )
            if child is not None:
                g.add_edge(child, node, type=schema.PART_OF)
            child = node

    def _resolve_citations(self, policy: Policy) -> None:
        g = self._graph
        resolved = rules.resolve_citations(
            policy.id, policy.citations, self._citable(policy.citations)
        )
        for stub in resolved.stubs:
            if not g.has_node(stub.id):
                props = stub_properties(stub.id, stub.title, stub.doc_number)
                g.add_node(stub.id, label=schema.POLICY, props=props)
        for order, target in enumerate(resolved.targets):
            g.add_edge(
                policy.id,
                target,
                type=schema.CITES,
                order=order,
                kind=resolved.kinds[order],
                sentence=resolved.sentences[order],
            )
        self._cites[policy.id] = list(resolved.targets)

    def _citable(self, citations: Iterable[Citation]) -> list[CitablePolicy]:
        """Stored policies the citations may name: by 文号, by title, by a tail of a title."""
        ids: set[str] = set()
        for citation in citations:
            if citation.doc_number:
                ids |= self._by_doc_number.get(citation.doc_number, set())
            key = schema.title_key(citation.title)
            if key:
                ids |= self._by_title.get(key, set())
                ids |= self._by_title_suffix.get(key, set())
        return [CitablePolicy.of(self._policies[i]) for i in sorted(ids)]

    def _adopt_stubs(self, policy: Policy) -> None:
        """Resolve again the citations that may now point to ``policy`` (see
        :func:`graph.rules.citing_to_resolve_again`): the policies citing its 文号, its title or
        a tail of its title."""
        written = CitablePolicy.of(policy)
        ids: set[str] = set()
        if policy.doc_number:
            ids |= self._citing_by_number.get(policy.doc_number, set())
        for key in (written.title_key, *rules.title_tails(written.title_key)):
            ids |= self._citing_by_title.get(key, set())
        citing = [CitingPolicy(i, self._policies[i].citations) for i in sorted(ids)]
        for citing_id in rules.citing_to_resolve_again(written, citing):
            self._clear_citations(citing_id)
            self._resolve_citations(self._policies[citing_id])

    def _is_stub(self, node: str) -> bool:
        return bool(self._graph.nodes[node]["props"]["stub"])

    def _clear_citations(self, policy_id: str) -> None:
        g = self._graph
        for target in self._cites.pop(policy_id, []):
            if not g.has_node(target):
                continue  # the cited policy itself is being removed
            if g.has_edge(policy_id, target):
                g.remove_edge(policy_id, target)
            if self._is_stub(target) and g.in_degree(target) == 0:
                g.remove_node(target)

    def _remove(self, policy_id: str) -> None:
        self._changes += 1
        g = self._graph
        policy = self._policies.pop(policy_id)
        if self._by_source.get(policy.source) == policy_id:
            del self._by_source[policy.source]
        if policy.doc_number:
            self._by_doc_number[policy.doc_number].discard(policy_id)
        self._by_title[schema.title_key(policy.title)].discard(policy_id)
        for suffix in rules.title_tails(schema.title_key(policy.title)):
            self._by_title_suffix[suffix].discard(policy_id)
        for citation in policy.citations:
            if citation.doc_number:
                self._citing_by_number[citation.doc_number].discard(policy_id)
            if citation.title:
                self._citing_by_title[schema.title_key(citation.title)].discard(policy_id)
        self._clear_citations(policy_id)
        citing = sorted(src for src, targets in self._cites.items() if policy_id in targets)
        g.remove_nodes_from([c.id for c in policy.clauses] + [s.id for s in policy.sections])
        for unit in policy.units:
            g.remove_edge(policy_id, unit.id)
            if any(d["type"] == schema.NAMES for _, _, d in g.in_edges(unit.id, data=True)):
                self._refresh_aliases(unit.id)
            else:
                for name in g.nodes[unit.id]["props"]["aliases"] + [unit.name]:
                    self._by_unit_name[name].discard(unit.id)
                g.remove_node(unit.id)
        g.remove_node(policy_id)
        self._prune_jurisdictions(policy.jurisdiction)
        for citing_id in citing:
            # They cited the removed policy: their citations fall back to stubs.
            self._clear_citations(citing_id)
            self._resolve_citations(self._policies[citing_id])

    def _prune_jurisdictions(self, place: Jurisdiction) -> None:
        g = self._graph
        for link in jurisdiction_chain(place):
            node = jurisdiction_node_id(link.name)
            if g.has_node(node) and g.in_degree(node) == 0:
                g.remove_node(node)

    # -- queries ------------------------------------------------------------------------------

    def get_policy(self, policy_id: str) -> Policy | None:
        """The stored policy, or None."""
        self._ensure_loaded()
        return self._policies.get(policy_id)

    def policy_ids(self) -> set[str]:
        """Ids of stored policies."""
        self._ensure_loaded()
        return set(self._policies)

    def policies(
        self, offset: int = 0, limit: int = 50, jurisdiction: str | None = None
    ) -> Page[PolicySummary]:
        """Stored policies, paged."""
        self._ensure_loaded()

        def ranked() -> list[PolicySummary]:
            summaries = [
                policy_summary(p)
                for p in self._policies.values()
                if jurisdiction is None or p.jurisdiction.name == jurisdiction
            ]
            return sorted(summaries, key=policy_sort_key)

        summaries = self._derive(("policies", jurisdiction), ranked)
        return Page(tuple(summaries[offset : offset + limit]), len(summaries), offset, limit)

    def _derive(self, key: tuple[str, str | None], compute: Callable[[], list[T]]) -> list[T]:
        """``compute()``, kept until the graph next changes (64 lists at most): a server asked
        for the busiest units ranks 50,000 units once per write, not once per question."""
        with self._lock:
            if self._derived_at != self._changes or len(self._derived) >= 64:
                self._derived = {}
                self._derived_at = self._changes
            if key not in self._derived:
                self._derived[key] = compute()
            found: list[T] = self._derived[key]
            return found

    def clause_ids_of(self, policy_ids: Sequence[str]) -> set[str]:
        """Ids of the clauses of these policies."""
        self._ensure_loaded()
        return {c.id for pid in policy_ids if (p := self._policies.get(pid)) for c in p.clauses}

    def clauses(self, clause_ids: Sequence[str]) -> list[ClauseRecord]:
        """Clause records for ids, in order."""
        self._ensure_loaded()
        return [self._record(c) for c in clause_ids if self._label(c) == schema.CLAUSE]

    def _record(self, clause_id: str, role: Role | None = None) -> ClauseRecord:
        clause: Clause = self._graph.nodes[clause_id]["obj"]
        policy = self._policies[clause.policy_id]
        section_title = ""
        if clause.section_id and self._graph.has_node(clause.section_id):
            section_title = self._graph.nodes[clause.section_id]["obj"].title
        return ClauseRecord(
            clause=clause,
            policy_title=policy.title,
            doc_number=policy.doc_number,
            jurisdiction=policy.jurisdiction.name,
            section_title=section_title,
            role=role,
        )

    def find_units(self, name: str, jurisdiction: str | None = None) -> list[Unit]:
        """Units called ``name`` (canonical or alias)."""
        self._ensure_loaded()
        units = [self._unit(u) for u in self._by_unit_name.get(name, ())]
        units = [u for u in units if jurisdiction is None or u.jurisdiction == jurisdiction]
        return sorted(units, key=lambda u: (u.jurisdiction, u.name))

    def _unit(self, unit_id: str) -> Unit:
        unit: Unit = self._graph.nodes[unit_id]["obj"]
        return unit

    def _label(self, node_id: str) -> str | None:
        node = self._graph.nodes.get(node_id)
        return node["label"] if node is not None else None

    def unit(self, unit_id: str) -> UnitSummary | None:
        """One unit with counts, or None."""
        self._ensure_loaded()
        if self._label(unit_id) != schema.UNIT:
            return None
        return self._summary(unit_id)

    def _summary(self, unit_id: str) -> UnitSummary:
        g = self._graph
        lead = responsible = mentions = policies = 0
        for _, _, kind in g.out_edges(unit_id, data="type"):
            if kind == schema.LEADS:
                lead += 1
            elif kind == schema.RESPONSIBLE_FOR:
                responsible += 1
        for _, _, kind in g.in_edges(unit_id, data="type"):
            if kind == schema.MENTIONS:
                mentions += 1
            elif kind == schema.NAMES:
                policies += 1
        return UnitSummary(self._unit(unit_id), lead, responsible, mentions, policies)

    def units(
        self,
        offset: int = 0,
        limit: int = 50,
        jurisdiction: str | None = None,
        name_contains: str | None = None,
    ) -> Page[UnitSummary]:
        """Units ranked by tasks, paged."""
        self._ensure_loaded()

        def ranked() -> list[UnitSummary]:
            summaries = [
                self._summary(node)
                for node, data in self._graph.nodes(data=True)
                if data["label"] == schema.UNIT
                and (jurisdiction is None or data["obj"].jurisdiction == jurisdiction)
            ]
            return sorted(summaries, key=unit_sort_key)

        summaries = self._derive(("units", jurisdiction), ranked)
        if name_contains is not None:
            summaries = [s for s in summaries if name_contains in s.unit.name]
        return Page(tuple(summaries[offset : offset + limit]), len(summaries), offset, limit)

    def unit_clauses(self, unit_id: str, role: Role | None = None) -> list[ClauseRecord]:
        """Clauses of a unit by role."""
        self._ensure_loaded()
        g = self._graph
        if self._label(unit_id) != schema.UNIT:
            return []
        records: list[ClauseRecord] = []
        if role in (None, Role.LEAD, Role.RESPONSIBLE):
            for _, clause_id, data in g.out_edges(unit_id, data=True):
                edge_role = schema.RELATIONSHIP_ROLE.get(data["type"])
                if edge_role is not None and (role is None or role is edge_role):
                    records.append(self._record(clause_id, edge_role))
        if role is Role.MENTION:
            for clause_id, _, data in g.in_edges(unit_id, data=True):
                if data["type"] == schema.MENTIONS:
                    records.append(self._record(clause_id, Role.MENTION))
        records.sort(key=clause_sort_key)
        return records

    def shared_clauses(self, unit_ids: Sequence[str]) -> list[ClauseRecord]:
        """Clauses every unit leads or shares."""
        self._ensure_loaded()
        g = self._graph
        if not unit_ids or any(self._label(u) != schema.UNIT for u in unit_ids):
            return []
        sets = [
            {c for _, c, d in g.out_edges(u, data=True) if d["type"] in _ROLE_EDGES}
            for u in unit_ids
        ]
        common = set.intersection(*sets)
        records = [self._record(c) for c in common]
        records.sort(key=clause_sort_key)
        return records

    def dated_clauses(self, jurisdiction: str | None = None) -> list[ClauseRecord]:
        """Clauses that state a time limit."""
        self._ensure_loaded()
        records = [
            self._record(clause.id)
            for policy in self._policies.values()
            if jurisdiction is None or policy.jurisdiction.name == jurisdiction
            for clause in policy.clauses
            if clause.deadline
        ]
        records.sort(key=clause_sort_key)
        return records

    def lead_units(self, clause_id: str) -> list[Unit]:
        """Lead units of a clause in annotation order."""
        self._ensure_loaded()
        if self._label(clause_id) != schema.CLAUSE:
            return []
        clause: Clause = self._graph.nodes[clause_id]["obj"]
        jurisdiction = self._policies[clause.policy_id].jurisdiction.name
        return [self._unit(f"{jurisdiction}/{name}") for name in clause.lead_units]

    def citations(self, policy_id: str) -> list[PolicySummary]:
        """What a policy cites, in order."""
        self._ensure_loaded()
        return [self._policy_or_stub(t) for t in self._cites.get(policy_id, [])]

    def cited_by(self, policy_id: str) -> list[PolicySummary]:
        """Stored policies citing ``policy_id``."""
        self._ensure_loaded()
        if not self._graph.has_node(policy_id):
            return []
        summaries = [
            policy_summary(self._policies[src])
            for src, _, d in self._graph.in_edges(policy_id, data=True)
            if d["type"] == schema.CITES
        ]
        return sorted(summaries, key=lambda s: (s.title, s.id))

    def citation_links(self) -> list[CitationLink]:
        """Every CITES relationship with its kind, by citing policy id, then citation order."""
        self._ensure_loaded()
        links = []
        for source in sorted(self._cites):
            for target in self._cites[source]:
                data = self._graph.edges[source, target]
                links.append(
                    CitationLink(
                        source,
                        self._policy_or_stub(target),
                        data.get("kind") or "cites",
                        data.get("sentence"),
                    )
                )
        return links

    def _policy_or_stub(self, node_id: str) -> PolicySummary:
        if node_id in self._policies:
            return policy_summary(self._policies[node_id])
        props = self._graph.nodes[node_id]["props"]
        return PolicySummary(
            node_id, props["title"], props["doc_number"], None, None, None, None, True, 0
        )

    def workload(
        self, jurisdiction: str | None = None, limit: int | None = None
    ) -> list[UnitSummary]:
        """Units ranked by tasks, placeholders excluded."""
        self._ensure_loaded()
        summaries = [
            s
            for s in self.units(0, 10**9, jurisdiction).items
            if s.unit.kind is not UnitKind.PLACEHOLDER and s.tasks > 0
        ]
        return summaries[:limit] if limit is not None else summaries

    def collaboration(
        self,
        jurisdiction: str | None = None,
        unit_id: str | None = None,
        min_weight: int = 1,
        limit: int | None = None,
    ) -> list[CollaborationEdge]:
        """Unit pairs sharing clauses."""
        self._ensure_loaded()
        g = self._graph
        clause_units: list[tuple[str, list[str]]] = []
        for node, data in g.nodes(data=True):
            if data["label"] != schema.CLAUSE:
                continue
            policy = self._policies[data["obj"].policy_id]
            if jurisdiction is not None and policy.jurisdiction.name != jurisdiction:
                continue
            members = [
                u
                for u, _, d in g.in_edges(node, data=True)
                if d["type"] in _ROLE_EDGES and g.nodes[u]["obj"].kind is not UnitKind.PLACEHOLDER
            ]
            clause_units.append((node, members))
        return collaboration_pairs(clause_units, unit_id, min_weight, limit)

    def neighborhood(self, node_id: str, depth: int = 1, limit: int = 300) -> Subgraph:
        """Nodes within ``depth`` hops of ``node_id``."""
        self._ensure_loaded()
        g = self._graph
        if not g.has_node(node_id):
            return Subgraph((), ())
        seen = [node_id]
        seen_set = {node_id}
        frontier = [node_id]
        truncated = False
        for _ in range(depth):
            next_frontier: list[str] = []
            for node in frontier:
                neighbours = set(g.successors(node)) | set(g.predecessors(node))
                for other in sorted(
                    neighbours - seen_set, key=lambda n: node_sort_key(self._view_node(n))
                ):
                    if len(seen) >= limit:
                        truncated = True
                        break
                    seen.append(other)
                    seen_set.add(other)
                    next_frontier.append(other)
            frontier = next_frontier
        nodes = tuple(self._view_node(n) for n in seen)
        edges = tuple(
            sorted(
                (
                    GraphEdge(s, t, d["type"], d.get("kind"))
                    for s, t, d in g.subgraph(seen).edges(data=True)
                ),
                key=lambda e: (e.source, e.target, e.type),
            )
        )
        return Subgraph(nodes, edges, truncated)

    def _view_node(self, node_id: str) -> GraphNode:
        data = self._graph.nodes[node_id]
        return graph_node(node_id, data["label"], data["props"])

    def jurisdictions(self) -> list[JurisdictionSummary]:
        """Jurisdictions holding policies."""
        self._ensure_loaded()
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        places: dict[str, Jurisdiction] = {}
        for policy in self._policies.values():
            name = policy.jurisdiction.name
            places.setdefault(name, policy.jurisdiction)
            counts[name][0] += 1
            counts[name][2] += len(policy.clauses)
        for _, data in self._graph.nodes(data=True):
            if data["label"] == schema.UNIT:
                name = data["obj"].jurisdiction
                if name in counts:
                    counts[name][1] += 1
        return [
            JurisdictionSummary(
                _stored_jurisdiction(self._graph, name, places[name]), *counts[name]
            )
            for name in sorted(counts)
        ]

    def stats(self) -> StoreStats:
        """Counts of nodes and relationships."""
        self._ensure_loaded()
        labels: dict[str, int] = defaultdict(int)
        stubs = 0
        for _, data in self._graph.nodes(data=True):
            labels[data["label"]] += 1
            if data["label"] == schema.POLICY and data["props"]["stub"]:
                stubs += 1
        relationships: dict[str, int] = defaultdict(int)
        for _, _, kind in self._graph.edges(data="type"):
            relationships[kind] += 1
        return StoreStats(
            policies=labels[schema.POLICY] - stubs,
            stub_policies=stubs,
            sections=labels[schema.SECTION],
            clauses=labels[schema.CLAUSE],
            units=labels[schema.UNIT],
            jurisdictions=labels[schema.JURISDICTION],
            relationships=dict(sorted(relationships.items())),
        )

    def to_networkx(self) -> nx.MultiDiGraph:
        """A copy of the graph with plain properties, for analytics and export."""
        self._ensure_loaded()
        out = nx.MultiDiGraph()
        for node, data in self._graph.nodes(data=True):
            display = display_name(data["label"], data["props"])
            out.add_node(node, **{**data["props"], "label": data["label"], "display": display})
        for source, target, data in self._graph.edges(data=True):
            out.add_edge(source, target, type=data["type"], **citation_attributes(data))
        return out

    def close(self) -> None:
        """Nothing to release; kept for the protocol."""


_ROLE_EDGES = {schema.LEADS, schema.RESPONSIBLE_FOR}


def _stored_jurisdiction(g: nx.DiGraph, name: str, fallback: Jurisdiction) -> Jurisdiction:
    node = g.nodes.get(jurisdiction_node_id(name))
    return jurisdiction_from_properties(node["props"]) if node else fallback
