// Graph views on cytoscape.js (fcose layout):
//   graphView   — the neighbourhood of any node; filter by policy; click a clause to read it,
//                 a unit to open its page; double-click any node to expand it.
//   networkView — units linked by the clauses they share; node size = workload (lead +
//                 responsible), edge width = shared clauses; filter by jurisdiction, unit kind
//                 and minimum weight.

import cytoscape, {
  type Core,
  type ElementDefinition,
  type EventObject,
  type LayoutOptions,
  type NodeSingular,
  type StylesheetJson,
} from "cytoscape";
import fcose from "cytoscape-fcose";
import { api, type GraphEdge, type GraphNode, type GraphView } from "../api";
import { clauseCard } from "../cards";
import { clip, errorBox, fill, h, loading, route } from "../dom";
import type { ViewContext } from "../main";
import { kindLabel } from "./unit";

cytoscape.use(fcose);

declare global {
  interface Window {
    /** The current graph, for tests and the console. */
    policykgExplorer?: { cy: Core | null };
  }
}

const FONT = '"Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", sans-serif';

const LABEL_COLORS: Record<string, string> = {
  Policy: "#1f4e9c",
  Section: "#0f766e",
  Clause: "#d97706",
  Unit: "#7c3aed",
  Jurisdiction: "#64748b",
};

const KIND_COLORS: Record<string, string> = {
  department: "#2563eb",
  party_organ: "#b42318",
  zone_committee: "#0f766e",
  government: "#7c3aed",
  township: "#ca8a04",
  organisation: "#db2777",
  placeholder: "#94a3b8",
};

const EDGE_LABELS: [string, string][] = [
  ["leads", "Leads 牵头"],
  ["responsible_for", "Responsible 责任"],
  ["mentions", "Mentions 提及"],
  ["cites", "Cites 引用"],
  ["cites-implements", "Implements 落实"],
  ["cites-repeals", "Repeals 废止"],
  ["cites-amends", "Amends 修改"],
  ["structure", "Contains / names / in"],
];

const BASE_STYLE: StylesheetJson = [
  {
    selector: "node",
    style: {
      label: "data(short)",
      "font-family": FONT,
      "font-size": 11,
      color: "#1f2937",
      "text-valign": "bottom",
      "text-halign": "center",
      "text-margin-y": 3,
      "text-wrap": "ellipsis",
      "text-max-width": "110px",
      "text-background-color": "#ffffff",
      "text-background-opacity": 0.8,
      "text-background-padding": "1px",
      "min-zoomed-font-size": 7,
      width: 22,
      height: 22,
      "background-color": "#94a3b8",
      "border-width": 1.5,
      "border-color": "#ffffff",
    },
  },
  { selector: "node:selected", style: { "border-width": 4, "border-color": "#f59e0b" } },
  {
    selector: "edge",
    style: {
      width: 1.2,
      "line-color": "#cbd5e1",
      "curve-style": "bezier",
      "target-arrow-shape": "triangle",
      "target-arrow-color": "#cbd5e1",
      "arrow-scale": 0.7,
    },
  },
  { selector: "edge:selected", style: { "line-color": "#f59e0b", "target-arrow-color": "#f59e0b" } },
  { selector: ".hidden", style: { display: "none" } },
];

