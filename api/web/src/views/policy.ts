// A policy: its outline (sections, clauses, units), what it cites and what cites it.

import {
  api,
  type Alignment,
  type Citation,
  type Lifecycle,
  type PolicyDetail,
  type PolicySummary,
  type Transmission,
} from "../api";
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
      const extra = h("div", { class: "policy-lifecycle" });
      body.append(extra);
      if (detail.cited_by.length) {
        api.transmission(id).then(
          (found) => extra.prepend(transmissionView(found)),
          (error) => extra.prepend(errorBox(error)),
        );
      }
      const parent = detail.cites.find((c) => !c.stub && (c.kind === "implements" || c.kind === "basis"));
      if (parent) {
        const button: HTMLButtonElement = h(
          "button",
          {
            type: "button",
            class: "align-button",
            onclick: () => {
              button.disabled = true;
              api.alignment(id).then(
                (found) => extra.append(alignmentView(found)),
                (error) => extra.append(errorBox(error)),
              );
            },
          },
          `Align with 《${parent.title}》 clause by clause`,
        );
        extra.append(button);
      }
    },
    (error) => fill(body, errorBox(error)),
  );
}

const KIND_LABELS: Record<string, string> = {
  basis: "basis 依据",
  implements: "implements 落实",
  amends: "amends 修改",
  repeals: "repeals 废止",
  cites: "cites 引用",
};

const STATUS_LABELS: Record<string, string> = {
  in_force: "in force 现行有效",
  amended: "amended 已被修改",
  replaced: "replaced 已被新版本替代",
  repealed: "repealed 已废止",
  expired: "expired 已失效",
  not_yet: "not yet in force 尚未生效",
};

/** A cited or citing policy: a link when ingested, marked "not ingested" when only a stub; with
 * how the citing one uses the cited one (basis, implements, repeals …) and the sentence. */
export function policyItem(p: PolicySummary | Citation, cls: string): HTMLElement {
  const kind = "kind" in p ? p.kind : null;
  const sentence = "sentence" in p ? p.sentence : null;
  return h(
    "li",
    {
      class: `${cls}${p.stub ? " is-stub" : ""}`,
      "data-stub": String(p.stub),
      "data-kind": kind,
      title: sentence,
    },
    kind ? h("span", { class: `kind-badge kind-${kind}` }, KIND_LABELS[kind] ?? kind) : null,
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
    ["Effective 施行", policy.effective ?? null],
    ["Expires 有效期至", policy.expires ?? null],
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
    detail.lifecycle ? lifecycleBox(detail.lifecycle) : h("span"),
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

/** The document's status today, its own dates with the sentence they were read from, and what
 * later documents did to it. */
function lifecycleBox(found: Lifecycle): HTMLElement {
  return h(
    "section",
    { class: `lifecycle status-${found.status}`, "aria-label": "Validity" },
    h(
      "p",
      { class: "lifecycle-status" },
      h("strong", null, STATUS_LABELS[found.status] ?? found.status),
      ` on ${found.on}`,
    ),
    found.evidence ? h("p", { class: "lifecycle-evidence muted" }, `“${found.evidence}”`) : null,
    found.events.length
      ? h(
          "ul",
          { class: "lifecycle-events" },
          found.events.map((e) =>
            h(
              "li",
              { "data-status": e.status },
              `${e.day ?? "?"} ${e.status} by `,
              h("a", { class: "policy-link", href: route("policy", e.by.policy_id) }, `《${e.by.title}》`),
              e.sentence ? h("span", { class: "muted" }, ` “${e.sentence}”`) : null,
            ),
          ),
        )
      : null,
  );
}

/** Who implements or cites the policy, as a timeline: one row per document, its bar as long as
 * the days it took. */
export function transmissionView(found: Transmission): HTMLElement {
  const longest = Math.max(1, ...found.rows.map((r) => r.days_after ?? 0));
  return h(
    "section",
    { class: "transmission", "aria-labelledby": "transmission-heading" },
    h("h2", { id: "transmission-heading" }, `Transmission 落实情况 (${found.rows.length})`),
    h(
      "p",
      { class: "muted" },
      found.date ? `Issued ${found.date}; bars show the days each document took.` : "Its own date is unknown.",
    ),
    h(
      "ol",
      { class: "timeline" },
      found.rows.map((r) =>
        h(
          "li",
          { class: "timeline-row", "data-days": r.days_after ?? "" },
          h("span", { class: "timeline-date" }, r.date ?? "—"),
          h(
            "span",
            { class: "timeline-bar-track" },
            h("span", {
              class: "timeline-bar",
              style: `width: ${r.days_after === null ? 0 : Math.max(2, (100 * r.days_after) / longest)}%`,
            }),
          ),
          h("a", { class: "policy-link", href: route("policy", r.policy.policy_id) }, `《${r.policy.title}》`),
          h(
            "span",
            { class: "muted" },
            ` ${r.policy.jurisdiction ?? ""} · ${r.level} · ${KIND_LABELS[r.kind] ?? r.kind}` +
              (r.days_after === null ? "" : ` · ${r.days_after} days`),
          ),
        ),
      ),
    ),
  );
}

/** The policy beside the document it implements, clause by clause. */
export function alignmentView(found: Alignment): HTMLElement {
  const uncovered = found.parent_clauses.filter((c) => !c.covered);
  return h(
    "section",
    { class: "alignment", "aria-labelledby": "alignment-heading" },
    h("h2", { id: "alignment-heading" }, `Alignment with 《${found.parent.title}》`),
    h(
      "p",
      { class: "muted" },
      `copied ${found.counts.copied ?? 0} · adapted ${found.counts.adapted ?? 0} · local ${found.counts.local ?? 0}` +
        ` · parent clauses taken up ${found.covered}/${found.parent_clauses.length}`,
    ),
    h(
      "table",
      { class: "alignment-table" },
      h("thead", null, h("tr", null, h("th", null, "This document"), h("th", null, ""), h("th", null, "Parent"))),
      h(
        "tbody",
        null,
        found.clauses.map((a) =>
          h(
            "tr",
            { class: `aligned aligned-${a.label}`, "data-label": a.label },
            h("td", null, h("a", { href: route("clause", a.clause_id) }, `${a.marker} ${a.title}`)),
            h("td", { class: "aligned-label" }, a.label),
            h(
              "td",
              null,
              a.parent_clause_id
                ? h("a", { href: route("clause", a.parent_clause_id) }, `${a.parent_marker} ${a.parent_title}`)
                : "—",
            ),
          ),
        ),
      ),
    ),
    uncovered.length
      ? h("p", { class: "muted" }, "Not taken up: " + uncovered.map((c) => `${c.marker}${c.title}`).join("；"))
      : null,
  );
}

