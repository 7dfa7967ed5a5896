/**
 * The blast radius of one stack's changes as a Mermaid flowchart: every changed resource and every
 * unchanged one that depends on it (as far as the preview lists them: `--show-sames`), an arrow from
 * each resource to the ones it uses (as in the topology), grouped by component (the parent), coloured by operation,
 * resources that hold data drawn as cylinders. A large radius is folded to one node per component;
 * one too large even then (too many boxes, or more text than Mermaid draws) is not drawn, and the
 * comment says why.
 */
import { DIAGRAM_CAP, type FlowEdge, type FlowGroup, type FlowNode, fitsDiagramCap, renderFlowchart } from "../mermaid/flowchart";
import { codeBlock } from "./markdown";
import { compareOps, opLabel } from "./ops";
import type { SafeSummary } from "./safe-summary";
import { protectionOp } from "./summarize";
import { parseUrn } from "./urn";

/** Past this many resources the picture is folded by component: more boxes than a reviewer reads. */
export const FOLD_ABOVE = 40;
/** Past this many nodes even folded, or this many edges, no picture: it would be a hairball. */
export const MAX_NODES = 80;
export const MAX_EDGES = 200;

/** GitHub's own colours for added, changed, replaced and removed; purple for protection alone; grey for what only depends. */
const CLASSES = {
  create: "fill:#dafbe1,stroke:#1a7f37",
  update: "fill:#fff8c5,stroke:#9a6700",
  replace: "fill:#ffd8b5,stroke:#bc4c00",
  delete: "fill:#ffebe9,stroke:#cf222e",
  protection: "fill:#fbefff,stroke:#8250df",
  other: "fill:#ddf4ff,stroke:#0969da",
  unchanged: "fill:#f6f8fa,stroke:#8c959f,stroke-dasharray:4 3",
} as const;

export const LEGEND =
  "An arrow points from a resource to one it uses (A → B: A uses B), so what depends on a change points at it. Green: create, yellow: update, orange: replace, red: delete, purple: protect or unprotect only, blue: another operation, grey: unchanged but depends on a change. A cylinder holds data.";

/** A resource as a node: changed (with its op) or a dependent (op "same", "read", ...). */
interface Item {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly op: string;
  readonly changed: boolean;
  readonly dataCategory?: string;
  readonly parent?: string;
  readonly dependencies: readonly string[];
}

export type BlastRadius = { readonly folded?: string; readonly full?: string } | { readonly omitted: string };

const classOf = (item: Item): keyof typeof CLASSES =>
  !item.changed
    ? "unchanged"
    : item.op === "create" || item.op === "update" || item.op === "replace" || item.op === "delete"
      ? item.op
      : item.op === "protect" || item.op === "unprotect"
        ? "protection"
        : "other";

/**
 * Short enough for a box: `aws:rds/instance:Instance` → `rds/instance`, `github:index/issueLabel:IssueLabel`
 * → `github IssueLabel`, a component's `mlops-cicd:services:WebService` → `WebService`.
 */
function shortType(type: string): string {
  const [pkg = "", module = "", name = type] = type.split(":");
  if (module.startsWith("index/")) return `${pkg} ${name}`;
  return module.includes("/") ? module : name;
}

/** The component an item is drawn in: its parent, unless that is the stack itself. */
function componentOf(item: Item): string | undefined {
  return item.parent !== undefined && parseUrn(item.parent).type !== "pulumi:pulumi:Stack" ? item.parent : undefined;
}

function itemsOf(stack: SafeSummary): Item[] {
  return [
    // A change of protection alone is drawn as what it is, as the resource's own line names it.
    ...stack.changes.map((change) => ({ ...change, op: protectionOp(change) ?? change.op, changed: true })),
    ...stack.dependents.map((dependent) => ({ ...dependent, changed: false })),
  ];
}

/** Edges between drawn resources only: a dependency the preview does not list is not drawn. */
function edgesOf(items: readonly Item[], keyOf: (item: Item) => string): FlowEdge[] {
  const byUrn = new Map(items.map((item) => [item.urn, item]));
  const seen = new Set<string>();
  const edges: FlowEdge[] = [];
  for (const item of items) {
    for (const urn of item.dependencies) {
      const dependency = byUrn.get(urn);
      if (!dependency) continue;
      // Drawn as the topology draws it: from the resource to the one it uses.
      const from = keyOf(item);
      const to = keyOf(dependency);
      const key = `${from}\u0000${to}`;
      if (from === to || seen.has(key)) continue;
      seen.add(key);
      edges.push({ from, to });
    }
  }
  return edges;
}

function componentLabel(parent: string): string {
  const { type, name } = parseUrn(parent);
  return `${name} (${shortType(type)})`;
}

