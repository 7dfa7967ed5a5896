/**
 * The comment's one masking boundary (tools/pr-comment/safe-summary.ts): what leaves it holds no
 * plaintext, each string is masked once, and the renderer takes nothing that has not passed it.
 */
import MarkdownIt from "markdown-it";
import { Redactor, type StackSummary, buildComment as buildCommentText, parsePreview, redactSummaries, renderComment as renderCommentText, summarize } from "../tools/pr-comment";
import { SECRET_TEXT, UNKNOWN_VALUE } from "../tools/pr-comment/values";
import { Pictures } from "./mermaid";

const pictures = new Pictures();
const buildComment = pictures.collect(buildCommentText);
const renderComment = pictures.collect(renderCommentText);

const SECRET = "Plant3d-S3cret-9c1e";
const SHORT = "k9q";
const redactor = new Redactor([SECRET, SHORT]);

/** Every string of `value`, Map keys and values included, with where it sits. */
function strings(value: unknown, at = "$", into: [string, string][] = []): [string, string][] {
  if (typeof value === "string") into.push([at, value]);
  else if (value instanceof Map) {
    for (const [key, item] of value) {
      strings(key, `${at}<key>`, into);
      strings(item, `${at}.get(${String(key)})`, into);
    }
  }
  else if (Array.isArray(value)) value.forEach((item, index) => strings(item, `${at}[${index}]`, into));
  else if (value !== null && typeof value === "object") for (const [key, item] of Object.entries(value)) strings(item, `${at}.${key}`, into);
  return into;
}

/** A summary with the secret planted in every string field the type has. */
function plantedSummary(): StackSummary {
  const planted = (label: string) => `${label}-${SECRET}`;
  const diagnostic = { urn: planted("urn:pulumi:s::p::t::diag"), severity: planted("error"), message: `failed: ${SECRET} and ${SHORT}` };
  return {
    stack: planted("stack"),
    counts: new Map([[planted("op"), 1]]),
    changes: [
      {
        urn: planted("urn:pulumi:s::p::aws:rds/instance:Instance::db"),
        type: planted("aws:rds/instance:Instance"),
        name: planted("db"),
        op: planted("update"),
        ops: [planted("update")],
        stepOps: [planted("update")],
        id: planted("db-id"),
        protect: { before: true, after: true },
        replaceReasons: [planted("engine")],
        properties: [
          { path: planted("tags.owner"), kind: "update", forcesReplacement: false, before: planted("before"), after: { nested: [planted("after")] }, isFileContent: false },
          { path: "content", kind: "update", forcesReplacement: false, before: `line\n${SECRET}\n`, after: `line\n${SHORT} x\n`, isFileContent: true },
        ],
        file: { path: planted("docs/file"), before: `a ${SECRET}\n`, after: `b ${SHORT}\n` },
        parent: planted("urn:pulumi:s::p::mlops-cicd:database:PostgresInstance::database"),
        dependencies: [planted("urn:pulumi:s::p::aws:kms/key:Key::key")],
      },
    ],
    dependents: [
      {
        urn: planted("urn:pulumi:s::p::aws:ecs/service:Service::mlflow"),
        type: planted("aws:ecs/service:Service"),
        name: planted("mlflow"),
        op: planted("same"),
        parent: planted("urn:pulumi:s::p::mlops-cicd:services:PlatformServices::platform"),
        dependencies: [planted("urn:pulumi:s::p::aws:rds/instance:Instance::db")],
      },
    ],
    errors: [diagnostic],
    warnings: [diagnostic],
    failed: true,
    hasChanges: true,
  };
}

