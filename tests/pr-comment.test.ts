/**
 * The pull request's preview comment from `pulumi preview --json`, in process, checked on fixtures
 * in the engine's own shape (tests/fixtures/previews/). The command itself: pr-comment-cli.test.ts.
 */
import * as fs from "node:fs";
import { COMMENT_MARKER } from "../contracts/pr-comment";
import {
  type PreviewDigest,
  PreviewFormatError,
  PreviewJsonError,
  Redactor,
  buildComment as buildCommentText,
  isPreviewComment,
  maskCredentials,
  parsePreview,
  stackMarker,
  summarize,
} from "../tools/pr-comment";
import { PLANTED, fixture, load, structureProblems } from "./pr-comment-fixtures";
import { Pictures } from "./mermaid";

const pictures = new Pictures();
const buildComment = pictures.collect(buildCommentText);

describe("parsePreview", () => {
  it("reads every fixture, a failed preview without steps' counts included", () => {
    for (const name of ["every-op.json", "failed.json", "no-changes.json", "secret.json", "workflow-file.json"]) expect(() => load(name)).not.toThrow();
    const failed = load("failed.json");
    expect(failed.changeSummary).toBeUndefined();
    expect(failed.diagnostics.filter((diagnostic) => diagnostic.severity === "error")).toHaveLength(2);
  });

  it.each([
    ["[1, 2]", /the top level is a list, not an object/],
    ["{}", /none of "steps", "changeSummary", "diagnostics" \(it is an empty object\)/],
    ['{"outputs": {"url": "x"}}', /none of "steps", "changeSummary", "diagnostics" \(its keys: "outputs"\)/],
    ['{"steps": {}}', /"steps" must be a list/],
    ['{"steps": [{"urn": "urn:pulumi:s::p::t::n"}]}', 'steps[0].op must be an op name (lowercase letters and "-", e.g. "update"), got none'],
    ['{"steps": [{"op": 7, "urn": "urn:pulumi:s::p::t::n"}]}', 'steps[0].op must be an op name (lowercase letters and "-", e.g. "update"), got a number'],
    ['{"steps": [{"op": "update\\r# Approved", "urn": "urn:pulumi:s::p::t::n"}]}', 'steps[0].op must be an op name (lowercase letters and "-", e.g. "update"), got "update\\r# Approved"'],
    ['{"changeSummary": {"**all clear**": 1}}', 'changeSummary key "**all clear**" must be an op name (lowercase letters and "-", e.g. "update")'],
    ['{"steps": [{"op": "create", "urn": "arn:aws:x"}]}', /steps\[0\]\.urn must be a Pulumi URN/],
    ['{"steps": [{"op": "update", "urn": "urn:pulumi:s::p::t::n", "detailedDiff": {"a": {"kind": "changed"}}}]}', /detailedDiff\["a"\]\.kind must be one of add, add-replace/],
    ['{"steps": [{"op": "update", "urn": "urn:pulumi:s::p::t::n", "newState": {"inputs": []}}]}', /steps\[0\]\.newState\.type must be a string; steps\[0\]\.newState\.inputs must be an object/],
    ['{"changeSummary": {"create": -1}}', /changeSummary\["create"\] must be a count/],
  ])("refuses %s, saying what is wrong", (json, message) => {
    expect(() => parsePreview(json)).toThrow(PreviewFormatError);
    expect(() => parsePreview(json)).toThrow(message);
  });

  it("refuses text that is not JSON, and accepts a byte-order mark", () => {
    expect(() => parsePreview("Previewing update (production):\n")).toThrow(PreviewJsonError);
    expect(parsePreview('\uFEFF{"changeSummary": {"same": 1}}').changeSummary).toEqual({ same: 1 });
  });
});

