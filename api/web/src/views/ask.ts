// Ask: a question in Chinese or English → the cited answer text and one card per clause.

import { api, type Answer } from "../api";
import { clauseCard } from "../cards";
import { errorBox, fill, h, loading, route } from "../dom";
import type { ViewContext } from "../main";

const EXAMPLES = [
  "县商务局负责什么？",
  "谁牵头招商引资？",
  "县商务局和县科技局共同负责哪些工作？",
  "哪个单位牵头的任务最多？",
  "What is the 县商务局 responsible for?",
];

const INTENTS: Record<string, string> = {
  unit_duties: "Unit duties",
  unit_lead: "Led by unit",
  unit_responsible: "Shared by unit",
  shared: "Shared work",
  who_leads: "Who leads",
  cites: "Citations",
  cited_by: "Cited by",
  most_tasks: "Most tasks",
  collaborators: "Collaborators",
  clarify: "Which unit?",
  search: "Search",
};

export function askView(page: HTMLElement, ctx: ViewContext): void {
  const question = ctx.query.get("q") ?? "";
  const jurisdiction = ctx.query.get("jurisdiction") ?? "";

  const input = h("input", {
    id: "ask-question",
    name: "q",
    type: "search",
    required: true,
    maxlength: 500,
    autocomplete: "off",
    placeholder: "县商务局负责什么？",
  });
  input.value = question;
  const select = h(
    "select",
    { id: "ask-jurisdiction", name: "jurisdiction" },
    h("option", { value: "" }, "All jurisdictions"),
  );
  api.jurisdictions().then(
    (places) => {
      for (const place of places) select.append(h("option", { value: place.name }, place.name));
      select.value = jurisdiction;
    },
    () => undefined,
  );

  const go = (q: string) => {
    const params = new URLSearchParams({ q });
    if (select.value) params.set("jurisdiction", select.value);
    const target = `#/ask?${params}`;
    if (location.hash === target) run(q, select.value);
    else location.hash = target;
  };
  const form = h(
    "form",
    {
      class: "ask-form",
      role: "search",
      onsubmit: (event: Event) => {
        event.preventDefault();
        const q = input.value.trim();
        if (q) go(q);
      },
    },
    h(
      "div",
      { class: "field field-grow" },
      h("label", { for: "ask-question" }, "Question 问题"),
      input,
    ),
    h("div", { class: "field" }, h("label", { for: "ask-jurisdiction" }, "Jurisdiction 辖区"), select),
    h("button", { type: "submit", class: "primary" }, "Ask"),
  );
  const examples = h(
    "div",
    { class: "examples" },
    h("span", { class: "muted" }, "Try:"),
    EXAMPLES.map((q) =>
      h("button", { type: "button", class: "chip-button", onclick: () => ((input.value = q), go(q)) }, q),
    ),
  );
  const results = h("section", { class: "answer-area", "aria-live": "polite", "aria-label": "Answer" });

  page.append(
    h("h1", null, "Ask the policies"),
    h(
      "p",
      { class: "lede" },
      "Who leads and who shares each task — every statement cites its policy and clause.",
    ),
    form,
    examples,
    results,
  );

  const run = (q: string, place: string) => {
    fill(results, loading("Finding the clauses…"));
    api.ask(q, place || undefined).then(
      (answer) => fill(results, answerBlock(answer)),
      (error) => fill(results, errorBox(error)),
    );
  };
  if (question) run(question, jurisdiction);
  else requestAnimationFrame(() => input.focus());
}

function answerBlock(answer: Answer): HTMLElement {
  const focus = new Set(answer.units);
  const meta = h(
    "div",
    { class: "answer-meta" },
    h("span", { class: "intent-badge", title: answer.intent }, INTENTS[answer.intent] ?? answer.intent),
    answer.units.length
      ? h(
          "span",
          { class: "answer-units" },
          "Units: ",
          answer.units.map((u) => h("a", { class: "unit unit-plain", href: route("unit", u) }, u)),
        )
      : null,
    answer.rewritten ? h("span", { class: "muted" }, "(reworded by the language model; citations unchanged)") : null,
  );
  const candidates = answer.candidates.length
    ? h(
        "p",
        { class: "candidates" },
        "Did you mean: ",
        answer.candidates.map((name) => h("a", { class: "unit unit-plain", href: route("unit", name) }, name)),
      )
    : null;
  const policies = answer.policies.length
    ? h(
        "section",
        { class: "answer-policies" },
        h("h2", null, `Policies (${answer.policies.length})`),
        h(
          "ul",
          { class: "policy-list" },
          answer.policies.map((p) =>
            h(
              "li",
              null,
              p.stub
                ? h("span", null, `《${p.title}》`)
                : h("a", { class: "policy-link", href: route("policy", p.policy_id) }, `《${p.title}》`),
              p.doc_number ? h("span", { class: "doc-number" }, p.doc_number) : null,
              p.stub ? h("span", { class: "stub-badge" }, "not ingested") : null,
            ),
          ),
        ),
      )
    : null;
  return h(
    "div",
    { class: "answer", "data-found": String(answer.found) },
    h("div", { class: "answer-box" }, h("p", { class: "answer-text" }, answer.answer), meta, candidates),
    policies,
    answer.clauses.length
      ? h(
          "section",
          { class: "answer-clauses" },
          h("h2", null, `Cited clauses (${answer.clauses.length})`),
          h("div", { class: "cards" }, answer.clauses.map((c) => clauseCard(c, { focus }))),
        )
      : null,
  );
}
