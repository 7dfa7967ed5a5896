/**
 * The pictures: every diagram the comment, the flowchart writer, synth's topology and the docs draw
 * here is parsed by Mermaid's own parser (tests/mermaid-parse.mjs), all in one batch, and read back:
 * node labels as the renderer decodes them, edges, subgraphs, classes, and no click or link.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FOLD_ABOVE, LEGEND, MAX_NODES } from "../tools/pr-comment/blast-radius";
import { DIAGRAM_CAP, MERMAID_MAX_TEXT_SIZE } from "../tools/mermaid/flowchart";
import { type PreviewDigest, buildComment, parsePreview } from "../tools/pr-comment";
import type { PreviewStep } from "../tools/pr-comment/preview";
import { mermaidText, renderFlowchart } from "../tools/mermaid/flowchart";
import { TOPOLOGY_LEGEND, topologyChart } from "../tools/synth/topology";
import type { RecordedResource } from "../tools/synth/recording-monitor";
import { exampleComment, picturesByStack } from "../tools/render-diagrams";
import { ROOT, load, structureProblems } from "./pr-comment-fixtures";
import { type ParseResult, type ParsedDiagram, mermaidBlocks, parseMermaid, parsed } from "./mermaid";

/** Names a pull request's author could choose, each aimed at a different part of Mermaid or Markdown. */
const HOSTILE = [
  'quote " and "]-->n9["',
  "backtick ` and ```mermaid fence",
  "bracket ] ) } > and --> arrow",
  "%% comment %%{init: {}}%%",
  "line\nbreak\r\nand\rcr\nend",
  "<img src=x onerror=alert(1)> &amp; #quot; #35;",
  "click n1 href \"https://evil.example\"",
  "classDef x fill:#f00;",
  "style n1 fill:#f00; linkStyle 0 stroke:red",
  "semi;colon;end",
  "subgraph",
  "ünïcödé 日本 🚀 \u202Eevil\u202C zero\u200Bwidth",
  "@{ shape: circle }",
];

const stackUrn = (stack: string) => `urn:pulumi:${stack}::mlops-cicd::pulumi:pulumi:Stack::mlops-cicd-${stack}`;
const componentUrn = (stack: string, name: string) => `urn:pulumi:${stack}::mlops-cicd::mlops-cicd:x:Component::${name}`;
const resourceUrn = (stack: string, name: string) => `urn:pulumi:${stack}::mlops-cicd::mlops-cicd:x:Component$aws:s3/bucket:Bucket::${name}`;

/** A preview whose resources (and their components) carry the given names, each depending on the one before. */
function previewOf(stack: string, names: readonly string[], options: { op?: string; components?: number } = {}): PreviewDigest {
  const components = options.components ?? 1;
  const steps: PreviewStep[] = names.map((name, index) => {
    const urn = resourceUrn(stack, name);
    const state = {
      urn,
      type: "aws:s3/bucket:Bucket",
      parent: componentUrn(stack, names[index % components] ?? "c"),
      dependencies: index > 0 ? [resourceUrn(stack, names[index - 1] as string)] : [],
      inputs: { bucket: name },
    };
    const op = options.op ?? (index % 2 === 0 ? "create" : "same");
    return { op, urn, newState: state, ...(op === "create" ? {} : { oldState: state }) };
  });
  steps.unshift({ op: "same", urn: stackUrn(stack), newState: { urn: stackUrn(stack), type: "pulumi:pulumi:Stack" } });
  return { steps, diagnostics: [] };
}

/** What a label shows once Mermaid has decoded it: the text on one line, invisible characters named. */
const shown = (name: string) => name.replace(/\r\n|\r|\n/g, " ").replace(/[\u200B\u202C\u202E]/g, (char) => `U+${(char.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, "0")}`);