describe("counts per stack", () => {
  it("counts every op kind, one replace per URN however many steps it took", () => {
    // GIVEN a preview with every op: a replacement as create-replacement + replace + delete-replaced,
    // read-replacement and import-replacement each with their replace, `same` mostly left out of steps
    const summary = summarize("staging", load("every-op.json"));
    expect(Object.fromEntries(summary.counts)).toEqual({
      create: 1,
      update: 1,
      replace: 3,
      delete: 1,
      same: 41,
      read: 1,
      refresh: 1,
      discard: 1,
      "discard-replaced": 1,
      "remove-pending-replace": 1,
      import: 1,
    });
    const database = summary.changes.find((change) => change.name === "database");
    expect(database).toMatchObject({ op: "replace", ops: ["replace"], stepOps: ["create-replacement", "replace", "delete-replaced"], dataCategory: "database", replaceReasons: ["engineVersion"] });
    expect(database?.properties).toEqual([{ path: "engineVersion", kind: "update", forcesReplacement: true, before: "15", after: "16", isFileContent: false }]);
  });

  it("lists changed resources by URN, without reads and unchanged resources, with a protection change", () => {
    const summary = summarize("staging", load("every-op.json"));
    const urns = summary.changes.map((change) => change.urn);
    expect(urns).toEqual([...urns].sort());
    expect(summary.changes.map((change) => change.op)).not.toContain("read");
    expect(summary.changes.find((change) => change.type === "pulumi:pulumi:Stack")).toBeUndefined();
    expect(summary.changes.find((change) => change.name === "mlflow" && change.type === "postgresql:index/database:Database")).toMatchObject({
      op: "same",
      protect: { before: true, after: false },
    });
  });

  it("takes unchanged from the engine's summary and the rest from the steps when both exist", () => {
    const summary = summarize("production", load("workflow-file.json"));
    expect(Object.fromEntries(summary.counts)).toEqual({ create: 1, update: 2, replace: 0, delete: 0, same: 95 });
    expect(summary.hasChanges).toBe(true);
    expect(summarize("staging", load("no-changes.json")).hasChanges).toBe(false);
  });
});

