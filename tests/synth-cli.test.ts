/**
 * The synth command as a user runs it: a child process per run, real exit codes and files.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { ROOT, STACKS } from "./harness";

const CLI = path.join(ROOT, "tools", "synth", "cli.ts");
const REGISTER = path.join(ROOT, "tools", "register.js");

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "synth-cli-"));
});
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

function synth(args: string[]) {
  const result = spawnSync(process.execPath, ["-r", REGISTER, CLI, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, GITHUB_TOKEN: "ghp_shouldNeverAppear" } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every file under `dir`, relative path to bytes. */
function readTree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(dir, full), fs.readFileSync(full));
    }
  };
  walk(dir);
  return files;
}

describe.each(STACKS)("npm run synth -- --stack %s", (stack) => {
  it("writes resources, outputs, summary and files, byte-identical on a rerun", () => {
    const first = path.join(work, `${stack}-1`);
    const second = path.join(work, `${stack}-2`);
    const run1 = synth(["--stack", stack, "--out", first]);
    expect(run1.stderr).toBe("");
    expect(run1.code).toBe(0);
    expect(synth(["--stack", stack, "--out", second]).code).toBe(0);

    const tree1 = readTree(first);
    const tree2 = readTree(second);
    expect([...tree1.keys()].sort()).toEqual([...tree2.keys()].sort());
    for (const [file, bytes] of tree1) expect(tree2.get(file)?.equals(bytes)).toBe(true);

    expect(tree1.has("resources.json")).toBe(true);
    expect(tree1.has("outputs.json")).toBe(true);
    expect(tree1.has("summary.md")).toBe(true);
    const resources = JSON.parse(String(tree1.get("resources.json"))) as Record<string, unknown>[];
    for (const resource of resources) {
      expect(Object.keys(resource).filter((key) => key !== "options").sort()).toEqual(
        ["dependsOn", "inputs", "name", "parent", "provider", "type", "urn"],
      );
    }
    const summary = String(tree1.get("summary.md"));
    expect(summary).toContain("## Operator secrets not set yet");
    expect(summary).toContain("- `mlops-cicd:ghcrToken`: a placeholder stands in.");
    for (const bytes of tree1.values()) expect(String(bytes)).not.toContain("ghp_shouldNeverAppear");
  });
});

describe("synth of a stack file with encrypted values", () => {
  it("shows placeholders for them and says so, without a passphrase", () => {
    const file = path.join(work, "encrypted.yaml");
    const base = parse(fs.readFileSync(path.join(ROOT, "Pulumi.production.yaml"), "utf8")) as { config: Record<string, unknown> };
    const ciphertext = "v1:Zm9vYmFyYmF6:cXV4cXV1eGNvcmdlZ3JhdWx0";
    fs.writeFileSync(
      file,
      stringify({
        config: {
          ...base.config,
          "mlops-cicd:slackWebhookUrl": { secure: ciphertext },
          "mlops-cicd:ghcrToken": { secure: ciphertext },
        },
      }),
    );
    const out = path.join(work, "encrypted-out");
    const result = synth(["--stack", "production", "--config-file", file, "--out", out]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const summary = fs.readFileSync(path.join(out, "summary.md"), "utf8");
    expect(summary).toContain("- `mlops-cicd:slackWebhookUrl` is encrypted in the stack file; synth shows a placeholder instead of decrypting it.");
    expect(summary).toContain("## Operator secrets not set yet\n\nNone.");
    const resources = fs.readFileSync(path.join(out, "resources.json"), "utf8");
    expect(resources).toContain('"secretName": "SLACK_WEBHOOK_URL"');
    expect(resources).not.toContain(ciphertext);
  });
});

describe("synth with bad input exits 2 with one message and writes nothing", () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ["a wrong type", { "mlops-cicd:platformAppId": "twelve" }, ["`mlops-cicd:platformAppId` must be a whole number"]],
    ["a missing required key", { "mlops-cicd:apiUrl": undefined }, ["`mlops-cicd:apiUrl` is not set."]],
    ["a malformed owner", { "github:owner": "nyc taxi" }, ["`github:owner` must be a GitHub user or organization name"]],
    ["an unknown environment", { "mlops-cicd:environment": "prod" }, ['`mlops-cicd:environment` is "prod", which this program does not know. Choose one of: staging, production.']],
    ["a bad URL", { "mlops-cicd:apiUrl": "http://api.example.com" }, ["`mlops-cicd:apiUrl` must use https://"]],
    [
      "two mistakes at once",
      { "github:owner": "-x-", "mlops-cicd:apiUrl": "not a url" },
      ["has 2 configuration problems", "`github:owner` must be", "`mlops-cicd:apiUrl` must be an absolute https:// URL"],
    ],
  ];

  it.each(cases)("%s", (_name, changes, expected) => {
    const base = parse(fs.readFileSync(path.join(ROOT, "Pulumi.production.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    const config = { ...base.config, ...changes };
    for (const [key, value] of Object.entries(changes)) if (value === undefined) delete config[key];
    const file = path.join(work, `bad-${expected[0]?.length}-${Object.keys(changes).join("-").replace(/[^a-z]/gi, "")}.yaml`);
    fs.writeFileSync(file, stringify({ config }));
    const out = path.join(work, `never-${path.basename(file)}`);

    const result = synth(["--stack", "production", "--config-file", file, "--out", out]);
    expect(result.code).toBe(2);
    for (const fragment of expected) expect(result.stderr).toContain(fragment);
    expect(result.stderr).toMatch(/^Stack "production" has \d configuration problems?; nothing was changed:\n/);
    expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it("an unknown stack", () => {
    const result = synth(["--stack", "qa"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `No stack file ${path.join(ROOT, "Pulumi.qa.yaml")}. Known stacks: production, staging; pass one with --stack, or a file with --config-file.\n`,
    );
  });

  it("a missing or unknown argument", () => {
    expect(synth([])).toMatchObject({ code: 2, stderr: "--stack is required.\nusage: npm run synth -- --stack <name> [--out <dir>] [--config-file <path>]\n" });
    const unknown = synth(["--stack", "staging", "--force"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--force'");
  });

  it("a plain-text secret in a stack file", () => {
    const file = path.join(work, "plain-secret.yaml");
    const base = parse(fs.readFileSync(path.join(ROOT, "Pulumi.production.yaml"), "utf8")) as { config: Record<string, unknown> };
    fs.writeFileSync(file, stringify({ config: { ...base.config, "mlops-cicd:slackWebhookUrl": "https://hooks.slack.com/services/T/B/X" } }));
    const result = synth(["--stack", "production", "--config-file", file, "--out", path.join(work, "never-plain")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "`mlops-cicd:slackWebhookUrl` is stored in plain text. Store it encrypted: pulumi config set --secret mlops-cicd:slackWebhookUrl <value>.",
    );
    expect(result.stderr).not.toContain("hooks.slack.com/services/T/B/X");
  });

  it("keeps an earlier output whole when a later run fails", () => {
    const out = path.join(work, "kept");
    expect(synth(["--stack", "staging", "--out", out]).code).toBe(0);
    const before = readTree(out);
    const bad = path.join(work, "bad-owner.yaml");
    fs.writeFileSync(bad, stringify({ config: { "github:owner": "x y" } }));
    expect(synth(["--stack", "staging", "--config-file", bad, "--out", out]).code).toBe(2);
    expect(readTree(out)).toEqual(before);
  });
});
