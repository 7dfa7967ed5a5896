/**
 * The order `pulumi up` creates a stack in, from empty state: which resource waits for which.
 *
 * A resource is created once everything it waits for is: its explicit `dependsOn` and the
 * resources its inputs came from (both recorded by synth as `dependsOn`), its provider (a resource
 * needs its provider configured, and a provider waits for its own inputs, as the AWS provider for its
 * region), and its parent when that parent is a custom resource. A dependency
 * on a component stands for all its custom descendants, as the SDK expands it
 * (@pulumi/pulumi runtime/dependsOn.ts): through nested components, never into a custom resource's
 * children. Components themselves are not operations; they do not appear in the graph.
 */
import type { RecordedResource } from "../synth/recording-monitor";

/** What the graph needs of a resource synth registered. */
export type GraphResource = Pick<RecordedResource, "urn" | "type" | "name" | "custom" | "parent" | "provider" | "dependsOn" | "inputs">;

export interface GraphNode {
  readonly resource: GraphResource;
  /** URNs of the custom resources this one waits for, sorted. */
  readonly waitsFor: readonly string[];
}

/** Custom resources by URN, each with what it waits for. Throws on a URN it cannot resolve or a cycle. */
export function buildCreationGraph(resources: readonly GraphResource[]): ReadonlyMap<string, GraphNode> {
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const children = new Map<string, GraphResource[]>();
  for (const resource of resources) {
    if (resource.parent === undefined) continue;
    children.set(resource.parent, [...(children.get(resource.parent) ?? []), resource]);
  }

  const expanded = new Map<string, readonly string[]>();
  /** A dependency as the custom resources it means. */
  const customsOf = (urn: string): readonly string[] => {
    const known = expanded.get(urn);
    if (known) return known;
    const resource = byUrn.get(urn);
    if (!resource) throw new Error(`A dependency on ${urn}, which the stack does not register.`);
    let result: string[];
    if (resource.custom) result = [urn];
    else if (resource.type === "pulumi:pulumi:Stack") result = [];
    else result = (children.get(urn) ?? []).flatMap((child) => customsOf(child.urn));
    expanded.set(urn, result);
    return result;
  };

  const graph = new Map<string, GraphNode>();
  for (const resource of resources.filter((entry) => entry.custom)) {
    const direct = [...resource.dependsOn];
    if (resource.provider !== undefined) direct.push(providerUrn(resource.provider));
    if (resource.parent !== undefined && byUrn.get(resource.parent)?.custom) direct.push(resource.parent);
    const waitsFor = [...new Set(direct.flatMap(customsOf))].filter((urn) => urn !== resource.urn).sort();
    graph.set(resource.urn, { resource, waitsFor });
  }
  assertAcyclic(graph);
  return graph;
}

/** `urn:…::name::id` → `urn:…::name`. Provider IDs carry no `::`, URNs do. */
export function providerUrn(reference: string): string {
  return reference.slice(0, reference.lastIndexOf("::"));
}

function assertAcyclic(graph: ReadonlyMap<string, GraphNode>): void {
  const state = new Map<string, "visiting" | "done">();
  const visit = (urn: string, trail: string[]) => {
    if (state.get(urn) === "done") return;
    if (state.get(urn) === "visiting") throw new Error(`The stack's resources wait for each other in a cycle: ${[...trail, urn].join(" → ")}`);
    state.set(urn, "visiting");
    for (const dependency of graph.get(urn)?.waitsFor ?? []) visit(dependency, [...trail, urn]);
    state.set(urn, "done");
  };
  for (const urn of [...graph.keys()].sort()) visit(urn, []);
}
