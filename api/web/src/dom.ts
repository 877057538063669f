// A tiny element builder: h("a", { href: "#/ask", class: "x" }, "text", child, [more]).

export type Child = Node | string | number | null | undefined | false | Child[];
type AttrValue = string | number | boolean | null | undefined;
export type Attrs = Record<string, AttrValue | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (typeof value === "function") {
      el.addEventListener(key.replace(/^on/, "").toLowerCase(), value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else if (value !== false && value !== null && value !== undefined) {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else if (child !== null && child !== undefined && child !== false)
      parent.appendChild(document.createTextNode(String(child)));
  }
}

/** Replace everything inside an element. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A hash link to an explorer route; parts are URL-encoded (unit and clause ids contain "/"). */
export function route(kind: string, ...parts: string[]): string {
  return `#/${kind}${parts.map((p) => "/" + encodeURIComponent(p)).join("")}`;
}

export function loading(text = "Loading…"): HTMLElement {
  return h("p", { class: "status", role: "status" }, text);
}

export function errorBox(error: unknown): HTMLElement {
  const message = error instanceof Error ? error.message : String(error);
  return h("p", { class: "status status-error", role: "alert" }, message);
}

/** First `max` characters of a text, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) + "…" : text;
}