describe("redactSummaries", () => {
  it("leaves no string holding a plaintext, in any field of the summary", () => {
    const planted = strings(plantedSummary());
    // The fixture covers the fields: a new string field of the summary must be planted here too.
    expect(planted.filter(([, text]) => text.includes(SECRET) || text.includes(SHORT)).length).toBeGreaterThanOrEqual(20);
    const leaks = strings(redactSummaries([plantedSummary()], redactor)).filter(([, text]) => text.includes(SECRET) || new RegExp(`\\b${SHORT}\\b`).test(text));
    expect(leaks).toEqual([]);
  });

  it("masks a scalar under a credential's name and an X_PASSWORD entry's value, keeps flags and names", () => {
    const summary = plantedSummary();
    const value = {
      config: { dbPassword: "plain-pw", apiToken: 12345, manageMasterUserPassword: true, passwordSecretArn: "arn:aws:secretsmanager:x", empty: null },
      environment: [
        { name: "DB_PASSWORD", value: "env-pw" },
        { name: "LOG_LEVEL", value: "info" },
      ],
    };
    const [safe] = redactSummaries(
      [{ ...summary, changes: [{ ...summary.changes[0], properties: [{ path: "settings", kind: "add", forcesReplacement: false, before: undefined, after: value, isFileContent: false }] }] }],
      new Redactor([]),
    );
    expect(safe.changes[0].properties[0].after).toEqual({
      config: { dbPassword: "[secret]", apiToken: "[secret]", manageMasterUserPassword: true, passwordSecretArn: "arn:aws:secretsmanager:x", empty: null },
      environment: [
        { name: "DB_PASSWORD", value: "[secret]" },
        { name: "LOG_LEVEL", value: "info" },
      ],
    });
  });

  it("hides both sides of a property whose path names a credential, unless they are flags", () => {
    const summary = plantedSummary();
    const property = (before: unknown, after: unknown) => ({ path: 'environment["DB_PASSWORD"]', kind: "update" as const, forcesReplacement: false, before, after, isFileContent: false });
    const [safe] = redactSummaries(
      [{ ...summary, changes: [{ ...summary.changes[0], properties: [property("old-pw", { v: "new-pw" }), property(false, true)] }] }],
      new Redactor([]),
    );
    expect(safe.changes[0].properties.map(({ before, after }) => [before, after])).toEqual([
      ["[secret]", "[secret]"],
      [false, true],
    ]);
  });

  it("runs each string through the redactor once, however many renderings show it", () => {
    const text = jest.spyOn(Redactor.prototype, "text");
    try {
      const urn = "urn:pulumi:staging::mlops-cicd::aws:ecs/service:Service::once-only-name";
      const state = (count: number) => ({ type: "aws:ecs/service:Service", urn, inputs: { desiredCount: count, note: "once-only-value" }, outputs: {} });
      buildComment([
        {
          stack: "staging",
          preview: parsePreview(
            JSON.stringify({ steps: [{ op: "update", urn, oldState: state(1), newState: state(2), diffReasons: ["desiredCount", "note"], detailedDiff: { desiredCount: { kind: "update" }, note: { kind: "update" } } }] }),
          ),
        },
      ]);
      const calls = (needle: string) => text.mock.calls.filter(([argument]) => argument.includes(needle)).length;
      // The name sits in the URN and in the name: two strings, once each.
      expect(calls("once-only-name")).toBe(2);
      expect(calls("once-only-value")).toBe(2);
    } finally {
      text.mockRestore();
    }
  });

  it("is the only way to the renderer: a summary it has not seen does not type-check", () => {
    const summary = summarize("staging", parsePreview('{"steps": []}'));
    // @ts-expect-error: renderComment takes SafeSummary, which only redactSummaries makes.
    expect(() => renderComment([summary])).not.toThrow();
    expect(renderComment(redactSummaries([summary], redactor))).toContain("No changes");
  });
});

/** The properties `[path, before, after]` as `redactSummaries` leaves them: `[before, after]` each. */
function maskedProperties(properties: readonly (readonly [string, unknown, unknown])[], by = new Redactor([])): unknown[][] {
  const summary = plantedSummary();
  const change = {
    ...summary.changes[0],
    properties: properties.map(([path, before, after]) => ({ path, kind: "update" as const, forcesReplacement: false, before, after, isFileContent: false })),
  };
  const [safe] = redactSummaries([{ ...summary, changes: [change] }], by);
  return safe.changes[0].properties.map(({ before, after }) => [before, after]);
}