const NEIGHBOURHOOD_STYLE: StylesheetJson = [
  ...BASE_STYLE,
  { selector: "node.policy", style: { shape: "round-rectangle", width: 30, height: 22, "background-color": LABEL_COLORS.Policy } },
  { selector: "node.section", style: { shape: "rectangle", "background-color": LABEL_COLORS.Section } },
  { selector: "node.clause", style: { shape: "ellipse", "background-color": LABEL_COLORS.Clause } },
  { selector: "node.unit", style: { shape: "ellipse", "background-color": LABEL_COLORS.Unit } },
  { selector: "node.jurisdiction", style: { shape: "diamond", "background-color": LABEL_COLORS.Jurisdiction } },
  {
    selector: "node.stub",
    style: { "background-color": "#e2e8f0", "border-style": "dashed", "border-color": "#475569", "border-width": 2 },
  },
  { selector: "node.root", style: { width: 36, height: 36, "border-width": 4, "border-color": "#111827", "font-weight": "bold" } },
  { selector: "node.expanded", style: { "border-color": "#111827", "border-width": 2.5 } },
  { selector: "edge.leads", style: { width: 3, "line-color": "#b42318", "target-arrow-color": "#b42318" } },
  { selector: "edge.responsible_for", style: { width: 2, "line-color": "#2563eb", "target-arrow-color": "#2563eb" } },
  { selector: "edge.mentions", style: { "line-style": "dotted", "line-color": "#64748b", "target-arrow-color": "#64748b" } },
  { selector: "edge.cites", style: { "line-style": "dashed", "line-color": "#1f4e9c", "target-arrow-color": "#1f4e9c" } },
  // How a policy uses what it cites: implements and basis solid, repeals red, amends orange.
  { selector: "edge.cites.kind-implements", style: { "line-style": "solid", width: 2.4, "line-color": "#1e7a3c", "target-arrow-color": "#1e7a3c" } },
  { selector: "edge.cites.kind-basis", style: { "line-style": "solid" } },
  { selector: "edge.cites.kind-repeals", style: { width: 2.4, "line-color": "#b42318", "target-arrow-color": "#b42318", "target-arrow-shape": "tee" } },
  { selector: "edge.cites.kind-amends", style: { width: 2.4, "line-color": "#c2410c", "target-arrow-color": "#c2410c" } },
];

const NETWORK_STYLE: StylesheetJson = [
  ...BASE_STYLE,
  {
    selector: "node",
    style: {
      label: "data(name)",
      width: "data(size)",
      height: "data(size)",
      "background-color": "data(color)",
    },
  },
  {
    selector: "edge",
    style: {
      width: "data(width)",
      "line-color": "#94a3b8",
      "line-opacity": 0.7,
      "target-arrow-shape": "none",
      "curve-style": "haystack",
    },
  },
  { selector: "edge:selected", style: { "line-color": "#f59e0b", "line-opacity": 1 } },
];

// ---------------------------------------------------------------- shared pieces

interface Canvas {
  cy: Core;
  container: HTMLElement;
  /** Re-run the layout (randomize for a fresh graph, keep positions after an expansion). */
  layout(randomize: boolean): void;
  /** Refresh the node count attributes and the keyboard node list. */
  refresh(): void;
}

function mountCanvas(
  ctx: ViewContext,
  container: HTMLElement,
  style: StylesheetJson,
  nodeList: HTMLElement,
  nodeHref: (node: NodeSingular) => string | null,
): Canvas {
  const cy = cytoscape({ container, style, minZoom: 0.15, maxZoom: 4, boxSelectionEnabled: false });
  window.policykgExplorer = { cy };
  ctx.onLeave(() => {
    cy.destroy();
    if (window.policykgExplorer?.cy === cy) window.policykgExplorer = { cy: null };
  });
  const refresh = () => {
    const visible = cy.nodes().not(".hidden");
    container.dataset.nodes = String(visible.length);
    container.dataset.edges = String(cy.edges().not(".hidden").filter((e) => e.visible()).length);
    container.setAttribute("aria-label", `Graph of ${visible.length} nodes. The list below the graph links every node.`);
    const items = visible
      .sort((a, b) => String(a.data("label")).localeCompare(b.data("label")) || String(a.data("name")).localeCompare(b.data("name")))
      .map((node) => {
        const href = nodeHref(node as NodeSingular);
        const text = `${node.data("label")}: ${node.data("name")}`;
        return h("li", null, href ? h("a", { href }, text) : text);
      });
    fill(nodeList, h("summary", null, `List of ${visible.length} nodes`), h("ul", null, items));
  };
  const layout = (randomize: boolean) => {
    container.dataset.ready = "false";
    const options = {
      name: "fcose",
      quality: "default",
      randomize,
      animate: !randomize,
      animationDuration: 350,
      fit: true,
      padding: 24,
      nodeDimensionsIncludeLabels: true,
      idealEdgeLength: 70,
      nodeRepulsion: 6500,
      numIter: 2500,
    } as unknown as LayoutOptions;
    const run = cy.elements().not(".hidden").layout(options);
    run.one("layoutstop", () => {
      container.dataset.ready = "true";
      refresh();
    });
    run.run();
  };
  return { cy, container, layout, refresh };
}

