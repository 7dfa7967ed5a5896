/**
 * The comment's caution: every data-bearing or protection-weakening change of a preview is named
 * there, before anything else, whatever else the preview holds.
 */
import MarkdownIt from "markdown-it";
import { DATA_BEARING_TYPES, WEAKENING_CHECKS, buildComment as buildCommentText, parsePreview } from "../tools/pr-comment";
import { Pictures } from "./mermaid";

const pictures = new Pictures();
const buildComment = pictures.collect(buildCommentText);

const renderer = new MarkdownIt({ html: true });

const URN = (type: string, name: string) => `urn:pulumi:production::mlops-cicd::${type}::${name}`;

/** A preview with one update of `type` from `before` to `after` (or a delete when `after` is null, a replace when `replace`). */
function preview(type: string, name: string, before: Record<string, unknown>, after: Record<string, unknown> | null, replace = false): string {
  const urn = URN(type, name);
  const state = (inputs: Record<string, unknown>) => ({ type, urn, inputs, outputs: inputs });
  const diffs = after === null ? [] : Object.keys({ ...before, ...after }).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
  const detailedDiff = Object.fromEntries(diffs.map((key) => [key, { kind: replace ? "update-replace" : "update" }]));
  return JSON.stringify({
    steps: [
      after === null
        ? { op: "delete", urn, oldState: state(before) }
        : replace
          ? { op: "replace", urn, oldState: state(before), newState: state(after), replaceReasons: diffs, detailedDiff }
          : { op: "update", urn, oldState: state(before), newState: state(after), diffReasons: diffs, detailedDiff },
    ],
  });
}

/** The caution as a reviewer reads it: the rendered blockquote's HTML, "" when there is none. */
const renderedCaution = (text: string) => {
  const html = renderer.render(buildComment([{ stack: "production", preview: parsePreview(text) }]));
  const start = html.indexOf("<blockquote>");
  return start === -1 || !html.slice(start).includes("[!CAUTION]") ? "" : html.slice(start, html.indexOf("</blockquote>", start));
};

/** `{a: {b: value}}` for the path "a.b". */
const nested = (path: string, value: unknown): Record<string, unknown> =>
  path.split(".").reduceRight<Record<string, unknown>>((inner, key, index, keys) => (index === keys.length - 1 ? { [key]: value } : { [key]: inner }), {});

/** Before and after pairs one of which each kind of check reads as weakening. */
const CANDIDATES: readonly [unknown, unknown][] = [
  [true, false],
  [false, true],
  [10, 1],
  ["active", "disabled"],
  [[{ users: [1], teams: [2] }], []],
  [[], [{ actorId: 1, actorType: "Integration" }]],
];

const caution = (text: string) => {
  const body = buildComment([{ stack: "production", preview: parsePreview(text) }]);
  return body.includes("> [!CAUTION]") ? body.slice(body.indexOf("> [!CAUTION]"), body.indexOf("\n\n", body.indexOf("> [!CAUTION]"))) : "";
};

describe.each([
  ["the database's deletion protection turned off", "aws:rds/instance:Instance", { deletionProtection: true }, { deletionProtection: false }, "deletion protection turned off"],
  ["a final snapshot skipped", "aws:rds/instance:Instance", { skipFinalSnapshot: false }, { skipFinalSnapshot: true }, "final snapshot skipped"],
  ["backups kept for a shorter time", "aws:rds/instance:Instance", { backupRetentionPeriod: 14 }, { backupRetentionPeriod: 1 }, "backup retention shortened from 14 to 1"],
  ["the ruleset disabled", "github:index/repositoryRuleset:RepositoryRuleset", { enforcement: "active" }, { enforcement: "disabled" }, "ruleset no longer enforced (disabled)"],
  [
    "reviewers removed",
    "github:index/repositoryEnvironment:RepositoryEnvironment",
    { reviewers: [{ users: [1], teams: [2] }] },
    { reviewers: [] },
    "required reviewers removed (2 to 0)",
  ],
  ["a public access flag off", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", { blockPublicPolicy: true }, { blockPublicPolicy: false }, "blockPublicPolicy turned off"],
])("an update: %s", (_, type, before, after, described) => {
  it("is named in the caution as weakened", () => {
    const text = caution(preview(type, "target", before, after));
    expect(text).toContain("weakened");
    expect(text).toContain(described);
  });
});

describe.each([
  ["a KMS key", "aws:kms/key:Key", "key"],
  ["backup replication", "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication", "backup"],
  ["an environment's deployment policy", "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy", "repository protection"],
])("a deletion of %s", (_, type, category) => {
  it("is named in the caution", () => {
    const text = caution(preview(type, "target", { a: 1 }, null));
    expect(text).toContain(`**delete** ${category} \`target\``);
  });
});

it("says nothing of an update that strengthens protection", () => {
  expect(caution(preview("aws:rds/instance:Instance", "db", { deletionProtection: false, backupRetentionPeriod: 7 }, { deletionProtection: true, backupRetentionPeriod: 14 }))).toBe("");
});

describe.each(WEAKENING_CHECKS)("every weakening check: $type $path", ({ type, path }) => {
  it("puts a weakening update of it in the rendered caution", () => {
    const found = CANDIDATES.map(([before, after]) => renderedCaution(preview(type, "target", nested(path, before), nested(path, after)))).find((text) => text !== "");
    expect(found).toBeDefined();
    expect(found).toContain("<strong>weakened</strong> <code>target</code>");
  });
});

describe.each(Object.entries(DATA_BEARING_TYPES))("every data-bearing type: %s (%s)", (type, category) => {
  it.each(["delete", "replace"])("puts a %s of it in the rendered caution", (op) => {
    const text = renderedCaution(preview(type, "target", { a: 1 }, op === "delete" ? null : { a: 2 }, op === "replace"));
    expect(text).toContain(`<strong>${op}</strong> ${category} <code>target</code>`);
  });
});

describe("the pictures of every comment above", () => {
  // Parsed here, in one batch for the file, by Mermaid's own parser: a picture these comments carry
  // must be drawn on GitHub, not only look right as text. The count notices a picture gone missing.
  it("are all parsed by Mermaid, none refused and none with a link", () => {
    const { diagrams, problems } = pictures.parse();
    expect(problems).toEqual([]);
    expect(diagrams).toHaveLength(43);
  });
});
