/**
 * The synth command as a user runs it: a child process per run, real exit codes and files.
 *
 * A full run costs seconds (the Pulumi SDK and the program load anew each time), so a run the
 * tests need alike is made once and shared: one plain run per stack, whose output the tests of
 * replacing and interrupting start from as a copy. Which message a bad config gets is the
 * program's config parsing, run here in-process as synth hands it the config; one bad config
 * still goes through the command for its exit code and what it leaves on disk.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { parseStackConfig } from "../infra/config";
import { withSecretPlaceholders } from "../tools/synth/offline-secrets";
import { resolveStackConfig } from "../tools/synth/stack-config";
import { ROOT, STACKS } from "./harness";
import { runTool } from "./run-tool";

const CLI = path.join(ROOT, "tools", "synth", "cli.ts");
const REGISTER = path.join(ROOT, "tools", "register.js");

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "synth-cli-"));
});
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

const synth = (args: string[]) => runTool("synth/cli.ts", args, { env: { ...process.env, GITHUB_TOKEN: "ghp_shouldNeverAppear" } });

/** `npm run synth -- --stack <stack>` into a new directory, run once per stack on first use and shared. */
const plainRuns = new Map<string, { readonly dir: string; readonly result: ReturnType<typeof synth> }>();
function plainRun(stack: string): { readonly dir: string; readonly result: ReturnType<typeof synth> } {
  let run = plainRuns.get(stack);
  if (run === undefined) {
    const dir = path.join(work, `${stack}-plain`);
    run = { dir, result: synth(["--stack", stack, "--out", dir]) };
    plainRuns.set(stack, run);
  }
  return run;
}

