// Clause cards and unit chips, shared by the ask, unit, clause and graph views.

import type { Clause } from "./api";
import { clip, h, route } from "./dom";

export const SOURCE_LABELS: Record<string, string> = {
  annotation: "标注 annotation",
  table: "表格 table",
  section: "职责分工 duty section",
  prose: "正文 prose",
  regulation: "条例 regulation",
};

export const ROLE_LABELS: Record<string, string> = {
  lead: "牵头 Lead",
  responsible: "责任 Responsible",
  mention: "提及 Mentioned",
};

/** A link to a unit's page; lead units are drawn as filled badges, responsible ones outlined. */
export function unitChip(
  name: string,
  role: "lead" | "responsible",
  focus: Set<string>,
  source?: string,
): HTMLElement {
  const classes = ["unit", `unit-${role}`];
  if (focus.has(name)) classes.push("unit-focus");
  const from = source ? ` — read from: ${SOURCE_LABELS[source] ?? source}` : "";
  return h(
    "a",
    {
      class: classes.join(" "),
      href: route("unit", name),
      title: `${name}: ${ROLE_LABELS[role]}${from}`,
      "data-source": source ?? "",
    },
    name,
  );
}

/** The lead and responsible units of a clause, as a definition list. */
export function unitRoles(
  lead: string[],
  responsible: string[],
  focus: Set<string> = new Set(),
  sources: Record<string, string> = {},
): HTMLElement {
  const row = (role: "lead" | "responsible", names: string[]) =>
    h(
      "div",
      { class: `unit-row unit-row-${role}` },
      h("dt", null, ROLE_LABELS[role]),
      h(
        "dd",
        null,
        names.length ? names.map((n) => unitChip(n, role, focus, sources[n])) : h("span", { class: "muted" }, "—"),
      ),
    );
  return h("dl", { class: "unit-roles" }, row("lead", lead), row("responsible", responsible));
}

export function roleBadge(role: string | null): HTMLElement | null {
  if (!role) return null;
  return h("span", { class: `role-badge role-${role}` }, ROLE_LABELS[role] ?? role);
}

let cardCounter = 0;

export interface CardOptions {
  /** Unit names to ring (the unit the page or question is about). */
  focus?: Set<string>;
  /** Start with the full text shown. */
  expanded?: boolean;
  /** Hide the policy line (when the cards are already grouped by policy). */
  hidePolicy?: boolean;
}

/** A cited clause: policy, marker and number, title, units by role, text (expandable). */
export function clauseCard(clause: Clause, options: CardOptions = {}): HTMLElement {
  const focus = options.focus ?? new Set<string>();
  const textId = `clause-text-${++cardCounter}`;
  const excerpt = h("p", { class: "clause-excerpt" }, clip(clause.text, 110));
  const full = h("div", { class: "clause-text", id: textId }, clause.text);
  const toggle = h("button", {
    type: "button",
    class: "toggle-text",
    "aria-controls": textId,
    "aria-expanded": "false",
  });
  const setExpanded = (open: boolean) => {
    full.hidden = !open;
    excerpt.hidden = open;
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? "Hide full text" : "Show full text";
  };
  toggle.addEventListener("click", () => setExpanded(full.hidden));
  setExpanded(Boolean(options.expanded));

  const policyLine = options.hidePolicy
    ? null
    : h(
        "p",
        { class: "card-policy" },
        h("a", { class: "policy-link", href: route("policy", clause.policy_id) }, `《${clause.policy_title}》`),
        clause.doc_number ? h("span", { class: "doc-number" }, clause.doc_number) : null,
      );
  return h(
    "article",
    {
      class: "card clause-card",
      "data-clause-id": clause.clause_id,
      "data-number": clause.number,
      "data-role": clause.role ?? "",
    },
    h(
      "div",
      { class: "card-head" },
      policyLine,
      roleBadge(clause.role),
    ),
    h(
      "h3",
      { class: "clause-title" },
      h("span", { class: "clause-marker" }, clause.marker || clause.number),
      " ",
      clause.title || "(untitled clause)",
    ),
    unitRoles(clause.lead_units, clause.responsible_units, focus, clause.role_sources ?? {}),
    sourceLine(clause.role_sources ?? {}),
    clause.deadline ? h("p", { class: "clause-deadline" }, `时限 Deadline: ${clause.deadline}`) : null,
    excerpt,
    full,
    h(
      "div",
      { class: "card-actions" },
      toggle,
      h("a", { href: route("clause", clause.clause_id) }, "Clause"),
      h("a", { href: route("graph", clause.clause_id) }, "Graph"),
    ),
  );
}

/** Cards grouped under their policy's title (policy order kept). */
export function cardsByPolicy(clauses: Clause[], options: CardOptions = {}): HTMLElement {
  const groups = new Map<string, Clause[]>();
  for (const clause of clauses) {
    const list = groups.get(clause.policy_id) ?? [];
    list.push(clause);
    groups.set(clause.policy_id, list);
  }
  return h(
    "div",
    { class: "policy-groups" },
    [...groups.values()].map((list) =>
      h(
        "section",
        { class: "policy-group" },
        h(
          "h4",
          { class: "policy-group-title" },
          h("a", { class: "policy-link", href: route("policy", list[0].policy_id) }, `《${list[0].policy_title}》`),
          h("span", { class: "count" }, `${list.length}`),
        ),
        h("div", { class: "cards" }, list.map((c) => clauseCard(c, { ...options, hidePolicy: true }))),
      ),
    ),
  );
}

/** Where the roles were read, once per form: "Roles read from: 表格 table, 正文 prose". */
function sourceLine(sources: Record<string, string>): HTMLElement | null {
  const forms = [...new Set(Object.values(sources))];
  if (!forms.length) return null;
  return h(
    "p",
    { class: "role-sources muted" },
    `Roles read from: ${forms.map((f) => SOURCE_LABELS[f] ?? f).join(", ")}`,
  );
}
