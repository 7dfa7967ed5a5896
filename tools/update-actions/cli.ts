/**
 * `npm run update-actions -- --body <file> [--github-output <file>] [--actions-file <file>]`
 *
 * Moves every pin of workflows/actions.ts whose repository has a newer release (not a draft, not a
 * prerelease) to that release's commit, and writes the pull request's body to `--body`. With
 * `--github-output` (a step's `$GITHUB_OUTPUT`) it also sets `changed` (`true` or `false`) and
 * `title`. When nothing moved, neither the file nor the body is written. Re-rendering and the pull
 * request are the workflow's next steps (workflows/platform/update-actions.ts). `--actions-file`
 * names a copy of workflows/actions.ts to work on instead.
 *
 * Reads GitHub's API (`GITHUB_API_URL`, which runners set, or api.github.com) anonymously, or
 * with `GITHUB_TOKEN` when set (a higher rate limit). Exit
 * codes: 0 done, 2 bad arguments, 1 anything else (an API failure, a pin it cannot read).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError, parseOptions, runCommand } from "../command-line";
import { ACTIONS } from "../../workflows/actions";
import { Fetch, GitHubApi } from "./github";
import { PinChange, PinLine, parsePins, rewritePins } from "./pins";
import { Plan, planUpdates, pullRequestBody, pullRequestTitle } from "./plan";

const USAGE = "usage: npm run update-actions -- --body <file> [--github-output <file>] [--actions-file <file>]";
const ROOT = path.resolve(__dirname, "../..");
export const ACTIONS_FILE = path.join(ROOT, "workflows", "actions.ts");

export interface UpdateActionsOptions {
  /** workflows/actions.ts, or a copy of it. */
  readonly file: string;
  readonly body: string;
  readonly githubOutput?: string;
  readonly api: GitHubApi;
}

/** What moved, and what could not; the file, the body and the outputs are written as the options say. */
export async function updateActions(options: UpdateActionsOptions): Promise<Plan> {
  const text = fs.readFileSync(options.file, "utf8");
  const pins = parsePins(text);
  const plan = await planUpdates(pins, options.api);
  const { updates } = plan;
  if (updates.length > 0) {
    const changes = new Map<string, PinChange>(updates.flatMap((update) => update.keys.map((key) => [key, { sha: update.to.sha, version: update.to.version }] as const)));
    fs.writeFileSync(options.file, rewritePins(text, changes));
    fs.writeFileSync(options.body, pullRequestBody(updates));
  }
  if (options.githubOutput !== undefined) {
    const outputs = updates.length > 0 ? `changed=true\ntitle=${pullRequestTitle(updates)}\n` : "changed=false\n";
    fs.appendFileSync(options.githubOutput, outputs);
  }
  return plan;
}

/** The file as read must be the pins the workflows render with: a pin the text hides from the updater would never move. */
export function checkAgainstModule(pins: readonly PinLine[]): void {
  const read = Object.fromEntries(pins.map((pin) => [pin.key, `${pin.action}@${pin.sha} ${pin.version}`]));
  const loaded = Object.fromEntries(Object.entries(ACTIONS).map(([key, ref]) => [key, `${ref.action}@${ref.sha} ${ref.version}`]));
  if (JSON.stringify(read) !== JSON.stringify(loaded)) {
    throw new Error("workflows/actions.ts declares pins the updater does not read as lines: keep every ACTIONS entry as one `key: pin(...)` line.");
  }
}

async function main(): Promise<number> {
  const values = parseOptions(process.argv.slice(2), { body: { type: "string" }, "github-output": { type: "string" }, "actions-file": { type: "string" } }, USAGE);
  if (!values.body) throw new UsageError("--body is required: where to write the pull request's body.", USAGE);
  const file = values["actions-file"] ?? ACTIONS_FILE;
  checkAgainstModule(parsePins(fs.readFileSync(file, "utf8")));
  // Empty variables (an unset secret in a workflow) count as unset.
  const token = process.env.GITHUB_TOKEN === "" ? undefined : process.env.GITHUB_TOKEN;
  const apiUrl = process.env.GITHUB_API_URL === undefined || process.env.GITHUB_API_URL === "" ? undefined : process.env.GITHUB_API_URL;
  const api = new GitHubApi(globalThis.fetch as Fetch, token, apiUrl);
  const { updates, withoutRelease } = await updateActions({ file, body: values.body, githubOutput: values["github-output"], api });
  // A workflow annotation: the run summary shows which pins nobody keeps current.
  for (const repository of withoutRelease) process.stdout.write(`::warning::${repository} has no release to compare its pin with (only tags, drafts or prereleases): update it by hand.\n`);
  for (const update of updates) process.stdout.write(`${update.repository}: ${update.from.version} → ${update.to.version} (${update.to.sha})${update.major ? ", a major release" : ""}\n`);
  if (updates.length === 0) process.stdout.write("No pin has a newer release.\n");
  return 0;
}

if (require.main === module) runCommand("update-actions", main);