describe("redactSummaries, by structure", () => {
  it("shows a credential's absence and its null as they are, and hides zero and the empty string", () => {
    expect(
      maskedProperties([
        ["dbPassword", undefined, "new-pw"],
        ["dbPassword", null, ""],
        ["apiToken", 0, "0"],
        ["settings", undefined, { dbPassword: null, apiToken: 0, secretKey: "", tokenEnabled: false }],
      ]),
    ).toEqual([
      [undefined, SECRET_TEXT],
      [null, SECRET_TEXT],
      [SECRET_TEXT, SECRET_TEXT],
      [undefined, { dbPassword: null, apiToken: SECRET_TEXT, secretKey: SECRET_TEXT, tokenEnabled: false }],
    ]);
  });

  it("keeps a value that is the placeholder for a secret or for an unknown as exactly that, whatever the redactor masks", () => {
    // A revealed plaintext "secret" sits inside "[secret]", and "96ec" is a whole token of the unknown value.
    const by = new Redactor(["secret", "96ec"]);
    expect(by.text("secret 96ec")).toBe(`${SECRET_TEXT} ${SECRET_TEXT}`);
    expect(maskedProperties([["tags.owner", SECRET_TEXT, UNKNOWN_VALUE], ["tags", { a: SECRET_TEXT }, [UNKNOWN_VALUE]]], by)).toEqual([
      [SECRET_TEXT, UNKNOWN_VALUE],
      [{ a: SECRET_TEXT }, [UNKNOWN_VALUE]],
    ]);
  });

  it("shows a list or an object under a credential's name entry by entry: names, ARNs and settings are no credential", () => {
    const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1";
    const after = {
      masterUserSecrets: [{ kmsKeyId: "alias/rds", secretArn: arn }],
      securityAndAnalysis: { secretScanning: { status: "enabled" } },
      secrets: [{ name: "DB_PASSWORD", valueFrom: arn }],
    };
    expect(maskedProperties([["settings", undefined, after]])).toEqual([[undefined, after]]);
  });

  it("takes only a string for the name of a `{name, value}` entry", () => {
    const after = { entries: [{ name: ["DB_PASSWORD", "API_TOKEN"], value: "two names" }, { name: "API_TOKEN", value: "t0ken" }] };
    expect(maskedProperties([["settings", undefined, after]])).toEqual([
      [undefined, { entries: [{ name: ["DB_PASSWORD", "API_TOKEN"], value: "two names" }, { name: "API_TOKEN", value: SECRET_TEXT }] }],
    ]);
  });

  it("judges a path by its names, not its indexes", () => {
    expect(maskedProperties([["environment[0].value", "info", "debug"], ["passwords[0]", "old-pw", "new-pw"]])).toEqual([
      ["info", "debug"],
      [SECRET_TEXT, SECRET_TEXT],
    ]);
  });
});

describe("the rendered comment", () => {
  it("shows no planted plaintext anywhere a reviewer can read, markup included", () => {
    const body = renderComment(redactSummaries([plantedSummary()], redactor), { budget: 60_000 });
    const html = new MarkdownIt({ html: true }).render(body);
    for (const text of [body, html]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toMatch(new RegExp(`\\b${SHORT}\\b`));
    }
    expect(html).toContain("[secret]");
  });
});

describe("the pictures of every comment above", () => {
  // Parsed here, in one batch for the file, by Mermaid's own parser: a picture these comments carry
  // must be drawn on GitHub, not only look right as text. The count notices a picture gone missing.
  it("are all parsed by Mermaid, none refused and none with a link", () => {
    const { diagrams, problems } = pictures.parse();
    expect(problems).toEqual([]);
    expect(diagrams).toHaveLength(2);
  });
});
