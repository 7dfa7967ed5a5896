/**
 * GIVEN a marker planted in every secret input of a stack
 * WHEN the program is synthesized, written out, or rejects bad config
 * THEN the marker appears nowhere in plain text.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { CONFIG_KEYS } from "../infra/config-schema";
import { qualifiedKey } from "../contracts/project";
import { buildComment as buildCommentText, parsePreview } from "../tools/pr-comment";
import { ROOT, STACKS, runProgram } from "./harness";
import { Pictures } from "./mermaid";

const pictures = new Pictures();
const buildComment = pictures.collect(buildCommentText);

const MARKER = /leakmarker/i;

/** A value for each secret key that passes its validation and carries the marker. */
const PLANTED: Record<string, string> = {
  "mlops-cicd:slackWebhookUrl": "https://hooks.slack.com/services/LEAKMARKER/LEAKMARKER/LEAKMARKER",
  "mlops-cicd:awsAccessKeyId": "AKIALEAKMARKER000001",
  "mlops-cicd:ghcrToken": "ghp_LEAKMARKERleakmarkerLEAKMARKERleakmark",
  "mlops-cicd:ghcrPullToken": "ghp_LEAKMARKERpullmarkerLEAKMARKERpullmar",
  "mlops-cicd:awsSecretAccessKey": "LEAKMARKERleakmarkerLEAKMARKERleakmarker",
};

function allFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? allFiles(full) : [full];
  });
}

it("clears every variable the program's providers read from the environment", () => {
  const { PROVIDER_ENVIRONMENT } = jest.requireActual<typeof import("../tools/synth/synthesize")>("../tools/synth/synthesize");
  for (const provider of ["aws", "docker", "github", "random"]) {
    const source = fs.readFileSync(path.join(ROOT, "node_modules", "@pulumi", provider, "provider.js"), "utf8");
    const read = [...source.matchAll(/getEnv[A-Za-z]*\(([^)]*)\)/g)].flatMap((match) => [...(match[1] ?? "").matchAll(/"([A-Z0-9_]+)"/g)].map((name) => name[1]));
    for (const name of read) expect({ provider, name, cleared: PROVIDER_ENVIRONMENT.includes(name as string) }).toEqual({ provider, name, cleared: true });
  }
});

it("plants a marker in every secret the schema declares", () => {
  const secretKeys = CONFIG_KEYS.filter((spec) => spec.secret !== undefined).map((spec) => qualifiedKey(spec.key));
  expect(Object.keys(PLANTED).sort()).toEqual(secretKeys.sort());
});

describe.each(STACKS)("stack %s", (stack) => {
  let out: string;
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it("never writes a planted secret to any synth output", async () => {
    // The providers' own variables too: a developer's shell holds them, and a Docker host URL can carry a password.
    Object.assign(process.env, {
      DOCKER_HOST: "ssh://deploy:LEAKMARKER@docker.example.com",
      GITHUB_TOKEN: "ghp_LEAKMARKERleakmarkerLEAKMARKERleakmark",
      AWS_SESSION_TOKEN: "LEAKMARKER",
    });
    const run = await runProgram(stack, { ...PLANTED, "mlops-cicd:allowLongLivedAwsKeys": true }, Object.keys(PLANTED));
    // The secrets were used: they reached resources, redacted.
    expect(run.resources.filter((resource) => JSON.stringify(resource.inputs).includes("[secret]")).length).toBeGreaterThanOrEqual(3);

    out = fs.mkdtempSync(path.join(os.tmpdir(), `leak-${stack}-`));
    const { writeSynthOutput } = await import("../tools/synth/write-output");
    writeSynthOutput(run, out);
    const files = allFiles(out);
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(files).toContain(path.join(out, "policy.json"));
    for (const file of files) {
      expect({ file, leaked: MARKER.test(fs.readFileSync(file, "utf8")) }).toEqual({ file, leaked: false });
    }
    expect(JSON.stringify(run.outputs)).not.toMatch(MARKER);
    expect(JSON.stringify(run.resources)).not.toMatch(MARKER);
    // The policies saw the resources that carry the keys (and objected), without repeating them.
    expect(run.policy.filter((violation) => violation.policy === "no-long-lived-cloud-keys").map((violation) => violation.message)).toEqual([
      expect.stringContaining("Actions secret `AWS_ACCESS_KEY_ID`"),
      expect.stringContaining("Actions secret `AWS_SECRET_ACCESS_KEY`"),
    ]);
    expect(JSON.stringify(run.policy)).not.toMatch(MARKER);
  });

  it("never repeats a planted secret in a config error", async () => {
    const broken = {
      "mlops-cicd:slackWebhookUrl": "http://leakmarker-hooks.invalid",
      "mlops-cicd:awsAccessKeyId": "leakmarker",
      "mlops-cicd:awsSecretAccessKey": "leakmarker",
      "mlops-cicd:allowLongLivedAwsKeys": true,
    };
    const error = await runProgram(stack, broken, Object.keys(PLANTED)).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(error?.name).toBe("ConfigError");
    expect(error?.message).toContain("`mlops-cicd:slackWebhookUrl` must use https://");
    expect(error?.message).toContain("`mlops-cicd:awsSecretAccessKey` must be a 40-character AWS secret access key.");
    expect(error?.message).not.toMatch(MARKER);
  });
});

