// A unit: per jurisdiction its workload, its clauses by role across policies, and its partners.

import { api, type Clause, type UnitDetail } from "../api";
import { cardsByPolicy, ROLE_LABELS } from "../cards";
import { errorBox, fill, h, loading, route } from "../dom";
import type { ViewContext } from "../main";

const KINDS: Record<string, string> = {
  department: "Department 部门",
  party_organ: "Party organ 党委机构",
  zone_committee: "Zone committee 园区管委会",
  government: "Government 政府",
  township: "Township 乡镇街道",
  organisation: "Organisation 组织",
  placeholder: "Placeholder 泛指",
};

export function kindLabel(kind: string): string {
  return KINDS[kind] ?? kind;
}

export function unitView(page: HTMLElement, ctx: ViewContext): void {
  const name = ctx.args.join("/");
  const title = h("h1", null, name || "Unit");
  const body = h("div", { class: "unit-body" }, loading());
  page.append(h("p", { class: "crumbs" }, h("a", { href: "#/units" }, "Units"), " / "), title, body);
  if (!name) {
    fill(body, errorBox("No unit named."));
    return;
  }
  api.unit(name).then(
    (lookup) => {
      const names = new Set(lookup.units.map((d) => d.unit.name));
      title.textContent = names.size === 1 ? [...names][0] : lookup.name;
      fill(
        body,
        lookup.units.length > 1
          ? h("p", { class: "muted" }, `${lookup.units.length} units answer to this name, one per jurisdiction.`)
          : null,
        lookup.units.map(unitDetail),
      );
    },
    (error) => fill(body, errorBox(error)),
  );
}

function unitDetail(detail: UnitDetail): HTMLElement {
  const { unit } = detail;
  const focus = new Set([unit.name]);
  const stat = (key: string, label: string, value: number) =>
    h("div", { class: `stat stat-${key}` }, h("span", { class: "stat-value" }, String(value)), h("span", { class: "stat-label" }, label));
  const roleSection = (role: string, heading: string, clauses: Clause[]) =>
    h(
      "section",
      { class: "role-group", "data-role": role },
      h("h3", null, `${heading} (${clauses.length})`),
      clauses.length ? cardsByPolicy(clauses, { focus }) : h("p", { class: "muted" }, "None."),
    );
  const maxShared = Math.max(1, ...detail.partners.map((p) => p.shared_clauses));
  const partners = h(
    "aside",
    { class: "partners", "aria-labelledby": `partners-${unit.id}` },
    h("h3", { id: `partners-${unit.id}` }, "Works with most 合作单位"),
    detail.partners.length
      ? h(
          "ol",
          { class: "partner-list" },
          detail.partners.map((p) =>
            h(
              "li",
              { class: "partner" },
              h("a", { class: "partner-link", href: route("unit", p.id) }, p.name),
              h(
                "span",
                { class: "partner-bar", "aria-hidden": "true" },
                h("span", { style: `width:${Math.round((100 * p.shared_clauses) / maxShared)}%` }),
              ),
              h("span", { class: "partner-count" }, `${p.shared_clauses} shared`),
            ),
          ),
        )
      : h("p", { class: "muted" }, "No shared clauses."),
  );
  return h(
    "section",
    { class: "unit-detail", "data-unit-id": unit.id },
    h("h2", { class: "unit-jurisdiction" }, unit.jurisdiction),
    h(
      "p",
      { class: "unit-meta" },
      h("span", null, kindLabel(unit.kind)),
      h("span", null, `Level ${unit.level}`),
      unit.aliases.length ? h("span", null, `Also: ${unit.aliases.join("、")}`) : null,
    ),
    h(
      "div",
      { class: "stats", role: "group", "aria-label": "Workload" },
      stat("lead", ROLE_LABELS.lead, unit.lead),
      stat("responsible", ROLE_LABELS.responsible, unit.responsible),
      stat("mentions", ROLE_LABELS.mention, unit.mentions),
      stat("policies", "Policies 文件", unit.policies),
    ),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "primary open-graph", onclick: () => (location.hash = route("graph", unit.id)) }, "Open graph neighbourhood"),
      h(
        "button",
        { type: "button", class: "open-network", onclick: () => (location.hash = `#/network?unit=${encodeURIComponent(unit.id)}`) },
        "Collaboration network",
      ),
    ),
    h(
      "div",
      { class: "unit-columns" },
      h(
        "div",
        { class: "unit-clauses" },
        roleSection("lead", "Leads 牵头", detail.lead),
        roleSection("responsible", "Responsible 责任", detail.responsible),
        roleSection("mention", "Mentioned 提及", detail.mentioned),
      ),
      partners,
    ),
  );
}
