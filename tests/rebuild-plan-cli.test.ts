/**
 * `npm run rebuild-plan` as an operator runs it: a child process per run, real exit codes and files.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { DEFAULT_PARALLELISM } from "../tools/rebuild-plan/durations";
import { planRebuild, renderPlan } from "../tools/rebuild-plan/plan";
import { ROOT, runProgram } from "./harness";
import { runTool } from "./run-tool";

const REBUILD = path.join(ROOT, "tests", "fixtures", "rebuild", "Pulumi.production-dr.yaml");
const USAGE = "usage: npm run rebuild-plan -- --stack <name> [--config-file <path>] [--parallel <n>]";

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "rebuild-plan-cli-"));
});
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

const rebuildPlan = (args: string[]) => runTool("rebuild-plan/cli.ts", args);

describe("npm run rebuild-plan of the production rebuild", () => {
  let run: ReturnType<typeof rebuildPlan>;
  beforeAll(() => {
    run = rebuildPlan(["--stack", "production-dr", "--config-file", REBUILD]);
  });

  it("prints the critical path through the restored database, step by step, then the RTO against its target", () => {
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toMatch(/^Rebuild plan of stack production-dr: \d+ resources created from empty state\.$/);
    expect(lines[1]).toBe("The database is restored from a snapshot or backups.");
    const restore = lines.find((line) => line.includes(" aws:rds/instance:Instance "));
    // The row of the database: its start, its 40 minutes (restored, Multi-AZ), its end.
    expect(restore).toMatch(/^\s+\d+\s+0:0\d:\d\d\s+0:40:00\s+0:4\d:\d\d\s+aws:rds\/instance:Instance\s+database$/);
    expect(run.stdout).toMatch(/^Critical path: \d:\d\d:\d\d \(no parallelism shortens it\)\.$/m);
    expect(run.stdout).toContain("this plan assumes 8 (a 2-CPU runner; --parallel changes it)");
    // The restored server's roles are the provisioner's work inside pulumi up, not an operator step.
    expect(run.stdout).not.toContain("Adopt the restored database");
    expect(run.stdout).toMatch(/^RTO estimate: \d:\d\d:\d\d against the target of 4:00:00: within it, \d:\d\d:\d\d to spare\.$/m);
  });

  it("prints the same bytes every time", async () => {
    // Another synth of the same stack, made apart from the command (the harness's, shared with the
    // other files that read this stack), rendered by the same plan: the bytes depend on nothing else.
    const again = await runProgram("production-dr", {}, [], undefined, { configFile: REBUILD });
    expect(renderPlan(planRebuild("production-dr", again.resources, DEFAULT_PARALLELISM))).toBe(run.stdout);
  });

  it("moves the database off the critical path when there is nothing to restore", () => {
    const empty = rebuildPlan(["--stack", "staging"]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain("The database is created empty (no dbSnapshotIdentifier or dbRestoreSource).");
    expect(empty.stdout).not.toContain("Copy the artifacts from the replica");
  });

  it("queues operations at a lower parallelism", () => {
    const serial = rebuildPlan(["--stack", "production-dr", "--config-file", REBUILD, "--parallel", "1"]);
    const at = (output: string, parallelism: number) => output.match(new RegExp(`^pulumi up at parallelism ${parallelism}: (\\d+):(\\d\\d):(\\d\\d)\\.$`, "m"));
    const [, h1, m1, s1] = at(serial.stdout, 1) ?? [];
    const [, h8, m8, s8] = at(run.stdout, 8) ?? [];
    const seconds = (h?: string, m?: string, s?: string) => Number(h) * 3600 + Number(m) * 60 + Number(s);
    expect(seconds(h1, m1, s1)).toBeGreaterThan(seconds(h8, m8, s8));
  });
});

describe("npm run rebuild-plan with bad input exits 2 with one message", () => {
  it("an unknown stack", () => {
    const result = rebuildPlan(["--stack", "qa"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      `No stack file ${path.join(ROOT, "Pulumi.qa.yaml")}. Known stacks: production, staging; pass one with --stack, or a file with --config-file.\n`,
    );
  });

  it("a missing stack, an unknown option or a bad parallelism", () => {
    expect(rebuildPlan([])).toMatchObject({ code: 2, stderr: `--stack is required.\n${USAGE}\n` });
    const unknown = rebuildPlan(["--stack", "staging", "--fast"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--fast'");
    expect(rebuildPlan(["--stack", "staging", "--parallel", "0"])).toMatchObject({
      code: 2,
      stderr: `--parallel must be a whole number of at least 1, got "0".\n${USAGE}\n`,
    });
  });

  it("a rebuild config that breaks a rule", () => {
    const base = parse(fs.readFileSync(REBUILD, "utf8")) as { config: Record<string, unknown> };
    const file = path.join(work, "both-restores.yaml");
    fs.writeFileSync(file, stringify({ config: { ...base.config, "mlops-cicd:dbRestoreSource": "mlops-cicd-production", "mlops-cicd:dbRestoreTime": "latest" } }));
    const result = rebuildPlan(["--stack", "production-dr", "--config-file", file]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^Stack "production-dr" has 1 configuration problem; nothing was changed:\n/);
    expect(result.stderr).toContain("`mlops-cicd:dbSnapshotIdentifier` and `mlops-cicd:dbRestoreSource` are both set");
  });
});