/** `dir` holding what a plain run of `stack` wrote, as if that run had written it there. */
function earlierOutput(stack: string, dir: string): ReturnType<typeof synth> {
  const { dir: written, result } = plainRun(stack);
  fs.cpSync(written, dir, { recursive: true });
  return result;
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

const MANIFEST = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
const packageOf = (request: string) => (request.startsWith("@") ? request.split("/").slice(0, 2).join("/") : (request.split("/")[0] as string));

describe.each(STACKS)("npm run synth -- --stack %s", (stack) => {
  /** What the program's own files (infra/, workflows/, contracts/) asked for during the first run. */
  let programRequires: [string, string][] = [];

  it("writes resources, outputs, summary and files, byte-identical on a rerun", () => {
    const first = path.join(work, `${stack}-1`);
    const requireLog = path.join(work, `${stack}-requires.log`);
    const run1 = runTool("synth/cli.ts", ["--stack", stack, "--out", first], {
      env: { ...process.env, GITHUB_TOKEN: "ghp_shouldNeverAppear", NODE_OPTIONS: `--require ${path.join(__dirname, "fakes", "record-requires.js")}`, REQUIRE_LOG: requireLog },
    });
    programRequires = fs
      .readFileSync(requireLog, "utf8")
      .split("\n")
      .filter((line) => /^(infra|workflows|contracts)\//.test(line))
      .map((line) => line.split("\t") as [string, string]);
    expect(run1.stderr).toBe("");
    expect(run1.code).toBe(0);
    const second = plainRun(stack);
    expect(second.result.code).toBe(0);

    const tree1 = readTree(first);
    const tree2 = readTree(second.dir);
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
    expect(String(tree1.get("policy.json"))).toBe("[]\n");
    expect(summary).toContain("## Policy (0 mandatory, 0 advisory)\n\nThe guardrail pack in `policy/` (docs/policy.md) over this stack's resources; `policy.json` holds the same list.\n\nNo violations.\n");
    expect(summary).toContain("## Operator secrets not set yet");
    expect(summary).toContain("- `mlops-cicd:ghcrToken`: a placeholder stands in.");
    for (const bytes of tree1.values()) expect(String(bytes)).not.toContain("ghp_shouldNeverAppear");
  });

  it("runs a program that asks for production dependencies only: `pulumi up` after `npm ci --omit=dev` loads the same", () => {
    expect(programRequires.map(([, request]) => packageOf(request))).toEqual(expect.arrayContaining(["@pulumi/pulumi", "@pulumi/aws", "@pulumi/github"]));
    const outside = programRequires.filter(([, request]) => !(packageOf(request) in MANIFEST.dependencies)).map(([file, request]) => `${file}: ${request}`);
    expect(outside).toEqual([]);
  });
});

describe("the program compiled as `pulumi up` compiles it", () => {
  it("builds the same resources with the engine's TypeScript path: the project's compiler and settings, from production dependencies", () => {
    const log = path.join(work, "engine-typescript.json");
    const engine = path.join(work, "engine");
    const result = spawnSync(process.execPath, ["-r", path.join(__dirname, "fakes", "engine-typescript.js"), CLI, "--stack", "staging", "--out", engine], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, ENGINE_TYPESCRIPT_LOG: log },
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    // Without `typescript` among the dependencies the engine falls back to its vendored 3.8.3,
    // which cannot parse this program (`satisfies`, `??=`, inline `type` imports).
    expect(MANIFEST.dependencies.typescript).toBeDefined();
    expect(JSON.parse(fs.readFileSync(log, "utf8"))).toMatchObject({ typescript: MANIFEST.dependencies.typescript, transpileOnly: true });
    const standard = plainRun("staging");
    expect(standard.result.code).toBe(0);
    expect(fs.readFileSync(path.join(engine, "resources.json"), "utf8")).toBe(fs.readFileSync(path.join(standard.dir, "resources.json"), "utf8"));
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
          "mlops-cicd:ghcrPullToken": { secure: ciphertext },
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
    ["a number YAML cannot hold, shown as what it became", { "mlops-cicd:serviceDesiredCount": Infinity }, ['`mlops-cicd:serviceDesiredCount` must be a whole number, got "Infinity".']],
    ["a misspelt github: key", { "github:ownr": "x" }, ["`github:ownr` is not a key this program reads. Did you mean `github:owner`?"]],
    [
      "two mistakes at once",
      { "github:owner": "-x-", "mlops-cicd:apiUrl": "not a url" },
      ["has 2 configuration problems", "`github:owner` must be", "`mlops-cicd:apiUrl` must be an absolute https:// URL"],
    ],
  ];

  const HEADER = /^Stack "production" has \d configuration problems?; nothing was changed:\n/;

  /** Production's stack file with `changes` (an undefined value removes the key), written for the case. */
  function badStackFile(changes: Record<string, unknown>, expected: string[]): string {
    const base = parse(fs.readFileSync(path.join(ROOT, "Pulumi.production.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    const config = { ...base.config, ...changes };
    for (const [key, value] of Object.entries(changes)) if (value === undefined) delete config[key];
    const file = path.join(work, `bad-${expected[0]?.length}-${Object.keys(changes).join("-").replace(/[^a-z]/gi, "")}.yaml`);
    fs.writeFileSync(file, stringify({ config }));
    return file;
  }

  /**
   * The error synth's program throws on the config in `file`: the program's own parsing, handed the
   * config as synth hands it (placeholders for unset operator secrets, no provider environment).
   */
  function configError(stack: string, file: string): Error & { readonly problems: readonly string[] } {
    const { config } = withSecretPlaceholders(resolveStackConfig(ROOT, stack, file));
    try {
      parseStackConfig(
        { get: (key) => config.values[key], isSecret: (key) => config.secretKeys.includes(key), keys: () => Object.keys(config.values) },
        stack,
        { processEnv: {} },
      );
    } catch (error) {
      return error as Error & { readonly problems: readonly string[] };
    }
    throw new Error(`The config in ${file} parsed without a problem.`);
  }

  it.each(cases)("%s", (_name, changes, expected) => {
    const error = configError("production", badStackFile(changes, expected));
    // By this name synth tells bad config from a failure: exit 2, the message alone on stderr.
    expect(error.name).toBe("ConfigError");
    for (const fragment of expected) expect(error.message).toContain(fragment);
    expect(`${error.message}\n`).toMatch(HEADER);
    expect(error.message).not.toMatch(/\bat .*\.ts:\d+/);
    expect(error.problems).toHaveLength(Number(/ has (\d) configuration/.exec(error.message)?.[1]));
  });

  it("bad config through the command: exit 2, that message alone on stderr, nothing written", () => {
    const [, changes, expected] = cases.at(-1) as (typeof cases)[number];
    const file = badStackFile(changes, expected);
    const out = path.join(work, `never-${path.basename(file)}`);

    const result = synth(["--stack", "production", "--config-file", file, "--out", out]);
    expect(result.code).toBe(2);
    for (const fragment of expected) expect(result.stderr).toContain(fragment);
    expect(result.stderr).toMatch(HEADER);
    expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(result.stderr).toBe(`${configError("production", file).message}\n`);
    expect(fs.existsSync(out)).toBe(false);
  });

  it.each([
    [["--config-file", "/dev/zero"], "Cannot read /dev/zero: not a regular file (a device, a pipe or a socket)\n"],
    [["--config-file", "/etc"], "Cannot read /etc: a directory, not a file\n"],
    [["--stack", "production"], "--stack is given 2 times: give it once.\n"],
  ])("a stack file that is no file, or an option given twice: %j", (args, stderr) => {
    const result = synth(["--stack", "staging", ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr.startsWith(stderr)).toBe(true);
  });

  it("an unknown stack", () => {
    const result = synth(["--stack", "qa"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `No stack file ${path.join(ROOT, "Pulumi.qa.yaml")}. Known stacks: production, staging; pass one with --stack, or a file with --config-file.\n`,
    );
  });

  it("a missing or unknown argument", () => {
    expect(synth([])).toMatchObject({
      code: 2,
      stderr: "--stack is required.\nusage: npm run synth -- --stack <name> [--out <dir>] [--config-file <path>] [--policy-pack-config <path>]\n",
    });
    const unknown = synth(["--stack", "staging", "--force"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--force'");
  });

  it("a plain-text secret in a stack file", () => {
    const file = path.join(work, "plain-secret.yaml");
    const base = parse(fs.readFileSync(path.join(ROOT, "Pulumi.production.yaml"), "utf8")) as { config: Record<string, unknown> };
    fs.writeFileSync(file, stringify({ config: { ...base.config, "mlops-cicd:slackWebhookUrl": "https://hooks.slack.com/services/T/B/X" } }));
    const error = configError("production", file);
    expect(error.name).toBe("ConfigError");
    expect(error.message).toContain(
      "`mlops-cicd:slackWebhookUrl` is stored in plain text. Store it encrypted: pulumi config set --secret mlops-cicd:slackWebhookUrl <value>.",
    );
    expect(error.message).not.toContain("hooks.slack.com/services/T/B/X");
  });

  it("keeps an earlier output whole when a later run fails", () => {
    const out = path.join(work, "kept");
    expect(earlierOutput("staging", out).code).toBe(0);
    const before = readTree(out);
    const bad = path.join(work, "bad-owner.yaml");
    fs.writeFileSync(bad, stringify({ config: { "github:owner": "x y" } }));
    expect(synth(["--stack", "staging", "--config-file", bad, "--out", out]).code).toBe(2);
    expect(readTree(out)).toEqual(before);
  });
});

describe("synth writes only where it may, whole or not at all", () => {
  const refused = (out: string, reason: string, cwd = ROOT) => {
    const result = runTool("synth/cli.ts", ["--stack", "staging", "--out", out], { cwd });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 2, stderr: `Refusing to write synth output to ${JSON.stringify(out)}: ${reason}\n` });
  };

  it.each([
    [".", `replacing it would delete ${ROOT}. Name a new directory, such as out/<stack>.`],
    ["..", `replacing it would delete ${ROOT}. Name a new directory, such as out/<stack>.`],
    ["/", `replacing it would delete ${ROOT}. Name a new directory, such as out/<stack>.`],
    ["/proc/synth-out", "it is under /proc, which holds no files. Name a directory of your own."],
  ])("refuses --out %s, touching nothing", (out, reason) => {
    const before = fs.readdirSync(ROOT).sort();
    refused(out, reason);
    expect(fs.readdirSync(ROOT).sort()).toEqual(before);
  });

  it("refuses a file, and a folder with files it did not write, leaving them as they were", () => {
    const file = path.join(work, "a-file");
    fs.writeFileSync(file, "mine");
    refused(file, "it is a file, not a directory. Name a new directory.");
    expect(fs.readFileSync(file, "utf8")).toBe("mine");
    const folder = path.join(work, "someone-elses");
    fs.mkdirSync(folder);
    for (const name of ["notes.txt", "b.md", "c", "d"]) fs.writeFileSync(path.join(folder, name), name);
    refused(folder, `it holds files synth did not write (b.md, c, d, …). Name a new or empty directory, or remove ${JSON.stringify(folder)} yourself if you mean to.`);
    expect(fs.readdirSync(folder).sort()).toEqual(["b.md", "c", "d", "notes.txt"]);
  });

  it("replaces its own earlier output, marked as its own, and cleans up after a run killed outright", () => {
    const out = path.join(work, "owned");
    expect(earlierOutput("staging", out).code).toBe(0);
    expect(fs.readFileSync(path.join(out, ".mlops-cicd-output"), "utf8")).toMatch(/^mlops-cicd synth\n/);
    // What a SIGKILLed run leaves: a marked staging directory of a dead process.
    const leftover = `${out}.mlops-cicd-tmp-999999`;
    fs.mkdirSync(leftover);
    fs.writeFileSync(path.join(leftover, ".mlops-cicd-output"), "mlops-cicd synth\n");
    fs.writeFileSync(path.join(out, "stale.txt"), "from before");
    // A folder of someone else's that merely looks like a leftover is never touched, even by the
    // run that cleans up the real one beside it.
    const lookalike = `${out}.old-2023`;
    fs.mkdirSync(lookalike);
    fs.writeFileSync(path.join(lookalike, "notes.txt"), "precious");
    expect(synth(["--stack", "staging", "--out", out]).code).toBe(0);
    expect(fs.existsSync(path.join(out, "stale.txt"))).toBe(false);
    expect(readTree(out)).toEqual(readTree(plainRun("staging").dir));
    expect(fs.existsSync(leftover)).toBe(false);
    expect(fs.readdirSync(work).filter((entry) => /\.mlops-cicd-(tmp|old)-\d+$/.test(entry))).toEqual([]);
    expect(fs.readFileSync(path.join(lookalike, "notes.txt"), "utf8")).toBe("precious");
  });

  it("leaves the old output or the new one whole, never neither, when interrupted at any point", async () => {
    const out = path.join(work, "interrupted");
    expect(earlierOutput("staging", out).code).toBe(0);
    const complete = readTree(out);
    for (const [signal, delay] of [["SIGINT", 50], ["SIGHUP", 700], ["SIGTERM", 1800]] as const) {
      const child = spawn(process.execPath, ["-r", REGISTER, CLI, "--stack", "staging", "--out", out], { cwd: ROOT, stdio: "ignore" });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (status) => resolve(status)));
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill(signal);
      const code = await exited;
      // null: killed while still loading, before the command handles signals; 0: it had finished.
      // Either way the output is whole (tests/output-dir.test.ts pins the exit code mid-work).
      expect([null, 0, 128 + { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 }[signal]]).toContain(code);
      expect(readTree(out)).toEqual(complete);
      expect(fs.readdirSync(work).filter((entry) => entry.startsWith("interrupted."))).toEqual([]);
    }
  }, 60_000);
});

describe("synth of a stack that breaks a mandatory policy", () => {
  // GIVEN the production stack with staging's stack file: valid config, but the stack's name makes
  // its database production, and staging's settings leave data protection off.
  const run = (out: string, ...more: string[]) => synth(["--stack", "production", "--config-file", path.join(ROOT, "Pulumi.staging.yaml"), "--out", out, ...more]);
  const DATABASE = "urn:pulumi:production::mlops-cicd::mlops-cicd:database:PostgresInstance$aws:rds/instance:Instance::database";

  it("exits 3, names the policy and the resource on stderr, and still writes the verdict", () => {
    const out = path.join(work, "policy-breach");
    const result = run(out);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      `Stack "production" violates 3 mandatory policies (written anyway: ${path.join(out, "policy.json")}; docs/policy.md says how to fix each):\n` +
        [
          "can be deleted. Set `deletionProtection: true`",
          "runs in a single availability zone. Set `multiAz: true`",
          "would be deleted without a final snapshot. Set `skipFinalSnapshot: false` and a `finalSnapshotIdentifier`",
        ]
          .map((problem) => `- [rds-production-data-protection] ${DATABASE}: Production database \`database\` ${problem} (config \`mlops-cicd:dataProtection: true\` sets it).\n`)
          .join(""),
    );
    const verdict = JSON.parse(fs.readFileSync(path.join(out, "policy.json"), "utf8")) as { policy: string; level: string; urn: string; message: string }[];
    expect(verdict.map(({ policy, level, urn }) => [policy, level, urn])).toEqual(Array(3).fill(["rds-production-data-protection", "mandatory", DATABASE]));
    expect(fs.readFileSync(path.join(out, "summary.md"), "utf8")).toContain(
      "## Policy (3 mandatory, 0 advisory)\n\nThe guardrail pack in `policy/` (docs/policy.md) over this stack's resources; `policy.json` holds the same list.\n\n" +
        `- **mandatory** \`rds-production-data-protection\` on \`${DATABASE}\`: Production database \`database\` can be deleted.`,
    );
    // The verdict is as deterministic as the rest of the output.
    const again = path.join(work, "policy-breach-again");
    expect(run(again).code).toBe(3);
    expect(readTree(again)).toEqual(readTree(out));
  });

  it("exits 0 when the policy config turns the policy advisory, which the verdict then says", () => {
    const config = path.join(work, "advisory.json");
    fs.writeFileSync(config, JSON.stringify({ "rds-production-data-protection": "advisory" }));
    const out = path.join(work, "policy-advisory");
    const result = run(out, "--policy-pack-config", config);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    const verdict = JSON.parse(fs.readFileSync(path.join(out, "policy.json"), "utf8")) as { level: string }[];
    expect(verdict.map((violation) => violation.level)).toEqual(["advisory", "advisory", "advisory"]);
  });

  it.each([
    ["not JSON", "{", "Cannot read the policy config"],
    ["not an object", "[]", "  • it must be a JSON object keyed by policy name."],
    ["an unknown policy", '{"rds-backups": "advisory"}', '  • "rds-backups" is not a policy of the pack. Policies: production-environment-protected,'],
    [
      "a misspelt level",
      '{"rds-production-data-protection": "mandatoryy"}',
      '  • "rds-production-data-protection": the enforcement level must be one of advisory, mandatory, remediate, disabled, got "mandatoryy". Did you mean "mandatory"?',
    ],
    [
      "a string for a boolean",
      '{"no-long-lived-cloud-keys": {"allowLongLivedCloudKeys": "true"}}',
      '  • "no-long-lived-cloud-keys.allowLongLivedCloudKeys" must be a JSON boolean, got "true" (string).',
    ],
    [
      "a misspelt property",
      '{"no-long-lived-cloud-keys": {"allowLongLivedCloudKey": true}}',
      '  • "no-long-lived-cloud-keys" has no property "allowLongLivedCloudKey". Did you mean "allowLongLivedCloudKeys"?',
    ],
  ])("exits 2 on a policy config file that is %s, writing nothing", (_label, content, fragment) => {
    const config = path.join(work, `policy-config-${content.length}.json`);
    fs.writeFileSync(config, content);
    const out = path.join(work, `never-policy-${content.length}`);
    const result = synth(["--stack", "staging", "--out", out, "--policy-pack-config", config]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(fragment);
    expect(fs.existsSync(out)).toBe(false);
  });
});
