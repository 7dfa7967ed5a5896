/**
 * The preview comment as a reviewer sees it: rendered by a CommonMark renderer with raw HTML on (as
 * GitHub allows `<details>`, `<summary>`, `<code>`), then read as HTML. Hostile resource names,
 * values and diagnostics, with every CommonMark line ending (a lone CR included), must neither hide
 * what follows them nor add content of their own.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import MarkdownIt from "markdown-it";
import { buildComment as buildCommentText, parsePreview } from "../tools/pr-comment";
import { Pictures } from "./mermaid";

const pictures = new Pictures();
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const buildComment = pictures.collect(buildCommentText);

const FIXTURES = path.join(__dirname, "fixtures", "previews");
const renderer = new MarkdownIt({ html: true });

/** every-op.json with `name` as the last URN segment of each step that changes something. */
function hostilePreview(name: (index: number) => string): string {
  const document = JSON.parse(fs.readFileSync(path.join(FIXTURES, "every-op.json"), "utf8")) as { steps: { op: string; urn: string }[] };
  document.steps.forEach((step, index) => {
    if (step.op === "same") return;
    step.urn = step.urn.replace(/::[^:]+$/, `::${name(index)}`);
    for (const state of ["oldState", "newState"] as const) {
      const held = (step as unknown as Record<string, { urn?: string } | undefined>)[state];
      if (held?.urn) held.urn = step.urn;
    }
  });
  return JSON.stringify(document);
}

const ATTACKS: readonly [string, string][] = [
  ["a lone CR that closes the code span and opens an HTML comment", "x\r`<!--"],
  ["a lone CR that starts a heading", "x\r# Approved by security"],
  ["CRLF and a fence", "x\r\n```\r\n<details open><summary>ok</summary>"],
  ["an HTML comment after a line feed", "x\n<!-- hide the rest"],
  ["a closing tag", "x</code></summary></details><h2>All clear</h2>"],
  ["a blank line, ending the HTML block, then a comment", "x\n\n<!-- hide the rest"],
  ["two lone CRs, a blank line to the renderer, then a heading", "x\r\r# Approved by security"],
];

describe.each(ATTACKS)("a resource name with %s", (_, payload) => {
  const names = (index: number) => `r${index}-${payload}`;
  const body = buildComment([{ stack: "staging", preview: parsePreview(hostilePreview(names)) }]);
  const html = renderer.render(body);

  it("hides nothing that follows it: no HTML comment but the marker, every later resource still shown", () => {
    // The comment's own markers, whole; nothing else opens an HTML comment.
    const openings = html.split("<!--").slice(1).map((rest) => `<!--${rest.slice(0, rest.indexOf("-->") + 3)}`);
    expect(openings.length).toBeGreaterThan(0);
    for (const comment of openings) expect(comment).toMatch(/^<!-- mlops-cicd:preview(:stack=[a-z0-9-]+)? -->$/);
    // Every resource a harmless name shows is shown with the hostile one too.
    const baseline = renderer.render(buildComment([{ stack: "staging", preview: parsePreview(hostilePreview((index) => `r${index}-plain`)) }]));
    const shown = [...baseline.matchAll(/r(\d+)-plain/g)].map((match) => match[1]);
    expect(shown.length).toBeGreaterThan(5);
    for (const index of new Set(shown)) expect(html).toContain(`r${index}-x`);
  });

  it("adds no heading, no open details and no tag of its own", () => {
    expect(html).not.toMatch(/<h[1-6]>(Approved|All clear)/);
    expect(html).not.toMatch(/<details open><summary>ok<\/summary>/);
    expect(html).not.toMatch(/<h2>All clear<\/h2>/);
    // As many <details> open as close: nothing the payload wrote is taken as structure.
    expect((html.match(/<details/g) ?? []).length).toBe((html.match(/<\/details>/g) ?? []).length);
  });
});