function graphShell(page: HTMLElement, toolbar: HTMLElement, legend: HTMLElement, hint: string) {
  const container = h("div", { class: "graph-canvas", id: "graph-canvas", role: "img", "aria-label": "Graph", "data-ready": "false" });
  const status = h("div", { class: "graph-status", role: "status" }, loading());
  const nodeList = h("details", { class: "node-list" });
  const detail = h("div", { class: "graph-detail", "aria-live": "polite" });
  const panel = h(
    "aside",
    { class: "graph-panel", "aria-label": "Selection and legend" },
    h("p", { class: "graph-hint" }, hint),
    detail,
    legend,
  );
  page.append(
    toolbar,
    h("div", { class: "graph-layout" }, h("div", { class: "graph-main" }, status, container, nodeList), panel),
  );
  return { container, status, nodeList, detail };
}

function legendBlock(title: string, rows: [string, string, string][]): HTMLElement {
  return h(
    "section",
    { class: "legend" },
    h("h2", null, title),
    h(
      "ul",
      null,
      rows.map(([cls, color, text]) =>
        h("li", null, h("span", { class: `swatch ${cls}`, style: `--swatch:${color}`, "aria-hidden": "true" }), text),
      ),
    ),
  );
}

function field(id: string, label: string, control: HTMLElement): HTMLElement {
  control.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), control);
}

function setQuery(name: string, params: Record<string, string | number | null | undefined>, base = ""): void {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") query.set(key, String(value));
  }
  const text = query.toString();
  history.replaceState(null, "", `#/${name}${base}${text ? "?" + text : ""}`);
}

// ---------------------------------------------------------------- neighbourhood

function shortName(node: GraphNode): string {
  const p = node.properties;
  switch (node.label) {
    case "Clause":
      return clip(`${p.marker ?? ""}${p.title ?? node.name}`, 14);
    case "Policy":
      return clip(`《${node.name}》`, 16);
    default:
      return clip(node.name, 14);
  }
}

function policyOf(node: GraphNode): string {
  const p = node.properties;
  if (node.label === "Policy") return p.stub === true ? "" : node.id;
  if (node.label === "Clause" || node.label === "Section") return String(p.policy_id ?? "");
  return "";
}

function neighbourhoodElements(view: GraphView, rootId: string): ElementDefinition[] {
  const nodes: ElementDefinition[] = view.nodes.map((n) => ({
    group: "nodes",
    data: {
      id: n.id,
      label: n.label,
      name: n.name,
      short: shortName(n),
      policy: policyOf(n),
      policyTitle: n.label === "Policy" ? n.name : "",
      stub: n.properties.stub === true,
    },
    classes: [n.label.toLowerCase(), n.properties.stub === true ? "stub" : "", n.id === rootId ? "root" : ""].join(" ").trim(),
  }));
  return [...nodes, ...edgeElements(view.edges)];
}

function edgeElements(edges: GraphEdge[]): ElementDefinition[] {
  return edges.map((e) => ({
    group: "edges",
    data: {
      id: `${e.source}|${e.type}|${e.target}`,
      source: e.source,
      target: e.target,
      type: e.type,
      kind: e.kind ?? "",
      weight: e.weight ?? 1,
    },
    classes: [e.type.toLowerCase(), e.kind ? `kind-${e.kind}` : ""].join(" ").trim(),
  }));
}