it("never repeats a credential it flags in a plain config value", async () => {
  // A plain (unencrypted) value the program accepts and commits, shaped like a URL with a password.
  const command = "curl -fsS https://ci:leakmarker-pw@artifacts.example.com/run-tests.sh | sh";
  const run = await runProgram("production", { "mlops-cicd:appTestCommand": command });
  expect(run.policy).toContainEqual({
    policy: "no-credentials-in-plain-values",
    level: "mandatory",
    urn: run.resources.find((resource) => resource.type === "pulumi:pulumi:Stack")?.urn,
    message:
      "Config key `mlops-cicd:appTestCommand` holds, in plain text, what looks like a URL with a password. Rotate it and store it encrypted: pulumi config set --secret mlops-cicd:appTestCommand <value>.",
  });
  expect(JSON.stringify(run.policy)).not.toMatch(MARKER);
  const { renderSummary } = await import("../tools/synth/write-output");
  expect(renderSummary(run).slice(renderSummary(run).indexOf("## Policy"))).not.toMatch(MARKER);
});

describe("the synth command with planted secrets and a policy violation", () => {
  it("never prints or writes them, on its way to exit 3", () => {
    // GIVEN encrypted stack-file secrets whose ciphertext carries the marker, provider credentials in
    // the environment carrying it too, and a stack that breaks a mandatory policy (production
    // named, staging's settings), so synth takes its violation path.
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "leak-cli-"));
    try {
      const staging = parse(fs.readFileSync(path.join(ROOT, "Pulumi.staging.yaml"), "utf8")) as { config: Record<string, unknown> };
      const file = path.join(work, "Pulumi.production.yaml");
      fs.writeFileSync(
        file,
        stringify({
          config: {
            ...staging.config,
            "mlops-cicd:ghcrToken": { secure: "v1:LEAKMARKER:bGVha21hcmtlcg==" },
            "mlops-cicd:slackWebhookUrl": { secure: "v1:LEAKMARKER:c2xhY2s=" },
          },
        }),
      );
      const out = path.join(work, "out");
      const environment = { ...process.env, GITHUB_TOKEN: "ghp_LEAKMARKERenv", AWS_SECRET_ACCESS_KEY: "LEAKMARKERenv", PULUMI_CONFIG_PASSPHRASE: "leakmarker" };
      const result = spawnSync(process.execPath, ["-r", path.join(ROOT, "tools", "register.js"), path.join(ROOT, "tools", "synth", "cli.ts"), "--stack", "production", "--config-file", file, "--out", out], {
        cwd: ROOT,
        encoding: "utf8",
        env: environment,
      });

      // WHEN it exits on the policy violation THEN neither its messages nor any file it wrote holds a marker.
      expect(result.status).toBe(3);
      expect(result.stderr).toContain("[rds-production-data-protection]");
      expect(result.stderr).not.toMatch(MARKER);
      expect(result.stdout).not.toMatch(MARKER);
      const files = allFiles(out);
      expect(files).toContain(path.join(out, "policy.json"));
      for (const written of files) {
        expect({ written, leaked: MARKER.test(fs.readFileSync(written, "utf8")) }).toEqual({ written, leaked: false });
      }
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});

/** Pulumi's wire form of a secret: the engine's JSON carries it this way when secrets are not masked. */
const envelope = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });

/** Every `[secret]` synth wrote, given back its value: the worst case a preview's JSON could hold. */
function unmask(value: unknown, planted: string): unknown {
  if (value === "[secret]") return envelope(planted);
  if (Array.isArray(value)) return value.map((item) => unmask(item, planted));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unmask(item, planted)]));
  return value;
}

describe("the pull-request comment", () => {
  it.each(STACKS)("never shows a planted secret of %s, even from a preview that carries them unmasked", async (stack) => {
    // GIVEN a preview of the stack as `pulumi preview --json --show-secrets` would print it: the planted
    // operator secrets in the config, and every secret input of every resource carried in clear
    const run = await runProgram(stack, { ...PLANTED, "mlops-cicd:allowLongLivedAwsKeys": true }, Object.keys(PLANTED));
    const [planted] = Object.values(PLANTED);
    // The resources that hold secrets: few enough that every detail fits in the comment, so nothing
    // is hidden by truncation alone.
    const steps = run.resources
      .filter((resource) => resource.custom && JSON.stringify(resource.inputs).includes("[secret]"))
      .map((resource, index) => {
        const inputs = unmask(resource.inputs, Object.values(PLANTED)[index % Object.values(PLANTED).length]) as Record<string, unknown>;
        const state = { urn: resource.urn, type: resource.type, custom: true, inputs, outputs: inputs, parent: resource.parent ?? "" };
        // Half the resources change in place with their secrets on both sides of the diff.
        return index % 2 === 0
          ? { op: "create", urn: resource.urn, provider: resource.provider ?? "", newState: state }
          : {
              op: "update",
              urn: resource.urn,
              provider: resource.provider ?? "",
              oldState: unmask(state, planted),
              newState: state,
              diffReasons: Object.keys(inputs),
              detailedDiff: Object.fromEntries(Object.keys(inputs).map((key) => [key, { kind: "update", inputDiff: true }])),
            };
      });
    const preview = parsePreview(JSON.stringify({ config: { ...PLANTED }, steps, changeSummary: { create: Math.ceil(steps.length / 2), update: Math.floor(steps.length / 2) } }));
    expect(JSON.stringify(preview)).toMatch(MARKER);

    // WHEN the comment is rendered, with and without room for every detail
    const comment = buildComment([{ stack, preview }]);

    // THEN the secrets are masked wherever they were, and the comment still shows the changes.
    expect(steps.length).toBeGreaterThanOrEqual(3);
    for (const step of steps) expect(comment).toContain(step.urn.split("::").at(-1) as string);
    expect(comment).toContain("[secret]");
    expect(comment).not.toMatch(MARKER);
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
