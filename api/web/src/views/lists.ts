// Browse: units by workload (with a name filter) and stored policies.

import { api, type Unit } from "../api";
import { errorBox, fill, h, loading, route } from "../dom";
import type { ViewContext } from "../main";
import { kindLabel } from "./unit";

const PAGE = 50;

export function unitsView(page: HTMLElement, ctx: ViewContext): void {
  const name = ctx.query.get("name") ?? "";
  const jurisdiction = ctx.query.get("jurisdiction") ?? "";
  const offset = Math.max(0, Number(ctx.query.get("offset")) || 0);
  const input = h("input", { id: "units-name", name: "name", type: "search", placeholder: "商务局", autocomplete: "off" });
  input.value = name;
  const select = h("select", { id: "units-jurisdiction", name: "jurisdiction" }, h("option", { value: "" }, "All jurisdictions"));
  api.jurisdictions().then(
    (places) => {
      for (const p of places) select.append(h("option", { value: p.name }, `${p.name} (${p.units})`));
      select.value = jurisdiction;
    },
    () => undefined,
  );
  const link = (next: { name?: string; jurisdiction?: string; offset?: number }) => {
    const params = new URLSearchParams();
    if (next.name) params.set("name", next.name);
    if (next.jurisdiction) params.set("jurisdiction", next.jurisdiction);
    if (next.offset) params.set("offset", String(next.offset));
    return `#/units${params.toString() ? "?" + params.toString() : ""}`;
  };
  const form = h(
    "form",
    {
      class: "filter-form",
      onsubmit: (event: Event) => {
        event.preventDefault();
        location.hash = link({ name: input.value.trim(), jurisdiction: select.value });
      },
    },
    h("div", { class: "field field-grow" }, h("label", { for: "units-name" }, "Name contains"), input),
    h("div", { class: "field" }, h("label", { for: "units-jurisdiction" }, "Jurisdiction"), select),
    h("button", { type: "submit", class: "primary" }, "Filter"),
  );
  const results = h("div", { "aria-live": "polite" }, loading());
  page.append(h("h1", null, "Units 单位"), h("p", { class: "lede" }, "Units by workload: clauses led and shared."), form, results);

  api.units({ offset, limit: PAGE, name: name || undefined, jurisdiction: jurisdiction || undefined }).then(
    (found) => {
      const pager = h(
        "nav",
        { class: "pager", "aria-label": "Pages" },
        offset > 0 ? h("a", { href: link({ name, jurisdiction, offset: Math.max(0, offset - PAGE) }) }, "← Previous") : null,
        h("span", { class: "muted" }, found.total ? `${offset + 1}–${offset + found.items.length} of ${found.total}` : "No units"),
        offset + PAGE < found.total ? h("a", { href: link({ name, jurisdiction, offset: offset + PAGE }) }, "Next →") : null,
      );
      fill(results, h("div", { class: "table-wrap" }, unitTable(found.items)), pager);
    },
    (error) => fill(results, errorBox(error)),
  );
}

function unitTable(units: Unit[]): HTMLElement {
  return h(
    "table",
    { class: "data-table" },
    h(
      "thead",
      null,
      h("tr", null, ["Unit", "Jurisdiction", "Kind", "Lead", "Resp.", "Mentions"].map((c) => h("th", { scope: "col" }, c))),
    ),
    h(
      "tbody",
      null,
      units.map((u) =>
        h(
          "tr",
          null,
          h("th", { scope: "row" }, h("a", { href: route("unit", u.id) }, u.name)),
          h("td", { class: "wrap" }, u.jurisdiction),
          h("td", null, kindLabel(u.kind)),
          h("td", { class: "num" }, String(u.lead)),
          h("td", { class: "num" }, String(u.responsible)),
          h("td", { class: "num" }, String(u.mentions)),
        ),
      ),
    ),
  );
}

export function policiesView(page: HTMLElement): void {
  const results = h("div", null, loading());
  page.append(h("h1", null, "Policies 文件"), results);
  api.policies({ limit: 500 }).then(
    (found) =>
      fill(
        results,
        found.items.length
          ? h(
              "ul",
              { class: "policy-cards" },
              found.items.map((p) =>
                h(
                  "li",
                  { class: "card policy-card" },
                  h("h2", null, h("a", { class: "policy-link", href: route("policy", p.id) }, `《${p.title}》`)),
                  h(
                    "p",
                    { class: "unit-meta" },
                    p.doc_number ? h("span", null, p.doc_number) : null,
                    p.issuer ? h("span", null, p.issuer) : null,
                    p.date ? h("span", null, p.date) : null,
                    p.jurisdiction ? h("span", null, p.jurisdiction) : null,
                    h("span", null, `${p.clause_count} clauses`),
                  ),
                ),
              ),
            )
          : h("p", { class: "muted" }, "No policies yet: ingest some with `policykg ingest`."),
        found.total > found.items.length ? h("p", { class: "muted" }, `Showing ${found.items.length} of ${found.total}.`) : null,
      ),
    (error) => fill(results, errorBox(error)),
  );
}