/** Add the elements the graph lacks; new nodes start next to `near` so the layout stays calm. */
function addNew(cy: Core, elements: ElementDefinition[], near?: NodeSingular): number {
  const centre = near?.position() ?? { x: 0, y: 0 };
  const fresh = elements.filter((el) => cy.getElementById(String(el.data.id)).empty());
  const nodes = fresh.filter((el) => el.group === "nodes").map((el) => ({
    ...el,
    position: { x: centre.x + (Math.random() - 0.5) * 80, y: centre.y + (Math.random() - 0.5) * 80 },
  }));
  const edges = fresh.filter(
    (el) =>
      el.group === "edges" &&
      (cy.getElementById(String(el.data.source)).nonempty() || nodes.some((n) => n.data.id === el.data.source)) &&
      (cy.getElementById(String(el.data.target)).nonempty() || nodes.some((n) => n.data.id === el.data.target)),
  );
  cy.add([...nodes, ...edges]);
  return nodes.length + edges.length;
}

interface NodeData {
  id: string;
  label: string;
  stub?: boolean;
  policy?: string;
}

/** The explorer page of a node: unit, clause or policy page (stubs and the rest: their graph). */
function neighbourhoodHref(node: NodeData): string {
  switch (node.label) {
    case "Unit":
      return route("unit", node.id);
    case "Clause":
      return route("clause", node.id);
    case "Policy":
      return node.stub ? route("graph", node.id) : route("policy", node.id);
    case "Section":
      return node.policy ? route("policy", node.policy) : route("graph", node.id);
    default:
      return route("graph", node.id);
  }
}

