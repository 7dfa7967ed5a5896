/**
 * The rebuild plan's computations on small hand-made graphs, where the right answer can be worked
 * out by hand, and the durations table's choices.
 */
import { boundedSchedule, criticalPath, earliestFinish } from "../tools/rebuild-plan/critical-path";
import { DEFAULT_RULE, durationRule } from "../tools/rebuild-plan/durations";
import { buildCreationGraph, GraphNode, GraphResource } from "../tools/rebuild-plan/graph";
import { formatDuration } from "../tools/rebuild-plan/plan";

const STACK = "urn:pulumi:t::p::pulumi:pulumi:Stack::p-t";
const urn = (name: string) => `urn:pulumi:t::p::test:index:${name}::${name}`;

interface Spec {
  readonly seconds?: number;
  readonly dependsOn?: readonly string[];
  /** A component: groups children, takes no time, is no operation. */
  readonly component?: boolean;
  readonly parent?: string;
  readonly provider?: string;
}

/** Resources named by key; durations travel in their inputs so the tests read them back. */
function resources(specs: Record<string, Spec>): GraphResource[] {
  const stack: GraphResource = { urn: STACK, type: "pulumi:pulumi:Stack", name: "p-t", custom: false, parent: undefined, provider: undefined, dependsOn: [], inputs: {} };
  return [
    stack,
    ...Object.entries(specs).map(([name, spec]) => ({
      urn: urn(name),
      type: `test:index:${name}`,
      name,
      custom: !spec.component,
      parent: spec.parent === undefined ? STACK : urn(spec.parent),
      provider: spec.provider === undefined ? undefined : `${urn(spec.provider)}::${spec.provider}-id`,
      dependsOn: (spec.dependsOn ?? []).map(urn),
      inputs: { seconds: spec.seconds ?? 0 },
    })),
  ];
}

const seconds = (node: GraphNode) => Number(node.resource.inputs.seconds);
const names = (steps: readonly { name: string }[]) => steps.map((step) => step.name);

describe("the creation graph", () => {
  it("waits for dependencies, for the provider and for a custom parent, never for a component itself", () => {
    const graph = buildCreationGraph(
      resources({
        db: { seconds: 600 },
        pgProvider: { dependsOn: ["db"] },
        role: { seconds: 5, provider: "pgProvider" },
        bucket: { seconds: 30 },
        object: { seconds: 5, parent: "bucket" },
        group: { component: true },
        inGroup: { seconds: 10, parent: "group" },
      }),
    );
    expect([...graph.keys()].map((key) => key.split("::").at(-1))).not.toContain("group");
    expect(graph.get(urn("role"))?.waitsFor).toEqual([urn("pgProvider")]);
    expect(graph.get(urn("pgProvider"))?.waitsFor).toEqual([urn("db")]);
    expect(graph.get(urn("object"))?.waitsFor).toEqual([urn("bucket")]);
    // A child of a component does not wait for its parent: components are created at once.
    expect(graph.get(urn("inGroup"))?.waitsFor).toEqual([]);
  });

  it("expands a dependency on a component into its custom descendants, through nested components only", () => {
    // GIVEN a component holding a custom resource with a child of its own, and a nested component
    const graph = buildCreationGraph(
      resources({
        outer: { component: true },
        a: { seconds: 10, parent: "outer" },
        aChild: { seconds: 50, parent: "a" },
        inner: { component: true, parent: "outer" },
        b: { seconds: 20, parent: "inner" },
        user: { seconds: 1, dependsOn: ["outer"] },
      }),
    );
    // WHEN something depends on the outer component, THEN it waits for a and b, as the SDK expands
    // it, but not for a's own child: a custom resource's children are its business.
    expect(graph.get(urn("user"))?.waitsFor).toEqual([urn("a"), urn("b")]);
    const path = criticalPath(graph, seconds);
    // aChild (10 + 50) ends later than user (20 + 1): the path ends there.
    expect(names(path.steps)).toEqual(["a", "aChild"]);
    expect(earliestFinish(graph, seconds).get(urn("user"))).toBe(21);
  });

  it("refuses a cycle and a dependency it cannot resolve", () => {
    expect(() => buildCreationGraph(resources({ x: { dependsOn: ["y"] }, y: { dependsOn: ["x"] } }))).toThrow(
      `The stack's resources wait for each other in a cycle: ${urn("x")} → ${urn("y")} → ${urn("x")}`,
    );
    expect(() => buildCreationGraph(resources({ x: { dependsOn: ["ghost"] } }))).toThrow(`A dependency on ${urn("ghost")}, which the stack does not register.`);
  });
});

