// A policy: its outline (sections, clauses, units), what it cites and what cites it.

import { api, type PolicyDetail, type PolicySummary } from "../api";
import { unitRoles } from "../cards";
import { errorBox, fill, h, loading, route } from "../dom";
import type { ViewContext } from "../main";

export function policyView(page: HTMLElement, ctx: ViewContext): void {
  const id = ctx.args.join("/");
  const title = h("h1", null, "Policy");
  const body = h("div", { class: "policy-body" }, loading());
  page.append(h("p", { class: "crumbs" }, h("a", { href: "#/policies" }, "Policies"), " / "), title, body);
  api.policy(id).then(
    (detail) => {
      title.textContent = detail.policy.title;
      fill(body, policyDetail(detail));
    },
    (error) => fill(body, errorBox(error)),
  );
}

/** A cited or citing policy: a link when ingested, marked "not ingested" when only a stub. */
export function policyItem(p: PolicySummary, cls: string): HTMLElement {
  return h(
    "li",
    { class: `${cls}${p.stub ? " is-stub" : ""}`, "data-stub": String(p.stub) },
    p.stub
      ? h("span", { class: "policy-name" }, `《${p.title}》`)
      : h("a", { class: "policy-link policy-name", href: route("policy", p.id) }, `《${p.title}》`),
    p.doc_number ? h("span", { class: "doc-number" }, p.doc_number) : null,
    p.stub
      ? h("span", { class: "stub-badge", title: "Cited but not in the store" }, "not ingested")
      : h("span", { class: "muted" }, `${p.clause_count} clauses`),
    h("a", { class: "small-link", href: route("graph", p.id), "aria-label": `Graph of ${p.title}` }, "graph"),
  );
}

function policyDetail(detail: PolicyDetail): HTMLElement[] {
  const { policy } = detail;
  const facts: [string, string | null][] = [
    ["Document number 文号", policy.doc_number],
    ["Issuer 发文机关", policy.issuer],
    ["Date 日期", policy.date],
    ["Jurisdiction 辖区", policy.jurisdiction],
    ["Clauses 条款", String(policy.clause_count)],
    ["Source", policy.source],
  ];
  const clauseCount = detail.sections.reduce((n, s) => n + s.clauses.length, 0);
  return [
    h(
      "dl",
      { class: "facts" },
      facts
        .filter(([, value]) => value)
        .map(([label, value]) => h("div", null, h("dt", null, label), h("dd", null, value))),
    ),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", class: "primary", onclick: () => (location.hash = route("graph", policy.id)) }, "Open graph"),
    ),
    detail.preamble
      ? h("details", { class: "preamble" }, h("summary", null, "Preamble 前言"), h("p", null, detail.preamble))
      : h("span"),
    h(
      "div",
      { class: "policy-columns" },
      h(
        "section",
        { class: "outline", "aria-labelledby": "outline-heading" },
        h("h2", { id: "outline-heading" }, `Outline (${detail.sections.length} sections, ${clauseCount} clauses)`),
        detail.sections.map((section) =>
          h(
            "section",
            { class: "outline-section", "data-number": section.number },
            h(
              "h3",
              null,
              section.number ? h("span", { class: "section-number" }, `${section.number}、`) : null,
              section.title || (section.number ? "" : "（正文）"),
            ),
            h(
              "ol",
              { class: "outline-clauses" },
              section.clauses.map((c) =>
                h(
                  "li",
                  { class: "outline-clause", "data-clause-id": c.clause_id, "data-number": c.number },
                  h(
                    "a",
                    { class: "outline-clause-link", href: route("clause", c.clause_id) },
                    h("span", { class: "clause-marker" }, c.marker || c.number),
                    " ",
                    c.title || "(untitled)",
                  ),
                  c.lead_units.length || c.responsible_units.length ? unitRoles(c.lead_units, c.responsible_units) : null,
                ),
              ),
            ),
          ),
        ),
      ),
      h(
        "div",
        { class: "citations" },
        h(
          "section",
          { class: "cites", "aria-labelledby": "cites-heading" },
          h("h2", { id: "cites-heading" }, `Cites 引用 (${detail.cites.length})`),
          detail.cites.length
            ? h("ul", { class: "cite-list" }, detail.cites.map((p) => policyItem(p, "cite-item")))
            : h("p", { class: "muted" }, "Cites no other policy."),
        ),
        h(
          "section",
          { class: "cited-by", "aria-labelledby": "cited-by-heading" },
          h("h2", { id: "cited-by-heading" }, `Cited by 被引用 (${detail.cited_by.length})`),
          detail.cited_by.length
            ? h("ul", { class: "cite-list" }, detail.cited_by.map((p) => policyItem(p, "cited-by-item")))
            : h("p", { class: "muted" }, "No stored policy cites it."),
        ),
      ),
    ),
  ];
}