export function graphView(page: HTMLElement, ctx: ViewContext): void {
  const rootId = ctx.args.join("/");
  let depth = Math.min(3, Math.max(1, Number(ctx.query.get("depth")) || 1));
  let policyFilter = ctx.query.get("policy") ?? "";

  const heading = h("h1", null, "Graph neighbourhood");
  const subtitle = h("p", { class: "lede" }, rootId);
  const depthSelect = h("select", { name: "depth" }, [1, 2, 3].map((d) => h("option", { value: d }, `${d} hop${d > 1 ? "s" : ""}`)));
  depthSelect.value = String(depth);
  const policySelect = h("select", { name: "policy" }, h("option", { value: "" }, "All policies"));
  const fitButton = h("button", { type: "button" }, "Fit");
  const relayout = h("button", { type: "button" }, "Re-layout");
  const toolbar = h(
    "form",
    { class: "toolbar", "aria-label": "Graph options", onsubmit: (e: Event) => e.preventDefault() },
    field("graph-depth", "Depth", depthSelect),
    field("graph-policy", "Policy 文件", policySelect),
    h("div", { class: "toolbar-buttons" }, fitButton, relayout, h("a", { class: "button-link", href: "#/network" }, "Collaboration network")),
  );
  const legend = h(
    "div",
    null,
    legendBlock(
      "Nodes",
      Object.entries(LABEL_COLORS).map(([label, color]) => [`swatch-${label.toLowerCase()}`, color, label]),
    ),
    legendBlock("Edges", EDGE_LABELS.map(([type, text]) => [`swatch-edge swatch-${type}`, "", text])),
  );
  page.append(h("p", { class: "crumbs" }, h("a", { href: "#/network" }, "Graph"), " / "), heading, subtitle);
  const shell = graphShell(
    page,
    toolbar,
    legend,
    "Click a clause to read it, a unit to open its page; double-click any node to expand it. Drag to pan, scroll or pinch to zoom.",
  );
  const canvas = mountCanvas(ctx, shell.container, NEIGHBOURHOOD_STYLE, shell.nodeList, (node) =>
    neighbourhoodHref(node.data() as NodeData),
  );
  const { cy } = canvas;

  const updatePolicies = () => {
    const titles = new Map<string, string>();
    cy.nodes().forEach((node) => {
      const id = node.data("policy") as string;
      if (id && (!titles.has(id) || node.data("policyTitle"))) titles.set(id, node.data("policyTitle") || titles.get(id) || id);
    });
    fill(
      policySelect,
      h("option", { value: "" }, "All policies"),
      [...titles].map(([id, title]) => h("option", { value: id }, clip(title, 30))),
    );
    if (!titles.has(policyFilter)) policyFilter = "";
    policySelect.value = policyFilter;
  };
  const applyFilter = () => {
    cy.elements().removeClass("hidden");
    if (policyFilter) {
      const own = cy.nodes().filter((n) => n.data("policy") === policyFilter);
      const related = own.neighborhood().nodes().filter((n) => !["Clause", "Section"].includes(n.data("label")));
      cy.nodes().difference(own.union(related)).addClass("hidden");
    }
    canvas.refresh();
  };
  const syncUrl = () => setQuery("graph", { depth: depth > 1 ? depth : null, policy: policyFilter }, "/" + encodeURIComponent(rootId));

  const load = () => {
    fill(shell.status, loading());
    api.neighborhood(rootId, depth, 300).then(
      (view) => {
        const root = view.nodes.find((n) => n.id === rootId);
        heading.textContent = root ? `${root.name}` : "Graph neighbourhood";
        fill(
          subtitle,
          root ? `${root.label} · ` : "",
          `${view.nodes.length} nodes, ${view.edges.length} edges within ${depth} hop${depth > 1 ? "s" : ""}`,
          view.truncated ? " (truncated)" : "",
          " · ",
          root && root.label !== "Jurisdiction"
            ? h("a", { href: neighbourhoodHref({ ...root, stub: root.properties.stub === true, policy: policyOf(root) }) }, "open its page")
            : null,
        );
        cy.elements().remove();
        cy.add(neighbourhoodElements(view, rootId));
        updatePolicies();
        applyFilter();
        canvas.layout(true);
        fill(shell.status);
      },
      (error) => fill(shell.status, errorBox(error)),
    );
  };

  const showClause = (id: string) => {
    fill(shell.detail, loading("Loading the clause…"));
    api.clause(id).then(
      (clause) =>
        fill(
          shell.detail,
          h("h2", null, "Clause"),
          clauseCard(clause, { expanded: true }),
          h("p", { class: "detail-links" }, h("a", { href: route("clause", id) }, "Clause page"), h("a", { href: route("graph", id) }, "Centre graph here")),
        ),
      (error) => fill(shell.detail, errorBox(error)),
    );
  };
  const showNode = (node: NodeSingular) => {
    const href = neighbourhoodHref(node.data() as NodeData);
    fill(
      shell.detail,
      h("h2", null, node.data("label")),
      h("p", { class: "detail-name" }, node.data("name")),
      node.data("stub") ? h("p", null, h("span", { class: "stub-badge" }, "not ingested"), " Cited, but not in the store.") : null,
      h(
        "p",
        { class: "detail-links" },
        href && !href.startsWith("#/graph") ? h("a", { href }, "Open page") : null,
        h("a", { href: route("graph", node.id()) }, "Centre graph here"),
      ),
    );
  };
  const expand = (node: NodeSingular) => {
    fill(shell.status, loading(`Expanding ${node.data("name")}…`));
    api.neighborhood(node.id(), 1, 200).then(
      (view) => {
        node.addClass("expanded");
        const added = addNew(cy, neighbourhoodElements(view, rootId), node);
        updatePolicies();
        applyFilter();
        if (added) canvas.layout(false);
        fill(shell.status, h("p", { class: "status" }, added ? `Added ${added} elements around ${node.data("name")}.` : `Nothing new around ${node.data("name")}.`));
      },
      (error) => fill(shell.status, errorBox(error)),
    );
  };

  cy.on("onetap", "node", (event: EventObject) => {
    const node = event.target as NodeSingular;
    const label = node.data("label");
    if (label === "Unit") location.hash = route("unit", node.id());
    else if (label === "Clause") showClause(node.id());
    else showNode(node);
  });
  cy.on("dbltap", "node", (event: EventObject) => expand(event.target as NodeSingular));
  cy.on("onetap", "edge", (event: EventObject) => {
    const edge = event.target;
    fill(
      shell.detail,
      h("h2", null, "Relationship"),
      h("p", null, `${edge.source().data("name")} —${edge.data("type")}→ ${edge.target().data("name")}`),
    );
  });
  depthSelect.addEventListener("change", () => {
    depth = Number(depthSelect.value);
    syncUrl();
    load();
  });
  policySelect.addEventListener("change", () => {
    policyFilter = policySelect.value;
    syncUrl();
    applyFilter();
    canvas.layout(false);
  });
  fitButton.addEventListener("click", () => cy.fit(undefined, 24));
  relayout.addEventListener("click", () => canvas.layout(true));
  load();
}