/** One node per resource, in a subgraph per component. */
function fullChart(items: readonly Item[]): string {
  const components = [...new Set(items.map(componentOf).filter((component) => component !== undefined))];
  const grouped = new Set(components);
  const byUrn = new Map(items.map((item) => [item.urn, item]));
  // A component that is itself in the radius is drawn once, as its group, with its op in the title,
  // and inside the group of its own component where that is drawn too (never in a loop of groups).
  const parentOf = new Map<string, string>();
  for (const component of components) {
    const parent = byUrn.get(component)?.parent;
    if (parent === undefined || !grouped.has(parent)) continue;
    let ancestor: string | undefined = parent;
    while (ancestor !== undefined && ancestor !== component) ancestor = parentOf.get(ancestor);
    if (ancestor === undefined) parentOf.set(component, parent);
  }
  const groups: FlowGroup[] = components.map((component) => {
    const own = byUrn.get(component);
    const parent = parentOf.get(component);
    return {
      key: component,
      label: own?.changed ? `${componentLabel(component)} · ${opLabel(own.op)}` : componentLabel(component),
      ...(parent !== undefined ? { parent } : {}),
    };
  });
  const drawn = items.filter((item) => !grouped.has(item.urn));
  const nodes: FlowNode[] = drawn.map((item) => ({
    key: item.urn,
    label: [item.name, `${item.changed ? opLabel(item.op) : "unchanged"} · ${shortType(item.type)}`, ...(item.dataCategory ? [`data · ${item.dataCategory}`] : [])],
    shape: item.dataCategory ? "cylinder" : "box",
    className: classOf(item),
    ...(item.parent !== undefined && grouped.has(item.parent) ? { group: item.parent } : {}),
  }));
  // Arrows join boxes only: one to or from a component, drawn as a group, is left out.
  return renderFlowchart({ nodes, groups, edges: edgesOf(drawn, (item) => item.urn), classes: CLASSES });
}

/** One node per component (resources of the stack itself stay one each), coloured by its gravest op. */
function foldedChart(items: readonly Item[]): { text: string; nodes: number; edges: number } {
  const keyOf = (item: Item) => componentOf(item) ?? item.urn;
  const members = new Map<string, Item[]>();
  for (const item of items) {
    const list = members.get(keyOf(item));
    if (list) list.push(item);
    else members.set(keyOf(item), [item]);
  }
  const nodes: FlowNode[] = [...members].map(([key, list]) => {
    const changed = list.filter((item) => item.changed);
    const ops = new Map<string, number>();
    for (const item of changed) ops.set(item.op, (ops.get(item.op) ?? 0) + 1);
    const counts = [...ops].sort(([a], [b]) => compareOps(a, b)).map(([op, count]) => `${count} ${opLabel(op)}`);
    const unchanged = list.length - changed.length;
    const gravest = [...changed].sort((a, b) => compareOps(a.op, b.op))[0];
    const data = [...new Set(list.map((item) => item.dataCategory).filter((category) => category !== undefined))];
    const single = list.length === 1 && key === list[0].urn;
    return {
      key,
      label: [
        single ? list[0].name : componentLabel(key),
        [...counts, ...(unchanged ? [`${unchanged} unchanged`] : [])].join(", ") + (single ? ` · ${shortType(list[0].type)}` : ""),
        ...(data.length ? [`data · ${data.join(", ")}`] : []),
      ],
      shape: data.length ? "cylinder" : "box",
      className: gravest ? classOf(gravest) : "unchanged",
    };
  });
  const edges = edgesOf(items, keyOf);
  return { text: renderFlowchart({ nodes, edges, classes: CLASSES }), nodes: nodes.length, edges: edges.length };
}

/**
 * The stack's picture, folded and in full where both are useful, or why there is none. The picture
 * is optional: a preview it cannot be drawn from (two resources whose names redact alike, say)
 * costs the picture, with the reason, and never the comment with its caution.
 */
export function blastRadius(stack: SafeSummary): BlastRadius {
  const items = itemsOf(stack);
  const urns = items.map((item) => item.urn);
  if (new Set(urns).size !== urns.length) return { omitted: "Blast radius not drawn: two resources of this preview are named alike once redacted." };
  try {
    return drawBlastRadius(items);
  } catch {
    // Fixed text: an error's message may quote the preview's names.
    return { omitted: "Blast radius not drawn: the preview's resources do not make one picture." };
  }
}

function drawBlastRadius(items: readonly Item[]): BlastRadius {
  const edges = edgesOf(items, (item) => item.urn).length;
  const folded = foldedChart(items);
  if (folded.nodes > MAX_NODES) {
    return { omitted: `Blast radius not drawn: ${items.length} resources in ${folded.nodes} groups are too many for one picture.` };
  }
  if (folded.edges > MAX_EDGES) {
    return { omitted: `Blast radius not drawn: ${folded.edges} dependencies between ${folded.nodes} groups are too many arrows for one picture.` };
  }
  // Long names can push either picture past Mermaid's text limit: the full one gives way to the
  // folded one, and a folded one past it is not drawn at all.
  const drawable = items.length <= FOLD_ABOVE && edges <= MAX_EDGES ? fullChart(items) : undefined;
  const full = drawable !== undefined && fitsDiagramCap(drawable) ? drawable : undefined;
  if (!fitsDiagramCap(folded.text)) {
    return { omitted: `Blast radius not drawn: ${items.length} resources make ${folded.text.length.toLocaleString("en-US")} characters of Mermaid even folded, over the ${DIAGRAM_CAP.toLocaleString("en-US")} a picture may use.` };
  }
  return { folded: folded.text, ...(full !== undefined ? { full } : {}) };
}

/** The picture as a comment section: heading, legend, ```mermaid block. */
export function diagramSection(chart: string, folded: boolean): string {
  const how = folded ? " Folded: one box per component." : "";
  return [`#### Blast radius`, "", `<sub>${LEGEND}${how}</sub>`, "", codeBlock(chart.split("\n"), "mermaid")].join("\n");
}
