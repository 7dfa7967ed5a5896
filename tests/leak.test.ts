/**
 * GIVEN a marker planted in every secret input of a stack
 * WHEN the program is synthesized, written out, or rejects bad config
 * THEN the marker appears nowhere in plain text.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CONFIG_KEYS, qualifiedKey } from "../infra/config-schema";
import { STACKS, runProgram } from "./harness";

const MARKER = /leakmarker/i;

/** A value for each secret key that passes its validation and carries the marker. */
const PLANTED: Record<string, string> = {
  "mlops-cicd:slackWebhookUrl": "https://hooks.slack.com/services/LEAKMARKER/LEAKMARKER/LEAKMARKER",
  "mlops-cicd:awsAccessKeyId": "AKIALEAKMARKER000001",
  "mlops-cicd:ghcrToken": "ghp_LEAKMARKERleakmarkerLEAKMARKERleakmark",
  "mlops-cicd:awsSecretAccessKey": "LEAKMARKERleakmarkerLEAKMARKERleakmarker",
};

function allFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? allFiles(full) : [full];
  });
}

it("plants a marker in every secret the schema declares", () => {
  const secretKeys = CONFIG_KEYS.filter((spec) => spec.secret !== undefined).map((spec) => qualifiedKey(spec.key));
  expect(Object.keys(PLANTED).sort()).toEqual(secretKeys.sort());
});

describe.each(STACKS)("stack %s", (stack) => {
  let out: string;
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it("never writes a planted secret to any synth output", async () => {
    const run = await runProgram(stack, { ...PLANTED, "mlops-cicd:allowLongLivedAwsKeys": true }, Object.keys(PLANTED));
    // The secrets were used: they reached resources, redacted.
    expect(run.resources.filter((resource) => JSON.stringify(resource.inputs).includes("[secret]")).length).toBeGreaterThanOrEqual(3);

    out = fs.mkdtempSync(path.join(os.tmpdir(), `leak-${stack}-`));
    const { writeSynthOutput } = await import("../tools/synth/write-output");
    writeSynthOutput(run, out);
    const files = allFiles(out);
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) {
      expect({ file, leaked: MARKER.test(fs.readFileSync(file, "utf8")) }).toEqual({ file, leaked: false });
    }
    expect(JSON.stringify(run.outputs)).not.toMatch(MARKER);
    expect(JSON.stringify(run.resources)).not.toMatch(MARKER);
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
