/**
 * Timing a creation graph: the critical path (the longest chain of resources that must be created
 * one after another, which no parallelism shortens) and the time Pulumi takes with a bounded number
 * of operations at once. Pure functions of the graph and the durations; ties are broken by URN so
 * the same stack always gives the same plan.
 */
import type { GraphNode } from "./graph";

export interface TimedStep {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly seconds: number;
  /** Seconds from the start of `pulumi up` with unbounded parallelism. */
  readonly start: number;
  readonly finish: number;
}

export interface CriticalPath {
  /** From the first resource created to the last. */
  readonly steps: readonly TimedStep[];
  readonly seconds: number;
}

type Durations = (node: GraphNode) => number;

/** Earliest finish of every node when everything runs as soon as what it waits for is done. */
export function earliestFinish(graph: ReadonlyMap<string, GraphNode>, duration: Durations): ReadonlyMap<string, number> {
  const finish = new Map<string, number>();
  const visit = (urn: string): number => {
    const known = finish.get(urn);
    if (known !== undefined) return known;
    const node = graph.get(urn);
    if (!node) throw new Error(`No resource ${urn} in the graph.`);
    const ready = Math.max(0, ...node.waitsFor.map(visit));
    const value = ready + duration(node);
    finish.set(urn, value);
    return value;
  };
  for (const urn of [...graph.keys()].sort()) visit(urn);
  return finish;
}

/** The longest chain, ending at the resource that finishes last (the first URN among equals). */
export function criticalPath(graph: ReadonlyMap<string, GraphNode>, duration: Durations): CriticalPath {
  const finish = earliestFinish(graph, duration);
  const latest = (urns: readonly string[]) =>
    [...urns].sort().reduce<string | undefined>((best, urn) => (best === undefined || (finish.get(urn) ?? 0) > (finish.get(best) ?? 0) ? urn : best), undefined);

  const steps: TimedStep[] = [];
  let current = latest([...graph.keys()]);
  while (current !== undefined) {
    const node = graph.get(current) as GraphNode;
    const seconds = duration(node);
    const end = finish.get(current) ?? 0;
    steps.unshift({ urn: current, type: node.resource.type, name: node.resource.name, seconds, start: end - seconds, finish: end });
    current = latest(node.waitsFor);
  }
  return { steps, seconds: steps.at(-1)?.finish ?? 0 };
}

export interface BoundedSchedule {
  /** When the last resource is created with at most `parallelism` operations at once. */
  readonly seconds: number;
  readonly parallelism: number;
  /** The most operations that could run at once with no bound: how much the bound matters. */
  readonly peakUnbounded: number;
}

/**
 * Simulates `pulumi up` with at most `parallelism` operations running at once. Of the resources
 * ready to start, those with the longest chain still behind them go first (then by URN): an
 * estimate of the engine, which has no such priority, but a bound the critical path can't show.
 * Zero-length operations (providers, generated passwords) take no slot.
 */
export function boundedSchedule(graph: ReadonlyMap<string, GraphNode>, duration: Durations, parallelism: number): BoundedSchedule {
  if (!Number.isInteger(parallelism) || parallelism < 1) throw new Error(`parallelism must be a whole number of at least 1, got ${parallelism}.`);
  const tail = tailLengths(graph, duration);
  const waitingOn = new Map([...graph].map(([urn, node]) => [urn, new Set(node.waitsFor)]));
  const dependents = new Map<string, string[]>();
  for (const [urn, node] of graph) for (const dependency of node.waitsFor) dependents.set(dependency, [...(dependents.get(dependency) ?? []), urn]);

  const byPriority = (a: string, b: string) => (tail.get(b) ?? 0) - (tail.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0);
  let ready = [...graph.keys()].filter((urn) => waitingOn.get(urn)?.size === 0);
  const running: { urn: string; finish: number }[] = [];
  let now = 0;
  let done = 0;

  const complete = (urn: string) => {
    done += 1;
    for (const dependent of dependents.get(urn) ?? []) {
      const remaining = waitingOn.get(dependent) as Set<string>;
      remaining.delete(urn);
      if (remaining.size === 0) ready.push(dependent);
    }
  };

  while (done < graph.size) {
    ready.sort(byPriority);
    const next: string[] = [];
    for (const urn of ready) {
      const seconds = duration(graph.get(urn) as GraphNode);
      if (seconds === 0) next.push(urn);
      else if (running.length < parallelism) running.push({ urn, finish: now + seconds });
      else next.push(urn);
    }
    const instant = next.filter((urn) => duration(graph.get(urn) as GraphNode) === 0);
    ready = next.filter((urn) => !instant.includes(urn));
    if (instant.length > 0) {
      for (const urn of instant) complete(urn);
      continue;
    }
    if (running.length === 0) throw new Error("Nothing can start: the graph waits on resources it does not contain.");
    running.sort((a, b) => a.finish - b.finish || (a.urn < b.urn ? -1 : 1));
    now = (running[0] as { finish: number }).finish;
    while (running.length > 0 && (running[0] as { finish: number }).finish === now) complete((running.shift() as { urn: string }).urn);
  }
  return { seconds: now, parallelism, peakUnbounded: peakConcurrency(graph, duration) };
}

/** For each node, the longest chain from its start to the end of everything after it. */
function tailLengths(graph: ReadonlyMap<string, GraphNode>, duration: Durations): ReadonlyMap<string, number> {
  const dependents = new Map<string, string[]>();
  for (const [urn, node] of graph) for (const dependency of node.waitsFor) dependents.set(dependency, [...(dependents.get(dependency) ?? []), urn]);
  const tail = new Map<string, number>();
  const visit = (urn: string): number => {
    const known = tail.get(urn);
    if (known !== undefined) return known;
    const value = duration(graph.get(urn) as GraphNode) + Math.max(0, ...(dependents.get(urn) ?? []).map(visit));
    tail.set(urn, value);
    return value;
  };
  for (const urn of graph.keys()) visit(urn);
  return tail;
}

/** The most non-instant operations overlapping when each starts as early as it can. */
function peakConcurrency(graph: ReadonlyMap<string, GraphNode>, duration: Durations): number {
  const finish = earliestFinish(graph, duration);
  const events: [number, number][] = [];
  for (const [urn, node] of graph) {
    const seconds = duration(node);
    if (seconds === 0) continue;
    const end = finish.get(urn) ?? 0;
    events.push([end - seconds, 1], [end, -1]);
  }
  // Ends before starts at the same instant: a resource that finishes frees its slot first.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let peak = 0;
  for (const [, change] of events) {
    current += change;
    peak = Math.max(peak, current);
  }
  return peak;
}
