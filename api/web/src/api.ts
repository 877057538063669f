// The JSON API (api/app.py and api/schemas.py): typed fetch helpers.
// URLs are relative to the page, so the explorer also works behind a path prefix.

export interface Clause {
  clause_id: string;
  policy_id: string;
  policy_title: string;
  doc_number: string | null;
  jurisdiction: string;
  number: string;
  marker: string;
  title: string;
  role: string | null;
  lead_units: string[];
  responsible_units: string[];
  text: string;
  score: number;
  /** Where each unit's role was read: annotation, table, section, prose, regulation. */
  role_sources?: Record<string, string>;
  /** The time limit the clause states, as written. */
  deadline?: string | null;
}

export interface PolicyRef {
  policy_id: string;
  title: string;
  doc_number: string | null;
  jurisdiction: string | null;
  stub: boolean;
}

export interface Answer {
  question: string;
  intent: string;
  answer: string;
  units: string[];
  clauses: Clause[];
  policies: PolicyRef[];
  language: string;
  jurisdictions: string[];
  candidates: string[];
  found: boolean;
  rewritten: boolean;
}

export interface Unit {
  id: string;
  name: string;
  jurisdiction: string;
  aliases: string[];
  level: string;
  kind: string;
  lead: number;
  responsible: number;
  mentions: number;
  policies: number;
}

export interface Page<T> {
  total: number;
  offset: number;
  limit: number;
  items: T[];
}

export interface Partner {
  id: string;
  name: string;
  shared_clauses: number;
}

export interface UnitDetail {
  unit: Unit;
  lead: Clause[];
  responsible: Clause[];
  mentioned: Clause[];
  partners: Partner[];
}

export interface UnitLookup {
  name: string;
  units: UnitDetail[];
}

export interface PolicySummary {
  id: string;
  title: string;
  doc_number: string | null;
  issuer: string | null;
  date: string | null;
  jurisdiction: string | null;
  source: string | null;
  stub: boolean;
  clause_count: number;
  effective?: string | null;
  expires?: string | null;
  status?: string | null;
}

/** A cited or citing policy with what the citing one does with the cited one. */
export interface Citation extends PolicySummary {
  kind: string;
  sentence: string | null;
}

export interface LifecycleEvent {
  status: string;
  day: string | null;
  by: PolicyRef;
  sentence: string | null;
}

export interface Lifecycle {
  policy: PolicyRef;
  on: string;
  status: string;
  status_label: string;
  effective: string | null;
  expires: string | null;
  evidence: string;
  events: LifecycleEvent[];
}

export interface TransmissionRow {
  policy: PolicyRef;
  date: string | null;
  kind: string;
  level: string;
  days_after: number | null;
  sentence: string | null;
}

export interface Transmission {
  policy: PolicyRef;
  date: string | null;
  rows: TransmissionRow[];
}

export interface AlignedClause {
  clause_id: string;
  marker: string;
  title: string;
  label: string;
  parent_clause_id: string | null;
  parent_marker: string | null;
  parent_title: string | null;
  similarity: number;
  overlap: number;
}

export interface Alignment {
  local: PolicyRef;
  parent: PolicyRef;
  counts: Record<string, number>;
  covered: number;
  clauses: AlignedClause[];
  parent_clauses: { clause_id: string; marker: string; title: string; covered: boolean }[];
}

export interface OutlineClause {
  clause_id: string;
  number: string;
  marker: string;
  title: string;
  lead_units: string[];
  responsible_units: string[];
}

export interface OutlineSection {
  number: string;
  title: string;
  clauses: OutlineClause[];
}

export interface PolicyDetail {
  policy: PolicySummary;
  preamble: string;
  sections: OutlineSection[];
  cites: Citation[];
  cited_by: Citation[];
  lifecycle: Lifecycle | null;
}

export interface GraphNode {
  id: string;
  label: string;
  name: string;
  properties: Record<string, unknown>;
}

export interface GraphEdge {
  source: string;
  target: string;
  type: string;
  kind?: string | null;
  weight?: number | null;
}

export interface GraphView {
  nodes: GraphNode[];
  edges: GraphEdge[];
  truncated: boolean;
}

export interface Jurisdiction {
  name: string;
  level: string;
  parent: string | null;
  determined: boolean;
  policies: number;
  units: number;
  clauses: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Params = Record<string, string | number | null | undefined>;

function url(path: string, params?: Params): string {
  const target = new URL(path, document.baseURI);
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value !== null && value !== undefined && value !== "") target.searchParams.set(key, String(value));
  }
  return target.toString();
}

async function request<T>(input: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(input, { ...init, headers: { Accept: "application/json", ...init?.headers } });
  } catch {
    throw new ApiError(0, "The PolicyKG server cannot be reached.");
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = (await response.json()) as { error?: { message?: string } };
      if (body.error?.message) message = body.error.message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(response.status, message);
  }
  return (await response.json()) as T;
}

const enc = encodeURIComponent;

export const api = {
  ask: (question: string, jurisdiction?: string) =>
    request<Answer>(url("ask"), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question, jurisdiction: jurisdiction || null }),
    }),
  units: (params: { offset?: number; limit?: number; jurisdiction?: string; name?: string }) =>
    request<Page<Unit>>(url("units", params)),
  unit: (name: string) => request<UnitLookup>(url(`units/${enc(name)}`)),
  clause: (id: string) => request<Clause>(url(`clauses/${enc(id)}`)),
  policies: (params: { offset?: number; limit?: number; jurisdiction?: string }) =>
    request<Page<PolicySummary>>(url("policies", params)),
  policy: (id: string) => request<PolicyDetail>(url(`policies/${enc(id)}`)),
  transmission: (id: string) => request<Transmission>(url(`transmission/${enc(id)}`)),
  alignment: (id: string) => request<Alignment>(url(`alignment/${enc(id)}`)),
  neighborhood: (nodeId: string, depth = 1, limit = 200) =>
    request<GraphView>(url("graph/neighborhood", { node_id: nodeId, depth, limit })),
  collaboration: (params: { jurisdiction?: string; unit_id?: string; min_weight?: number; limit?: number }) =>
    request<GraphView>(url("graph/collaboration", params)),
  jurisdictions: () => request<Jurisdiction[]>(url("jurisdictions")),
};