describe("the comment", () => {
  const everyOp = () => buildComment([{ stack: "staging", preview: load("every-op.json") }, { stack: "production", preview: load("workflow-file.json") }]);

  it("matches the reviewed rendering (tests/fixtures/previews/comment.expected.md)", () => {
    const golden = fixture("comment.expected.md");
    // Regenerate after a deliberate change: UPDATE_PR_COMMENT_GOLDEN=1 npx jest tests/pr-comment
    if (process.env.UPDATE_PR_COMMENT_GOLDEN === "1") fs.writeFileSync(golden, everyOp());
    expect(everyOp()).toBe(fs.readFileSync(golden, "utf8"));
  });

  it("starts with the exact marker on its own line, found only by an exact match", () => {
    const body = everyOp();
    expect(body.split("\n")[0]).toBe(COMMENT_MARKER);
    expect(COMMENT_MARKER).toBe("<!-- mlops-cicd:preview -->");
    expect(isPreviewComment(body)).toBe(true);
    expect(isPreviewComment(body.replace(/\n/g, "\r\n"))).toBe(true);
    expect(isPreviewComment(`${COMMENT_MARKER} staging\nNo changes.`)).toBe(false);
    expect(isPreviewComment(`${stackMarker("dev")}\n`)).toBe(false);
    expect(isPreviewComment(`Note\n${COMMENT_MARKER}\n`)).toBe(false);
  });

  it("marks each stack's section so that no stack's marker is a prefix of another's", () => {
    const preview = load("workflow-file.json");
    const body = buildComment([
      { stack: "dev", preview },
      { stack: "dev-tokyo", preview },
    ]);
    expect(stackMarker("dev-tokyo").startsWith(stackMarker("dev"))).toBe(false);
    for (const stack of ["dev", "dev-tokyo"]) expect(body.split(stackMarker(stack))).toHaveLength(2);
    expect(body.indexOf(stackMarker("dev"))).toBeLessThan(body.indexOf(stackMarker("dev-tokyo")));
  });

  it("calls out data-bearing replacements, deletions and removed protection before everything else", () => {
    const lines = everyOp().split("\n");
    expect(lines[2]).toBe("> [!CAUTION]");
    const callout = lines.slice(2, lines.findIndex((line, index) => index > 2 && !line.startsWith(">")));
    expect(callout.filter((line) => line.startsWith("> - "))).toEqual([
      "> - `staging`: **replace** database `database` (`aws:rds/instance:Instance`), forced by `engineVersion`",
      "> - `staging`: **delete** bucket `artifacts` (`aws:s3/bucket:Bucket`)",
      "> - `staging`: protection **removed** from database `mlflow` (`postgresql:index/database:Database`)",
    ]);
    expect(lines.indexOf("## Pulumi preview")).toBeGreaterThan(lines.indexOf(callout[callout.length - 1]));
  });

  it("has no callout when nothing that holds data is replaced or deleted", () => {
    expect(buildComment([{ stack: "production", preview: load("workflow-file.json") }])).not.toContain("[!CAUTION]");
  });

  it("summarizes every stack with its counts, in the order given", () => {
    const body = everyOp();
    expect(body).toContain("| `staging` | changes | 1 | 1 | 3 | 1 | 41 | 1 to read, 1 to refresh, 1 to import, 1 to discard, 1 to discard after replacement, 1 to remove (pending replacement) |");
    expect(body).toContain("| `production` | changes | 1 | 2 | 0 | 0 | 95 | – |");
    expect(body).toContain(`${stackMarker("production")}\n### Stack \`production\`\n\n**1 to create, 2 to update, 0 to replace, 0 to delete, 95 unchanged**.`);
    expect(body.indexOf(stackMarker("staging"))).toBeLessThan(body.indexOf(stackMarker("production")));
  });

  it("collapses each resource's changes, old → new, replacement reasons marked", () => {
    const body = everyOp();
    const resources = body.match(/<details><summary><code>[^<]*<\/code> <b>[a-z-]+<\/b>/g) ?? [];
    expect(resources).toHaveLength(14);
    expect(body).toContain("~ engineVersion: \"15\" → \"16\" (forces replacement)");
    expect(body).toContain("~ desiredCount: 1 → 2");
    expect(body).toContain("Steps: `create-replacement`, `replace`, `delete-replaced`.");
    expect(body).not.toMatch(/<details open><summary><code>[^<]*<\/code> <b>/);
  });

  it("shows a committed workflow file's change as a unified diff, open", () => {
    const body = everyOp();
    const section = body.slice(body.indexOf("<details open><summary><code>.github/workflows/ci-cd.yml</code> changed, +5 −1 lines</summary>"));
    expect(section).toMatch(/^<details open><summary>[^\n]*\n\n```diff\n@@ -26,7 \+26,7 @@\n/);
    expect(section).toContain("\n-    timeout-minutes: 10\n+    timeout-minutes: 15\n");
    expect(section).toContain("\n+      - name: Set up Python 3.11\n");
    // A property that changes without the text: no file diff.
    expect(body).not.toContain("<code>.github/dependabot.yml</code>");
  });

  it("is one line when no stack changes", () => {
    const preview = load("no-changes.json");
    expect(buildComment([{ stack: "staging", preview }, { stack: "production", preview }])).toBe(`${COMMENT_MARKER}\nNo changes: staging, production are up to date.\n`);
    expect(buildComment([{ stack: "staging", preview }])).toBe(`${COMMENT_MARKER}\nNo changes: staging is up to date.\n`);
  });

  it("shows a failed preview with its errors and warnings, not the program's output", () => {
    const body = buildComment([{ stack: "staging", preview: load("no-changes.json") }, { stack: "production", preview: load("failed.json") }]);
    expect(body).toContain("| `production` | **failed** |");
    expect(body).toContain("**The preview failed** (2 errors)");
    expect(body).toContain("Error: Missing required configuration variable 'mlops-cicd:ghcrToken'");
    expect(body).toContain("urn:pulumi:production::mlops-cicd::mlops-cicd:database:PostgresInstance$aws:rds/instance:Instance::database:\nerror: aws:rds/instance:Instance resource 'database' has a problem");
    expect(body).toContain("warning: aws:s3/bucketV2:BucketV2 is deprecated");
    expect(body).not.toContain("Synthesizing production");
    expect(body).toContain(`${stackMarker("staging")}\n### Stack \`staging\`\n\n**0 to create, 0 to update, 0 to replace, 0 to delete, 97 unchanged**.\n\nNo changes.`);
    expect(structureProblems(body)).toEqual([]);
  });

  it("shows a stack whose preview never ran as failed, from the error-only file the workflow writes", () => {
    // The preview workflow's stand-in when a stack's job stopped early or printed no JSON.
    const standIn = parsePreview(JSON.stringify({ diagnostics: [{ severity: "error", message: "The preview job stopped before the preview ran: see the workflow run." }] }));
    const body = buildComment([{ stack: "production", preview: standIn }]);
    expect(body).toContain("| `production` | **failed** | 0 | 0 | 0 | 0 | 0 | – |");
    expect(body).toContain("```text\nThe preview job stopped before the preview ran: see the workflow run.\n```");
  });

  it("never shows a secret, wherever the preview put it", () => {
    // GIVEN a preview run with --show-secrets: plaintext in secret-by-name properties, a secret
    // envelope, additionalSecretOutputs, a connection string, an ECS environment entry, a
    // committed file and a diagnostic
    const raw = fs.readFileSync(fixture("secret.json"), "utf8");
    expect(raw.split(PLANTED).length - 1).toBeGreaterThanOrEqual(14);
    const body = buildComment([{ stack: "production", preview: parsePreview(raw) }, { stack: "staging", preview: load("every-op.json") }]);
    expect(body).not.toContain(PLANTED);
    expect(body).not.toContain("ghp_abcdefghij");
    expect(body).toContain("~ plaintextValue: [secret] → [secret]");
    expect(body).toContain("~ secretString: [secret] → [secret]");
    expect(body).toContain("~ password: [secret] → [secret]");
    expect(body).toContain("~ value: [secret] → [secret]");
    expect(body).toContain("+ password: [secret]");
    expect(body).toContain("+  DATABASE_URL: postgresql://monitor:[secret]@db.internal/metrics");
    expect(body).toContain("could not reach postgresql://admin:[secret]@db.internal:5432/metrics");
    // What is not secret stays readable.
    expect(body).toContain('+    "image": "ghcr.io/nyc-taxi-mlops/monitor@sha256:2222",');
    expect(body).toContain("repository-MLFLOW_TRACKING_PASSWORD");
  });

  it("masks a secret one stack's preview reveals in every stack's text", () => {
    const reveals = parsePreview(
      JSON.stringify({
        steps: [
          {
            op: "create",
            urn: "urn:pulumi:staging::mlops-cicd::random:index/randomPassword:RandomPassword::grafana-admin",
            newState: { urn: "urn:pulumi:staging::mlops-cicd::random:index/randomPassword:RandomPassword::grafana-admin", type: "random:index/randomPassword:RandomPassword", inputs: { length: 32 }, outputs: { result: "s3cr3t-Value-9" } },
          },
        ],
      }),
    );
    const uses = parsePreview(
      JSON.stringify({
        steps: [
          {
            op: "create",
            urn: "urn:pulumi:production::mlops-cicd::aws:ssm/parameter:Parameter::note",
            newState: { urn: "urn:pulumi:production::mlops-cicd::aws:ssm/parameter:Parameter::note", type: "aws:ssm/parameter:Parameter", inputs: { description: "copied s3cr3t-Value-9 here" } },
          },
        ],
      }),
    );
    const body = buildComment([{ stack: "staging", preview: reveals }, { stack: "production", preview: uses }]);
    expect(body).not.toContain("s3cr3t-Value-9");
    expect(body).toContain('+ description: "copied [secret] here"');
  });

  it("is the same for the same input, whatever order the engine listed the steps in", () => {
    const preview = load("every-op.json");
    const reversed: PreviewDigest = { ...preview, steps: [...preview.steps].reverse() };
    expect(buildComment([{ stack: "staging", preview: reversed }])).toBe(buildComment([{ stack: "staging", preview }]));
  });
});

describe("maskCredentials", () => {
  it.each([
    ["postgresql://writer:hunter2@db:5432/metrics", "postgresql://writer:[secret]@db:5432/metrics"],
    ["token ghp_0123456789abcdefghijABCDEFGHIJ0123 here", "token [secret] here"],
    ["PGPASSWORD=hunter2 psql", "PGPASSWORD=[secret] psql"],
    ['{"password": "hunter2"}', '{"password": "[secret]"}'],
    ["Authorization: Bearer abcdefghijklmnopqrstuvwxyz", "Authorization: Bearer [secret]"],
    ['{"name":"DB_PASSWORD","value":"hunter2"}', '{"name":"DB_PASSWORD","value":"[secret]"}'],
    ["-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----\n[secret]\n-----END RSA PRIVATE KEY-----"],
    ["https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX", "https://hooks.slack.com/services/[secret]"],
    ["key AKIAIOSFODNN7EXAMPLE in", "key [secret] in"],
    ["secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end", "secret [secret] end"],
    ["x-api-key: 0123abcd", "x-api-key: [secret]"],
    ["PRIVATE-TOKEN: glpat-abcdefghij", "PRIVATE-TOKEN: [secret]"],
    ["https://deploy:pa/ss@registry.example.com/v2", "https://deploy:[secret]@registry.example.com/v2"],
    ["git+ssh.x-y://u:pw@h", "git+ssh.x-y://u:[secret]@h"],
    ["redis://:onlypw@cache", "redis://:[secret]@cache"],
    ["gho_abcdefghijklmnopqrstuvwxyz0123456789 ghs_abcdefghijklmnopqrstuvwxyz0123456789", "[secret] [secret]"],
    ["github_pat_11ABCDEFG0123456789_abcdefghij", "[secret]"],
    ["xoxb-1234567890-abcdef", "[secret]"],
    ["jwt eyJhbGciOiJI.eyJzdWIiOiIx.SflKxwRJSMeK", "jwt [secret]"],
    ["authorization: basic dXNlcjpwYXNzd29yZA==", "authorization: basic [secret]"],
    ["Bearer abc~def+ghi/jkl=", "Bearer [secret]"],
    ['{"name":"API_SECRET","value":"s1"} {"name":"GH_TOKEN", "value": "s2"}', '{"name":"API_SECRET","value":"[secret]"} {"name":"GH_TOKEN", "value": "[secret]"}'],
    ['{"name":"AWS_CREDENTIALS","value":"s3"} {"name":"MY_API_KEY","value":"s4"} {"name":"SSH_PRIVATE_KEY","value":"s5"}', '{"name":"AWS_CREDENTIALS","value":"[secret]"} {"name":"MY_API_KEY","value":"[secret]"} {"name":"SSH_PRIVATE_KEY","value":"[secret]"}'],
    ["passwd=x1 secret_access_key=x2 client_secret: x3 apikey=x4 private_key=x5 github_token=x6", "passwd=[secret] secret_access_key=[secret] client_secret: [secret] apikey=[secret] private_key=[secret] github_token=[secret]"],
    ["'password': 'quoted'", "'password': '[secret]'"],
  ])("masks %j", (text, masked) => {
    expect(maskCredentials(text)).toBe(masked);
  });

  it.each([
    "      id-token: write",
    "  GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}",
    "postgresql://writer:${PGPASSWORD}@db/metrics",
    "secretName: METRICS_DATABASE_URL",
    "uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
    "password=$DB_PASSWORD token={{ secrets.X }} secret_key=<set me> api_key=[secret]",
    "password: true token=false secret_key=null github_token: write",
    "Bearer short",
    // A port and a path, not a password; a 40-character hex hash, not a key.
    "https://registry.example.com:443/@scope/package",
    "sha 0123456789abcdef0123456789abcdef01234567",
  ])("leaves %j alone: a reference or a name, not a credential", (text) => {
    expect(maskCredentials(text)).toBe(text);
  });
});

describe("Redactor", () => {
  it("scrubs the plaintext of secret config a preview with --show-secrets printed", () => {
    const preview = parsePreview(JSON.stringify({ config: { "mlops-cicd:ghcrToken": "tokenvalue123", "mlops-cicd:environment": "staging", "app:dbPassword": "pw9876" }, steps: [] }));
    const redactor = Redactor.forPreviews([preview]);
    expect(redactor.text("login tokenvalue123 and pw9876 for staging")).toBe("login [secret] and [secret] for staging");
  });

  it("masks a short plaintext as a whole token only", () => {
    const redactor = new Redactor(["q7x", "hunter22"]);
    expect(redactor.text("password q7x, in q7xylophone, hunter22x")).toBe("password [secret], in q7xylophone, [secret]x");
  });
});

describe("the pictures of every comment above", () => {
  // Parsed here, in one batch for the file, by Mermaid's own parser: a picture these comments carry
  // must be drawn on GitHub, not only look right as text. The count notices a picture gone missing.
  it("are all parsed by Mermaid, none refused and none with a link", () => {
    const { diagrams, problems } = pictures.parse();
    expect(problems).toEqual([]);
    expect(diagrams).toHaveLength(5);
  });
});
