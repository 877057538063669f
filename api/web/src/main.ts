// The explorer: a hash-routed single page over the PolicyKG JSON API.
//   #/ask?q=…            question → cited answer and clause cards
//   #/unit/<name or id>  a unit's workload, clauses by role and partners
//   #/policy/<id>        a policy's outline, what it cites and what cites it
//   #/clause/<id>        one clause
//   #/graph/<node id>    interactive neighbourhood of any node
//   #/network            the units' collaboration network
//   #/units, #/policies  browse

import "./style.css";
import { h } from "./dom";
import { askView } from "./views/ask";
import { clauseView } from "./views/clause";
import { graphView, networkView } from "./views/graph";
import { policiesView, unitsView } from "./views/lists";
import { policyView } from "./views/policy";
import { unitView } from "./views/unit";

export interface ViewContext {
  /** Decoded path parts after the route name. */
  args: string[];
  query: URLSearchParams;
  /** Run when the view is left (destroy graph canvases, timers). */
  onLeave(cleanup: () => void): void;
}

export type View = (page: HTMLElement, ctx: ViewContext) => void;

const VIEWS: Record<string, { view: View; nav: string }> = {
  ask: { view: askView, nav: "ask" },
  unit: { view: unitView, nav: "units" },
  units: { view: unitsView, nav: "units" },
  policy: { view: policyView, nav: "policies" },
  policies: { view: policiesView, nav: "policies" },
  clause: { view: clauseView, nav: "policies" },
  graph: { view: graphView, nav: "network" },
  network: { view: networkView, nav: "network" },
};

const main = document.getElementById("main") as HTMLElement;
let cleanups: (() => void)[] = [];
let firstRender = true;

function parseHash(): { name: string; args: string[]; query: URLSearchParams } {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, search = ""] = raw.split("?", 2);
  const [name = "", ...rest] = path.split("/");
  const args = rest.filter((part) => part !== "").map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  });
  return { name: name || "ask", args, query: new URLSearchParams(search) };
}

function render(): void {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
  const { name, args, query } = parseHash();
  const entry = VIEWS[name];
  // Each route renders into a fresh element: late answers of a left view land in a detached node.
  const page = h("div", { class: `page page-${entry ? name : "missing"}` });
  main.replaceChildren(page);
  for (const link of document.querySelectorAll<HTMLAnchorElement>("[data-nav]")) {
    if (entry && link.dataset.nav === entry.nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!entry) {
    page.append(h("h1", null, "Page not found"), h("p", null, h("a", { href: "#/ask" }, "Ask a question")));
  } else {
    entry.view(page, { args, query, onLeave: (cleanup) => cleanups.push(cleanup) });
  }
  if (!firstRender) {
    window.scrollTo(0, 0);
    // Move focus to the new page's heading so screen readers announce it (the ask box keeps its own).
    const heading = page.querySelector<HTMLElement>("h1");
    if (heading && !page.contains(document.activeElement)) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
  }
  firstRender = false;
}

document.getElementById("skip-link")?.addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener("hashchange", render);
render();