const bothStacks = buildComment([
  { stack: "staging", preview: load("blast-radius-staging.json") },
  { stack: "production", preview: load("blast-radius-production.json") },
]);
const hostileComment = buildComment([{ stack: "hostile", preview: previewOf("hostile", HOSTILE, { components: HOSTILE.length }) }]);
const manyNames = Array.from({ length: FOLD_ABOVE + 10 }, (_, index) => `bucket-${String(index).padStart(3, "0")}`);
const foldedComment = buildComment([{ stack: "large", preview: previewOf("large", manyNames, { op: "create", components: 5 }) }]);
const hugeNames = Array.from({ length: MAX_NODES + 20 }, (_, index) => `lone-${index}`);
const hugeComment = buildComment([{ stack: "huge", preview: previewOf("huge", hugeNames, { op: "create", components: MAX_NODES + 20 }) }]);
/**
 * One resource updated and `count` unchanged ones depending on it, named with `name(index)`: each
 * `#` or `;` becomes a four-character entity code, so a few dozen such names pass Mermaid's text limit.
 * `grouped` puts them all in one component (folding draws one box); otherwise each stands alone.
 */
function longNamesPreview(stack: string, count: number, name: (index: number) => string, grouped: boolean): PreviewDigest {
  const parent = grouped ? componentUrn(stack, "c") : stackUrn(stack);
  const root = resourceUrn(stack, "root");
  const state = (urn: string, dependencies: string[], inputs: Record<string, unknown>) => ({ urn, type: "aws:s3/bucket:Bucket", parent, dependencies, inputs });
  const steps: PreviewStep[] = [
    { op: "same", urn: stackUrn(stack), newState: { urn: stackUrn(stack), type: "pulumi:pulumi:Stack" } },
    { op: "update", urn: root, oldState: state(root, [], { a: 0 }), newState: state(root, [], { a: 1 }), diffReasons: ["a"] },
    ...Array.from({ length: count }, (_, index): PreviewStep => {
      const urn = resourceUrn(stack, name(index));
      return { op: "same", urn, oldState: state(urn, [root], {}), newState: state(urn, [root], {}) };
    }),
  ];
  return { steps, diagnostics: [] };
}
// The reviewed reproductions: long labels (`#`), and long names among updates (`;`), both within FOLD_ABOVE resources.
const longLabelsComment = buildComment([{ stack: "big", preview: longNamesPreview("big", 39, (index) => `dep-${index}-${"#".repeat(330)}`, true) }]);
const longMixComment = buildComment([{ stack: "mix", preview: longNamesPreview("mix", 30, (index) => `svc-${index}-${";".repeat(420)}`, true) }]);
const longUnfoldableComment = buildComment([{ stack: "wide", preview: longNamesPreview("wide", 39, (index) => `dep-${index}-${"#".repeat(330)}`, false) }]);
/** The reviewed reproduction: a database whose protection alone changes (`before` → `after`), nothing else. */
function protectionPreview(stack: string, before: boolean, after: boolean): PreviewDigest {
  const component = `urn:pulumi:${stack}::mlops-cicd::mlops-cicd:database:PostgresInstance::database`;
  const urn = `urn:pulumi:${stack}::mlops-cicd::mlops-cicd:database:PostgresInstance$aws:rds/instance:Instance::database`;
  const state = (protect: boolean) => ({ urn, type: "aws:rds/instance:Instance", parent: component, dependencies: [], inputs: {}, ...(protect ? { protect } : {}) });
  return { steps: [{ op: "same", urn, oldState: state(before), newState: state(after) }], diagnostics: [] };
}
const protectionComment = buildComment([
  { stack: "unprotect", preview: protectionPreview("unprotect", true, false) },
  { stack: "protect", preview: protectionPreview("protect", false, true) },
]);
const everyOpComment = buildComment([{ stack: "staging", preview: load("every-op.json") }, { stack: "production", preview: load("workflow-file.json") }]);

const flowchart = renderFlowchart({
  nodes: HOSTILE.map((name, index) => ({ key: name, label: [name, `second line ${index}`], group: index < 4 ? `group ${name}` : undefined, shape: index % 2 ? "cylinder" : "box", className: index % 3 ? "hot" : undefined })),
  groups: HOSTILE.slice(0, 4).map((name) => ({ key: `group ${name}`, label: name })),
  edges: HOSTILE.slice(1).map((name, index) => ({ from: HOSTILE[index] as string, to: name, label: name })),
  classes: { hot: "fill:#ffebe9,stroke:#cf222e" },
});

