// One clause, full text shown, with its policy and graph links.

import { api } from "../api";
import { clauseCard } from "../cards";
import { errorBox, fill, h, loading } from "../dom";
import type { ViewContext } from "../main";

export function clauseView(page: HTMLElement, ctx: ViewContext): void {
  const id = ctx.args.join("/");
  const title = h("h1", null, "Clause");
  const body = h("div", null, loading());
  page.append(title, body);
  api.clause(id).then(
    (clause) => {
      title.textContent = `${clause.marker || clause.number} ${clause.title}`;
      fill(body, h("div", { class: "cards cards-single" }, clauseCard(clause, { expanded: true })));
    },
    (error) => fill(body, errorBox(error)),
  );
}