describe("the critical path", () => {
  const diamond = () =>
    buildCreationGraph(
      resources({
        vpc: { seconds: 30 },
        subnet: { seconds: 30, dependsOn: ["vpc"] },
        nat: { seconds: 180, dependsOn: ["subnet"] },
        db: { seconds: 600, dependsOn: ["subnet"] },
        service: { seconds: 360, dependsOn: ["nat", "db"] },
        dashboard: { seconds: 10, dependsOn: ["vpc"] },
      }),
    );

  it("is the longest chain, with each step's start and end", () => {
    const path = criticalPath(diamond(), seconds);
    expect(names(path.steps)).toEqual(["vpc", "subnet", "db", "service"]);
    expect(path.steps.map((step) => [step.start, step.finish])).toEqual([
      [0, 30],
      [30, 60],
      [60, 660],
      [660, 1020],
    ]);
    expect(path.seconds).toBe(1020);
  });

  it("breaks ties by URN, the same way every time", () => {
    // Two chains of 40 s: left (10 + 30) and right (30 + 10), and two equal ends.
    const graph = buildCreationGraph(
      resources({
        leftA: { seconds: 10 },
        leftB: { seconds: 30, dependsOn: ["leftA"] },
        rightA: { seconds: 30 },
        rightB: { seconds: 10, dependsOn: ["rightA"] },
        end: { seconds: 5, dependsOn: ["leftB", "rightB"] },
        otherEnd: { seconds: 5, dependsOn: ["leftB", "rightB"] },
      }),
    );
    const first = criticalPath(graph, seconds);
    expect(names(first.steps)).toEqual(["leftA", "leftB", "end"]);
    expect(first.seconds).toBe(45);
    expect(criticalPath(graph, seconds)).toEqual(first);
  });

  it("is empty for an empty stack", () => {
    expect(criticalPath(buildCreationGraph(resources({})), seconds)).toEqual({ steps: [], seconds: 0 });
  });
});

describe("pulumi up with bounded parallelism", () => {
  it("takes the critical path when nothing has to queue, and the sum when one runs at a time", () => {
    const graph = buildCreationGraph(
      resources({
        a: { seconds: 60 },
        b: { seconds: 60 },
        c: { seconds: 60 },
        provider: { seconds: 0 },
        d: { seconds: 30, dependsOn: ["a", "b", "c"], provider: "provider" },
      }),
    );
    expect(boundedSchedule(graph, seconds, 3)).toEqual({ seconds: 90, parallelism: 3, peakUnbounded: 3 });
    expect(boundedSchedule(graph, seconds, 1).seconds).toBe(210);
    // Two slots for three 60 s resources: one of them waits a round.
    expect(boundedSchedule(graph, seconds, 2).seconds).toBe(150);
  });

  it("starts the longest remaining chain first", () => {
    // One slot-holder short and one long chain: the long one must not wait behind the short.
    const graph = buildCreationGraph(resources({ short: { seconds: 10 }, long: { seconds: 10 }, after: { seconds: 100, dependsOn: ["long"] } }));
    expect(boundedSchedule(graph, seconds, 1).seconds).toBe(120);
    expect(boundedSchedule(graph, seconds, 2).seconds).toBe(110);
  });

  it("is never shorter than the critical path nor longer than one at a time, on random graphs", () => {
    // A seeded generator: the same graphs on every run.
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 25; round++) {
      const specs: Record<string, Spec> = {};
      const count = 2 + Math.floor(random() * 20);
      for (let i = 0; i < count; i++) {
        const dependsOn = Array.from({ length: i }, (_, j) => `n${j}`).filter(() => random() < 0.2);
        specs[`n${i}`] = { seconds: Math.floor(random() * 5) * 30, dependsOn };
      }
      const graph = buildCreationGraph(resources(specs));
      const longest = criticalPath(graph, seconds).seconds;
      const total = [...graph.values()].reduce((sum, node) => sum + seconds(node), 0);
      for (const parallelism of [1, 2, 8]) {
        const bounded = boundedSchedule(graph, seconds, parallelism).seconds;
        expect(bounded).toBeGreaterThanOrEqual(longest);
        expect(bounded).toBeLessThanOrEqual(total);
      }
      expect(boundedSchedule(graph, seconds, count).seconds).toBe(longest);
      expect(boundedSchedule(graph, seconds, 1).seconds).toBe(total);
    }
  });

  it("refuses a parallelism below one", () => {
    expect(() => boundedSchedule(buildCreationGraph(resources({})), seconds, 0)).toThrow("parallelism must be a whole number of at least 1, got 0.");
  });
});

describe("the durations table", () => {
  const db = (inputs: Record<string, unknown>) => durationRule("aws:rds/instance:Instance", inputs);

  it("times a database by how it is created", () => {
    expect(db({ multiAz: true, snapshotIdentifier: "s" }).seconds).toBe(40 * 60);
    expect(db({ multiAz: true, restoreToPointInTime: { useLatestRestorableTime: true } }).seconds).toBe(40 * 60);
    expect(db({ multiAz: false, snapshotIdentifier: "s" }).seconds).toBe(30 * 60);
    expect(db({ multiAz: true }).seconds).toBe(20 * 60);
    expect(db({}).seconds).toBe(10 * 60);
  });

  it("covers whole providers by prefix and falls back to the stated default", () => {
    expect(durationRule("pulumi:providers:postgresql", {}).seconds).toBe(0);
    expect(durationRule("github:index/issueLabel:IssueLabel", {}).seconds).toBe(10);
    expect(durationRule("aws:sqs/queue:Queue", {})).toBe(DEFAULT_RULE);
    expect(DEFAULT_RULE.seconds).toBe(30);
  });

  it("prints durations as h:mm:ss", () => {
    expect(formatDuration(0)).toBe("0:00:00");
    expect(formatDuration(3 * 3600 + 5 * 60 + 7)).toBe("3:05:07");
  });
});