const recorded = (urn: string, type: string, parent: string | undefined, dependsOn: string[] = [], custom = true): RecordedResource => ({
  urn,
  type,
  name: urn.slice(urn.lastIndexOf("::") + 2),
  custom,
  parent,
  provider: undefined,
  dependsOn,
  inputs: {},
  options: {},
});
const TOPO_STACK = stackUrn("t");
const hostileComponent = `urn:pulumi:t::p::mlops-cicd:x:Comp::${HOSTILE[0]}`;
const topologyResources: RecordedResource[] = [
  recorded(TOPO_STACK, "pulumi:pulumi:Stack", undefined, [], false),
  recorded("urn:pulumi:t::p::mlops-cicd:network:Network::net", "mlops-cicd:network:Network", TOPO_STACK, [], false),
  recorded("urn:pulumi:t::p::mlops-cicd:network:Network$aws:ec2/vpc:Vpc::vpc", "aws:ec2/vpc:Vpc", "urn:pulumi:t::p::mlops-cicd:network:Network::net"),
  recorded(hostileComponent, "mlops-cicd:x:Comp", TOPO_STACK, [], false),
  recorded(`urn:pulumi:t::p::mlops-cicd:x:Comp$aws:rds/instance:Instance::${HOSTILE[5]}`, "aws:rds/instance:Instance", hostileComponent, ["urn:pulumi:t::p::mlops-cicd:network:Network$aws:ec2/vpc:Vpc::vpc"]),
  recorded("urn:pulumi:t::p::mlops-cicd:x:Env::env", "mlops-cicd:x:Env", TOPO_STACK, [], false),
  recorded("urn:pulumi:t::p::mlops-cicd:x:Env$github:index/repositoryEnvironment:RepositoryEnvironment::env", "github:index/repositoryEnvironment:RepositoryEnvironment", "urn:pulumi:t::p::mlops-cicd:x:Env::env", [
    `urn:pulumi:t::p::mlops-cicd:x:Comp$aws:rds/instance:Instance::${HOSTILE[5]}`,
  ]),
];
const topology = topologyChart(topologyResources);

const docs = {
  runtime: mermaidBlocks(fs.readFileSync(path.join(ROOT, "docs", "runtime.md"), "utf8")),
  prComment: mermaidBlocks(fs.readFileSync(path.join(ROOT, "docs", "pr-comment.md"), "utf8")),
};

/** A new component holding a new component, each with a resource of its own. */
const componentComment = (() => {
  const stack = "components";
  const web = `urn:pulumi:${stack}::mlops-cicd::mlops-cicd:x:WebService::web`;
  const api = `urn:pulumi:${stack}::mlops-cicd::mlops-cicd:x:WebService$mlops-cicd:x:Api::api`;
  const bucket = (parent: string, name: string) => ({ urn: `urn:pulumi:${stack}::mlops-cicd::mlops-cicd:x:Component$aws:s3/bucket:Bucket::${name}`, type: "aws:s3/bucket:Bucket", parent, inputs: {} });
  const states = [
    { urn: web, type: "mlops-cicd:x:WebService", parent: stackUrn(stack), inputs: {} },
    { urn: api, type: "mlops-cicd:x:Api", parent: web, inputs: {} },
    bucket(web, "assets"),
    { ...bucket(api, "uploads"), dependencies: [web] },
  ];
  const steps: PreviewStep[] = states.map((state) => ({ op: "create", urn: state.urn, newState: state }));
  return buildComment([{ stack, preview: parsePreview(JSON.stringify({ steps })) }]);
})();

/** Deliberately broken: a quote left unescaped ends the label early. */
const BROKEN = 'flowchart LR\n  n1["a "quoted" name"] --> n2';

const batch: Record<string, string[]> = {
  bothStacks: mermaidBlocks(bothStacks),
  hostile: mermaidBlocks(hostileComment),
  folded: mermaidBlocks(foldedComment),
  huge: mermaidBlocks(hugeComment),
  everyOp: mermaidBlocks(everyOpComment),
  flowchart: [flowchart],
  topology: [topology],
  runtimeDoc: docs.runtime,
  prCommentDoc: docs.prComment,
  broken: [BROKEN],
  spoof: [renderFlowchart({ nodes: [{ key: "a", label: ["U+202E-looks-like-bidi u+200b", "real\u202Ebidi"] }] })],
  oversized: [`flowchart LR\n  n1["${"x".repeat(MERMAID_MAX_TEXT_SIZE)}"]`],
  longLabels: mermaidBlocks(longLabelsComment),
  longMix: mermaidBlocks(longMixComment),
  protection: mermaidBlocks(protectionComment),
  components: mermaidBlocks(componentComment),
};
let results: Record<string, ParseResult[]>;