/** A preview with `payload` in a value, a multi-line value, a committed file, a warning and an error. */
function hostileContent(payload: string): string {
  const urn = (type: string, name: string) => `urn:pulumi:staging::mlops-cicd::${type}::${name}`;
  const service = urn("aws:ecs/service:Service", "a-service");
  const file = urn("github:index/repositoryFile:RepositoryFile", "b-workflow");
  const database = urn("aws:rds/instance:Instance", "c-database");
  const sentinel = urn("aws:s3/bucketPolicy:BucketPolicy", "zz-sentinel");
  const serviceState = (value: string, text: string) => ({ type: "aws:ecs/service:Service", urn: service, inputs: { description: value, script: text }, outputs: {} });
  const lines = (last: string) => Array.from({ length: 8 }, (_, index) => `line ${index}`).concat(last).join("\n");
  const fileState = (content: string) => ({ type: "github:index/repositoryFile:RepositoryFile", urn: file, inputs: { file: ".github/workflows/x.yml", content }, outputs: {} });
  return JSON.stringify({
    steps: [
      {
        op: "update",
        urn: service,
        oldState: serviceState("old", lines("old")),
        newState: serviceState(payload, lines(payload)),
        diffReasons: ["description", "script"],
        detailedDiff: { description: { kind: "update" }, script: { kind: "update" } },
      },
      { op: "update", urn: file, oldState: fileState("on: push\n"), newState: fileState(`on: push\n${payload}\n`), diffReasons: ["content"], detailedDiff: { content: { kind: "update" } } },
      { op: "delete", urn: database, oldState: { type: "aws:rds/instance:Instance", urn: database, inputs: { engine: "postgres" }, outputs: {} } },
      { op: "create", urn: sentinel, newState: { type: "aws:s3/bucketPolicy:BucketPolicy", urn: sentinel, inputs: { policy: "{}" }, outputs: {} } },
    ],
    diagnostics: [
      { urn: service, severity: "warning", message: `warned: ${payload}` },
      { urn: sentinel, severity: "error", message: `failed: ${payload}\nsecond line` },
    ],
  });
}

describe.each(ATTACKS)("a value, a file, a warning and an error with %s", (_, payload) => {
  const body = buildComment([{ stack: "staging", preview: parsePreview(hostileContent(payload)) }]);
  const html = renderer.render(body);

  it("hides nothing: only the comment's own markers open HTML comments, the caution and every resource still shown", () => {
    const openings = html.split("<!--").slice(1).map((rest) => `<!--${rest.slice(0, rest.indexOf("-->") + 3)}`);
    for (const comment of openings) expect(comment).toMatch(/^<!-- mlops-cicd:preview(:stack=[a-z0-9-]+)? -->$/);
    expect(html).toMatch(/<blockquote>[\s\S]*<strong>delete<\/strong> database <code>c-database<\/code>/);
    for (const name of ["a-service", "b-workflow", "c-database", "zz-sentinel"]) expect(html).toContain(name);
    expect(html).toContain("second line");
  });

  it("adds no heading, no open details and no tag of its own", () => {
    expect(html).not.toMatch(/<h[1-6]>(Approved|All clear)/);
    expect(html).not.toMatch(/<details open><summary>ok<\/summary>/);
    expect((html.match(/<details/g) ?? []).length).toBe((html.match(/<\/details>/g) ?? []).length);
    // Headings are the comment's own: the title, the stack, its sections.
    expect([...html.matchAll(/<h(\d)>(.*?)<\/h\1>/g)].map((match) => match[2])).toEqual([
      "Pulumi preview",
      "Stack <code>staging</code>",
      "Blast radius",
      "Resources",
      "Committed files",
    ]);
  });
});

describe("the pictures of every comment with a hostile name or content", () => {
  // Parsed here, in one batch for the file, by Mermaid's own parser: a picture these comments carry
  // must be drawn on GitHub, not only look right as text. The count notices a picture gone missing.
  it("are all parsed by Mermaid, none refused and none with a link", () => {
    const { diagrams, problems } = pictures.parse();
    expect(problems).toEqual([]);
    expect(diagrams).toHaveLength(9);
    // Each hostile name reads back whole in its box, its line endings folded to spaces.
    const firstLines = diagrams.flatMap((diagram) => diagram.nodes.map((node) => node.label.split("\n")[0]));
    for (const [, payload] of ATTACKS) expect(firstLines).toContainEqual(expect.stringMatching(new RegExp(`^r\\d+-${escapeRegExp(payload.replace(/\r\n|\r|\n/g, " "))}$`)));
  });
});