// ---------------------------------------------------------------- collaboration network

export function networkView(page: HTMLElement, ctx: ViewContext): void {
  let jurisdiction = ctx.query.get("jurisdiction") ?? "";
  let unitId = ctx.query.get("unit") ?? "";
  let kind = ctx.query.get("kind") ?? "";
  let minWeight = Math.max(1, Number(ctx.query.get("min")) || 1);

  const placeSelect = h("select", { name: "jurisdiction" }, h("option", { value: "" }, "All jurisdictions"));
  api.jurisdictions().then(
    (places) => {
      for (const p of places) placeSelect.append(h("option", { value: p.name }, clip(p.name, 28)));
      placeSelect.value = jurisdiction;
    },
    () => undefined,
  );
  const kindSelect = h(
    "select",
    { name: "kind" },
    h("option", { value: "" }, "All kinds"),
    Object.keys(KIND_COLORS).map((k) => h("option", { value: k }, kindLabel(k))),
  );
  kindSelect.value = kind;
  const weightInput = h("input", { name: "min_weight", type: "number", min: 1, step: 1, inputmode: "numeric" });
  weightInput.value = String(minWeight);
  const unitNote = h("div", { class: "toolbar-note" });
  const toolbar = h(
    "form",
    { class: "toolbar", "aria-label": "Network filters", onsubmit: (e: Event) => (e.preventDefault(), readWeight()) },
    field("network-jurisdiction", "Jurisdiction 辖区", placeSelect),
    field("network-kind", "Unit kind 类型", kindSelect),
    field("network-min-weight", "Min shared clauses", weightInput),
    h("div", { class: "toolbar-buttons" }, h("button", { type: "submit" }, "Apply"), h("button", { type: "button", class: "fit-button" }, "Fit")),
    unitNote,
  );
  const legend = legendBlock(
    "Unit kinds",
    Object.entries(KIND_COLORS).map(([k, color]) => ["swatch-dot", color, kindLabel(k)]),
  );
  const subtitle = h("p", { class: "lede" }, "Units linked by the clauses they share. Node size: clauses led and shared; edge width: shared clauses.");
  page.append(h("h1", null, "Collaboration network 合作网络"), subtitle);
  const shell = graphShell(
    page,
    toolbar,
    legend,
    "Click a unit to open its page, an edge to see the shared work; double-click a unit to add all its partners.",
  );
  const canvas = mountCanvas(ctx, shell.container, NETWORK_STYLE, shell.nodeList, (node) => route("unit", node.id()));
  const { cy } = canvas;

  const sync = () => setQuery("network", { jurisdiction, unit: unitId, kind, min: minWeight > 1 ? minWeight : null });
  const restyle = () => {
    const nodes = cy.nodes();
    const maxLoad = Math.max(1, ...nodes.map((n) => n.data("workload") as number));
    nodes.forEach((n) => {
      n.data("size", Math.round(16 + 44 * Math.sqrt((n.data("workload") as number) / maxLoad)));
    });
    const weights = cy.edges().map((e) => e.data("weight") as number);
    const lo = Math.min(...weights, 1);
    const hi = Math.max(...weights, 1);
    cy.edges().forEach((e) => {
      e.data("width", hi > lo ? 1 + (7 * ((e.data("weight") as number) - lo)) / (hi - lo) : 2);
    });
  };
  const applyKind = () => {
    cy.elements().removeClass("hidden");
    if (kind) cy.nodes().filter((n) => n.data("kind") !== kind).addClass("hidden");
    canvas.refresh();
  };
  const elements = (view: GraphView): ElementDefinition[] => [
    ...view.nodes.map((n) => ({
      group: "nodes" as const,
      data: {
        id: n.id,
        label: n.label,
        name: n.name,
        kind: String(n.properties.kind ?? ""),
        jurisdiction: String(n.properties.jurisdiction ?? ""),
        workload: Number(n.properties.lead ?? 0) + Number(n.properties.responsible ?? 0),
        lead: Number(n.properties.lead ?? 0),
        responsible: Number(n.properties.responsible ?? 0),
        color: KIND_COLORS[String(n.properties.kind)] ?? "#94a3b8",
        size: 20,
      },
    })),
    ...edgeElements(view.edges).map((e) => ({ ...e, data: { ...e.data, width: 2 } })),
  ];
  const load = () => {
    fill(shell.status, loading());
    fill(
      unitNote,
      unitId
        ? [
            h("span", null, "Around ", h("a", { href: route("unit", unitId) }, unitId.split("/").pop() ?? unitId)),
            h("button", { type: "button", class: "chip-button", onclick: () => ((unitId = ""), sync(), load()) }, "Show all units"),
          ]
        : null,
    );
    api.collaboration({ jurisdiction: jurisdiction || undefined, unit_id: unitId || undefined, min_weight: minWeight, limit: 1000 }).then(
      (view) => {
        cy.elements().remove();
        cy.add(elements(view));
        restyle();
        applyKind();
        canvas.layout(true);
        fill(
          shell.status,
          view.nodes.length
            ? h("p", { class: "status" }, `${view.nodes.length} units, ${view.edges.length} links.`)
            : h("p", { class: "status" }, "No units share that many clauses: lower the minimum."),
        );
      },
      (error) => fill(shell.status, errorBox(error)),
    );
  };
  const readWeight = () => {
    const value = Math.max(1, Math.floor(Number(weightInput.value) || 1));
    weightInput.value = String(value);
    if (value !== minWeight) {
      minWeight = value;
      sync();
      load();
    }
  };
  const expand = (node: NodeSingular) => {
    fill(shell.status, loading(`Adding the partners of ${node.data("name")}…`));
    api.collaboration({ jurisdiction: jurisdiction || undefined, unit_id: node.id(), min_weight: minWeight, limit: 200 }).then(
      (view) => {
        const added = addNew(cy, elements(view), node);
        restyle();
        applyKind();
        if (added) canvas.layout(false);
        fill(shell.status, h("p", { class: "status" }, added ? `Added ${added} elements.` : `No other partners of ${node.data("name")}.`));
      },
      (error) => fill(shell.status, errorBox(error)),
    );
  };

  cy.on("onetap", "node", (event: EventObject) => {
    location.hash = route("unit", (event.target as NodeSingular).id());
  });
  cy.on("dbltap", "node", (event: EventObject) => expand(event.target as NodeSingular));
  cy.on("onetap", "edge", (event: EventObject) => {
    const edge = event.target;
    const a = edge.source().data("name");
    const b = edge.target().data("name");
    const question = `${a}和${b}共同负责哪些工作？`;
    fill(
      shell.detail,
      h("h2", null, "Shared work"),
      h(
        "p",
        null,
        h("a", { href: route("unit", edge.source().id()) }, a),
        " and ",
        h("a", { href: route("unit", edge.target().id()) }, b),
        ` share ${edge.data("weight")} clause${edge.data("weight") > 1 ? "s" : ""}.`,
      ),
      h("p", null, h("a", { href: `#/ask?q=${encodeURIComponent(question)}` }, `Ask: ${question}`)),
    );
  });
  placeSelect.addEventListener("change", () => {
    jurisdiction = placeSelect.value;
    sync();
    load();
  });
  kindSelect.addEventListener("change", () => {
    kind = kindSelect.value;
    sync();
    applyKind();
    canvas.layout(true);
  });
  weightInput.addEventListener("change", readWeight);
  toolbar.querySelector(".fit-button")?.addEventListener("click", () => cy.fit(undefined, 24));
  load();
}