beforeAll(() => {
  const texts = Object.values(batch).flat();
  const all = parseMermaid(texts);
  results = {};
  let at = 0;
  for (const [name, list] of Object.entries(batch)) {
    results[name] = all.slice(at, at + list.length);
    at += list.length;
  }
});

const diagrams = (name: string): ParsedDiagram[] => (batch[name] ?? []).map((text, index) => parsed(results[name]?.[index], text));

describe("the validator", () => {
  it("is Mermaid's parser: a deliberately broken diagram is reported broken", () => {
    expect(results.broken).toEqual([{ ok: false, error: expect.stringContaining("Parse error on line 2") }]);
  });

  it("refuses a diagram longer than Mermaid renders, which Mermaid's parser alone accepts", () => {
    expect(results.oversized).toEqual([{ ok: false, error: `Maximum text size in diagram exceeded: ${MERMAID_MAX_TEXT_SIZE + 21} > ${MERMAID_MAX_TEXT_SIZE} characters` }]);
  });
});

describe("the blast radius in the comment", () => {
  it("is drawn once per stack with changes when both stacks change, and Mermaid parses both", () => {
    expect(batch.bothStacks).toHaveLength(2);
    const [staging, production] = diagrams("bothStacks");
    expect(staging?.type).toBe("flowchart-v2");
    expect(production?.type).toBe("flowchart-v2");
    // Each picture sits in its own stack's section, after that stack's counts and before its resources.
    const stagingSection = bothStacks.slice(bothStacks.indexOf("### Stack `staging`"), bothStacks.indexOf("### Stack `production`"));
    expect(stagingSection.indexOf("**1 to create")).toBeLessThan(stagingSection.indexOf("```mermaid"));
    expect(stagingSection.indexOf("```mermaid")).toBeLessThan(stagingSection.indexOf("#### Resources"));
    expect(bothStacks.indexOf("> [!CAUTION]")).toBeLessThan(bothStacks.indexOf("```mermaid"));
    expect(bothStacks.indexOf("| Stack | Result |")).toBeLessThan(bothStacks.indexOf("```mermaid"));
    expect(structureProblems(bothStacks)).toEqual([]);
  });

  it("draws changed resources by op, their unchanged dependents grey, data as cylinders, arrows from each to what it uses, grouped by component", () => {
    const [staging] = diagrams("bothStacks");
    const byLabel = new Map(staging?.nodes.map((node) => [node.label.split("\n").slice(0, 2).join(" / "), node]));
    expect([...byLabel.keys()].sort()).toEqual(["database / to replace · rds/instance", "grafana-logs / to create · cloudwatch/logGroup", "mlflow / to update · ecs/taskDefinition", "mlflow / unchanged · ecs/service", "provision / unchanged · lambda/invocation"]);
    const database = byLabel.get("database / to replace · rds/instance");
    expect(database).toMatchObject({ shape: "cylinder", classes: ["replace"] });
    expect(database?.label).toContain("data · database");
    expect(byLabel.get("mlflow / unchanged · ecs/service")).toMatchObject({ shape: "square", classes: ["unchanged"] });
    const id = (label: string) => byLabel.get(label)?.id;
    expect(staging?.edges.map((edge) => [edge.from, edge.to])).toEqual(
      expect.arrayContaining([
        [id("mlflow / to update · ecs/taskDefinition"), id("database / to replace · rds/instance")],
        [id("provision / unchanged · lambda/invocation"), id("database / to replace · rds/instance")],
        [id("mlflow / unchanged · ecs/service"), id("mlflow / to update · ecs/taskDefinition")],
      ]),
    );
    // The KMS key is unchanged and depends on nothing changed: not drawn.
    expect(staging?.nodes.some((node) => node.label.startsWith("database-key"))).toBe(false);
    expect(staging?.subgraphs.map((subgraph) => subgraph.title).sort()).toEqual(["database (PostgresInstance)", "databases (ApplicationDatabases)", "platform (PlatformServices)"]);
    expect(staging?.classes).toEqual(["create", "update", "replace", "unchanged"]);
    expect(staging?.links).toEqual([]);
  });

  it("names a change of protection alone, unprotect or protect, in the colour the legend gives it", () => {
    const [unprotect, protect] = diagrams("protection");
    expect(batch.protection).toHaveLength(2);
    expect(unprotect?.nodes.map((node) => [node.label, node.classes])).toEqual([["database\nto unprotect · rds/instance\ndata · database", ["protection"]]]);
    expect(protect?.nodes.map((node) => [node.label, node.classes])).toEqual([["database\nto protect · rds/instance\ndata · database", ["protection"]]]);
    expect(unprotect?.classes).toEqual(["protection"]);
    expect(protectionComment).toContain("purple: protect or unprotect only");
    expect(protectionComment).toContain("protection **removed** from database `database`");
    expect(protectionComment).not.toContain("unchanged · rds/instance");
  });

  it("is the same text for the same previews, whatever order the steps came in", () => {
    const staging = load("blast-radius-staging.json");
    const reversed = { ...staging, steps: [...staging.steps].reverse() };
    expect(buildComment([{ stack: "staging", preview: reversed }])).toBe(buildComment([{ stack: "staging", preview: staging }]));
  });

  it("keeps hostile names as text: generated ids, every label read back exactly, no link, no extra node or class", () => {
    const [diagram] = diagrams("hostile");
    expect(batch.hostile).toHaveLength(1);
    expect(diagram?.nodes.map((node) => node.id)).toEqual(HOSTILE.map(() => expect.stringMatching(/^n\d+$/)));
    expect(diagram?.nodes.map((node) => node.label.split("\n")[0]).sort()).toEqual(HOSTILE.map(shown).sort());
    expect(diagram?.subgraphs.map((subgraph) => subgraph.title).sort()).toEqual(HOSTILE.map((name) => `${shown(name)} (Component)`).sort());
    expect(diagram?.edges).toHaveLength(HOSTILE.length - 1);
    expect(diagram?.classes).toEqual(["create", "unchanged"]);
    expect(diagram?.links).toEqual([]);
    expect(diagram?.tooltips).toEqual([]);
    expect(structureProblems(hostileComment)).toEqual([]);
  });

  it("folds a large radius to one box per component, and says so", () => {
    const [diagram] = diagrams("folded");
    expect(diagram?.nodes).toHaveLength(5);
    expect(diagram?.nodes.map((node) => node.label.split("\n")[1])).toEqual(Array(5).fill(`${FOLD_ABOVE / 5 + 2} to create`));
    expect(foldedComment).toContain("Folded: one box per component.");
  });

  it("leaves out a radius too large even folded, with a one-line reason, and the rest of the comment intact", () => {
    expect(batch.huge).toEqual([]);
    expect(hugeComment).toContain(`Blast radius not drawn: ${hugeNames.length} resources in ${hugeNames.length} groups are too many for one picture.`);
    expect(hugeComment).toContain("### Stack `huge`");
  });

  it("names the arrows, not the groups, when it is the arrows that are too many", () => {
    // Fifteen new buckets and fifteen unchanged ones that each depend on all of them: 30 boxes, 225 arrows.
    const urn = (name: string) => `urn:pulumi:dense::mlops-cicd::aws:s3/bucket:Bucket::${name}`;
    const created = Array.from({ length: 15 }, (_, index) => urn(`new-${index}`));
    const steps: PreviewStep[] = [
      ...created.map((each) => ({ op: "create", urn: each, newState: { urn: each, type: "aws:s3/bucket:Bucket", inputs: {} } })),
      ...Array.from({ length: 15 }, (_, index) => {
        const state = { urn: urn(`old-${index}`), type: "aws:s3/bucket:Bucket", dependencies: created, inputs: {} };
        return { op: "same", urn: state.urn, newState: state, oldState: state };
      }),
    ];
    const comment = buildComment([{ stack: "dense", preview: parsePreview(JSON.stringify({ steps })) }]);
    expect(comment).toContain("Blast radius not drawn: 225 dependencies between 30 groups are too many arrows for one picture.");
    expect(mermaidBlocks(comment)).toEqual([]);
  });

  it("draws a changed component once, as its group with its op, inside the group of its own component", () => {
    const [diagram] = diagrams("components");
    expect(diagram?.nodes.map((node) => node.label.split("\n")[0]).sort()).toEqual(["assets", "uploads"]);
    const web = diagram?.subgraphs.find((group) => group.title === "web (WebService) · to create");
    const api = diagram?.subgraphs.find((group) => group.title === "api (Api) · to create");
    expect(web?.nodes).toContain(api?.id);
    expect(diagram?.subgraphs).toHaveLength(2);
  });

  it("costs only the picture, never the comment, when two names redact alike", () => {
    const tokens = ["ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "ghp_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"];
    const comment = buildComment([{ stack: "alike", preview: previewOf("alike", ["first", ...tokens], { op: "create" }) }]);
    expect(comment).toContain("Blast radius not drawn: two resources of this preview are named alike once redacted.");
    expect(comment).toContain("### Stack `alike`");
    expect(comment).not.toContain("ghp_a");
    expect(mermaidBlocks(comment)).toEqual([]);
  });

  it("stays under Mermaid's text limit: a full picture past the cap gives way to the folded one", () => {
    for (const [name, comment] of [["longLabels", longLabelsComment], ["longMix", longMixComment]] as const) {
      expect(batch[name]).toHaveLength(1);
      expect(comment).toContain("Folded: one box per component.");
      const [diagram] = diagrams(name);
      expect(diagram?.nodes.map((node) => node.label)).toEqual(["c (Component)\n1 to update, " + (name === "longLabels" ? "39" : "30") + " unchanged\ndata · bucket"]);
      expect((batch[name]?.[0] ?? "").length).toBeLessThanOrEqual(DIAGRAM_CAP);
    }
  });

  it("leaves out a picture past the cap even folded, with a one-line reason", () => {
    expect(mermaidBlocks(longUnfoldableComment)).toEqual([]);
    expect(longUnfoldableComment).toContain("Blast radius not drawn: 40 resources make 54,842 characters of Mermaid even folded, over the 45,000 a picture may use.");
    expect(structureProblems(longUnfoldableComment)).toEqual([]);
  });

  it("gives way under a tight budget before the caution and the summaries, saying why it is missing", () => {
    const previews = [
      { stack: "staging", preview: load("blast-radius-staging.json") },
      { stack: "production", preview: load("blast-radius-production.json") },
    ];
    const withPicture = bothStacks.length;
    const tight = buildComment(previews, { budget: withPicture - 200 });
    const tighter = buildComment(previews, { budget: 2600 });
    for (const comment of [tight, tighter]) {
      expect(comment).toContain("> [!CAUTION]");
      expect(comment).toContain("| `staging` | changes | 1 | 1 | 1 | 0 | 96 | – |");
      expect(structureProblems(comment)).toEqual([]);
    }
    expect(tighter).not.toContain("```mermaid");
    expect(tighter.split("Blast radius not drawn: no room left under the size limit.")).toHaveLength(3);
    expect(tighter.length).toBeLessThanOrEqual(2600);
  });

  it("draws every stack of the reviewed rendering that changes, and Mermaid parses each", () => {
    expect(batch.everyOp).toHaveLength(2);
    expect(diagrams("everyOp").every((diagram) => diagram.nodes.length > 0)).toBe(true);
  });
});

describe("the dependencies a preview carries", () => {
  it("are refused, naming the field, when they are not URN lists; null for a property that came from nothing is accepted", () => {
    const urn = "urn:pulumi:s::p::aws:s3/bucket:Bucket::b";
    const preview = (state: Record<string, unknown>) => JSON.stringify({ steps: [{ op: "create", urn, newState: { urn, type: "aws:s3/bucket:Bucket", ...state } }] });
    expect(() => parsePreview(preview({ dependencies: "urn:x" }))).toThrow("steps[0].newState.dependencies must be a list of strings");
    expect(() => parsePreview(preview({ parent: 7 }))).toThrow("steps[0].newState.parent must be a URN");
    expect(() => parsePreview(preview({ propertyDependencies: { bucket: "urn:x" } }))).toThrow("steps[0].newState.propertyDependencies must map each property to a list of URNs");
    expect(() => parsePreview(preview({ propertyDependencies: [] }))).toThrow("steps[0].newState.propertyDependencies must map each property to a list of URNs");
    expect(parsePreview(preview({ dependencies: [], propertyDependencies: { bucket: null, tags: [urn] } })).steps).toHaveLength(1);
  });
});

describe("the flowchart writer", () => {
  it("writes hostile labels, subgraph titles and edge labels that Mermaid reads back exactly", () => {
    const [diagram] = diagrams("flowchart");
    expect(diagram?.nodes.map((node) => node.id)).toEqual(HOSTILE.map((_, index) => `n${index + 1}`));
    expect(diagram?.nodes.map((node) => node.label)).toEqual(HOSTILE.map((name, index) => `${shown(name)}\nsecond line ${index}`));
    expect(diagram?.subgraphs.map((subgraph) => subgraph.title)).toEqual(HOSTILE.slice(0, 4).map(shown));
    expect(diagram?.edges.map((edge) => edge.label)).toEqual(HOSTILE.slice(1).map(shown));
    expect(diagram?.classes).toEqual(["hot"]);
    expect(diagram?.links).toEqual([]);
  });

  it("leaves no character Mermaid or HTML reads as syntax, and none that reorders text", () => {
    for (const name of HOSTILE) {
      const text = mermaidText(name);
      expect(text.replace(/#(?:quot|lt|gt|amp|\d+);/g, "")).not.toMatch(/["`<>&;:#[\]{}|%\n\r\u200B\u202E]/);
    }
  });

  it("draws a name's own \"U+\" unlike a hidden character it shows as U+XXXX, so text cannot pose as one", () => {
    expect(mermaidText("U+202E-looks-like-bidi u+200b")).toBe("U#65291;202E-looks-like-bidi u#65291;200b");
    expect(mermaidText("real\u202Ebidi")).toBe("realU+202Ebidi");
    expect(mermaidText("C++ and 1+1")).toBe("C++ and 1+1");
    const [diagram] = diagrams("spoof");
    expect(diagram?.nodes.map((node) => node.label)).toEqual(["U\uFF0B202E-looks-like-bidi u\uFF0B200b\nrealU+202Ebidi"]);
  });

  it("refuses a style or class name that could carry a statement, and an edge to a node it does not draw", () => {
    expect(() => renderFlowchart({ nodes: [], classes: { x: "fill:#f00;click n1" } })).toThrow('Flowchart class "x"');
    expect(() => renderFlowchart({ nodes: [], classes: { "a b": "fill:#f00" } })).toThrow('Flowchart class "a b"');
    expect(() => renderFlowchart({ nodes: [{ key: "a", label: ["a"] }], edges: [{ from: "a", to: "b" }] })).toThrow('names node "b"');
    expect(() => renderFlowchart({ nodes: [{ key: "a", label: ["a"] }, { key: "a", label: ["b"] }] })).toThrow('node "a" is given twice');
  });
});

describe("synth's topology", () => {
  it("puts components in their trust boundary and the VPC, data stores as cylinders, arrows to what they use", () => {
    const [diagram] = diagrams("topology");
    const titles = Object.fromEntries(diagram?.subgraphs.map((subgraph) => [subgraph.title, subgraph.nodes.length]) ?? []);
    expect(titles).toEqual({ "AWS account": 1, "GitHub repository": 1, VPC: 2 });
    const store = diagram?.nodes.find((node) => node.shape === "cylinder");
    expect(store?.label).toBe(`${shown(HOSTILE[0] as string)}\nComp · RDS instance`);
    expect(store?.classes).toEqual(["store"]);
    const env = diagram?.nodes.find((node) => node.label.startsWith("env"));
    expect(diagram?.edges.map((edge) => [edge.from, edge.to])).toEqual([[env?.id, store?.id]]);
  });

  it("is in docs/runtime.md, drawn from a synth of production, and Mermaid parses it", () => {
    expect(batch.runtimeDoc).toHaveLength(1);
    const [diagram] = diagrams("runtimeDoc");
    expect(diagram?.subgraphs.map((subgraph) => subgraph.title).sort()).toEqual(["AWS account", "Container registry", "GitHub repository", "Private subnets", "Public subnets", "Recovery region eu-central-1", "VPC"]);
    expect(diagram?.nodes.filter((node) => node.shape === "cylinder").map((node) => node.label.split("\n")[0]).sort()).toEqual(["database", "database", "mlflow-artifacts", "mlflow-artifacts"]);
  });

  it("draws production's ways in, its subnets, its recovery region and Secrets Manager where they are", () => {
    const [diagram] = diagrams("runtimeDoc");
    const idOf = (title: string) => diagram?.nodes.filter((node) => node.label.split("\n")[0] === title).map((node) => node.id) ?? [];
    const members = (title: string) => (diagram?.subgraphs.find((subgraph) => subgraph.title === title)?.nodes ?? []).flatMap((id) => diagram?.nodes.filter((node) => node.id === id).map((node) => node.label.split("\n")[0]) ?? []).sort();
    // GIVEN production: a public load balancer, tasks and the database in private subnets, a replica region.
    // THEN the Internet reaches the load balancer, and nothing else, over HTTPS.
    const [internet] = idOf("Internet");
    expect(diagram?.edges.filter((edge) => edge.from === internet)).toEqual([{ from: internet, to: idOf("services (ServiceCluster)")[0], stroke: "normal", label: "HTTPS" }]);
    // AND GitHub Actions, inside GitHub's boundary, crosses into the account only by assuming the deploy role.
    const [actions] = idOf("GitHub Actions");
    expect(diagram?.edges.filter((edge) => edge.from === actions || edge.to === actions)).toEqual([{ from: actions, to: idOf("github-deploy")[0], stroke: "dotted", label: "assumes via OIDC" }]);
    expect(members("GitHub repository")).toContain("GitHub Actions");
    // AND the load balancer's component is public, the database and the tasks private.
    expect(members("Public subnets")).toEqual(["services (ServiceCluster)"]);
    expect(members("Private subnets")).toEqual(["batch", "database", "databases", "metrics", "mlflow-service", "platform", "web-service"]);
    // AND the replica bucket and the replicated backups stand in their own region, Secrets Manager outside the VPC.
    expect(members("Recovery region eu-central-1")).toEqual(["database", "mlflow-artifacts"]);
    expect(members("VPC")).toEqual(["network", "runtime"]);
    expect(members("AWS account")).toEqual(["Secrets Manager", "github-deploy", "mlflow-artifacts", "services (ServiceDashboard)"]);
    // AND one arrow per pair of components.
    const pairs = diagram?.edges.map((edge) => [edge.from, edge.to].sort().join(" ")) ?? [];
    expect(new Set(pairs).size).toBe(pairs.length);
  });
});

describe("both pictures", () => {
  it("draw arrows one way, and both captions say which: from a resource or component to one it uses", () => {
    expect(LEGEND).toContain("An arrow points from a resource to one it uses (A → B: A uses B)");
    expect(TOPOLOGY_LEGEND).toContain("an arrow points from a component to one it uses (A → B: A uses B)");
    // The Internet uses the load balancer, never the other way.
    const [runtime] = diagrams("runtimeDoc");
    const internet = runtime?.nodes.find((node) => node.label === "Internet")?.id;
    expect(runtime?.edges.some((edge) => edge.from === internet)).toBe(true);
    expect(runtime?.edges.some((edge) => edge.to === internet)).toBe(false);
  });
});

describe("docs/pr-comment.md", () => {
  it("captions each picture with the stack whose section holds it, not by position", () => {
    // GIVEN a first stack without changes, so without a picture, and a second stack with one
    const comment = buildComment([
      { stack: "staging", preview: load("no-changes.json") },
      { stack: "production", preview: load("blast-radius-production.json") },
    ]);
    const [picture] = mermaidBlocks(comment);
    // THEN the one picture is production's, and the same when the stacks come the other way round
    expect(picturesByStack(comment, ["staging", "production"])).toEqual([{ stack: "production", picture: `\`\`\`mermaid\n${picture}\n\`\`\`` }]);
    expect(picturesByStack(bothStacks, ["production", "staging"]).map(({ stack }) => stack)).toEqual(["staging", "production"]);
    expect(picturesByStack(bothStacks, ["staging", "production"]).map(({ picture }) => picture)).toEqual(mermaidBlocks(bothStacks).map((text) => `\`\`\`mermaid\n${text}\n\`\`\``));
  });

  it("shows the example comment of the fixtures (run `npm run gen:diagrams` after changing the comment)", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs", "pr-comment.md"), "utf8");
    if (!doc.includes(exampleComment())) throw new Error("docs/pr-comment.md's example is stale: run `npm run gen:diagrams` and commit the result.");
    expect(batch.prCommentDoc).toEqual([...batch.bothStacks, ...batch.bothStacks]);
    expect(diagrams("prCommentDoc")).toHaveLength(4);
  });
});
