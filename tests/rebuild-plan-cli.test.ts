/**
 * `npm run rebuild-plan` as an operator runs it: a child process per run, real exit codes and files.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { ROOT } from "./harness";

const CLI = path.join(ROOT, "tools", "rebuild-plan", "cli.ts");
const REGISTER = path.join(ROOT, "tools", "register.js");
const REBUILD = path.join(ROOT, "tests", "fixtures", "rebuild", "Pulumi.production-dr.yaml");
const USAGE = "usage: npm run rebuild-plan -- --stack <name> [--config-file <path>] [--parallel <n>] [--import-file <path>]";

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "rebuild-plan-cli-"));
});
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

function rebuildPlan(args: string[]) {
  const result = spawnSync(process.execPath, ["-r", REGISTER, CLI, ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("npm run rebuild-plan of the production rebuild", () => {
  let run: ReturnType<typeof rebuildPlan>;
  const importFile = () => path.join(work, "adopt.json");
  beforeAll(() => {
    run = rebuildPlan(["--stack", "production-dr", "--config-file", REBUILD, "--import-file", importFile()]);
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
    expect(run.stdout).toContain("  0:10:00  Adopt the restored database's roles and databases");
    expect(run.stdout).toMatch(/^RTO estimate: \d:\d\d:\d\d against the target of 4:00:00: within it, \d:\d\d:\d\d to spare\.$/m);
  });

  it("prints the same bytes every time", () => {
    const again = rebuildPlan(["--stack", "production-dr", "--config-file", REBUILD, "--import-file", path.join(work, "again.json")]);
    expect(again.stdout.replaceAll(path.join(work, "again.json"), importFile())).toBe(run.stdout);
    expect(fs.readFileSync(path.join(work, "again.json"), "utf8")).toBe(fs.readFileSync(importFile(), "utf8"));
  });

  it("writes the import document that adopts the restored roles and databases, with the command to run", () => {
    const document = JSON.parse(fs.readFileSync(importFile(), "utf8")) as {
      nameTable: Record<string, string>;
      resources: { type: string; name: string; id: string; parent: string; provider: string }[];
    };
    expect(document.resources.map((entry) => `${entry.type.split(":").at(-1)} ${entry.id}`).sort()).toEqual([
      "Database grafana",
      "Database metrics",
      "Database mlflow",
      "Role grafana",
      "Role metrics_owner",
      "Role metrics_reader",
      "Role metrics_writer",
      "Role mlflow",
    ]);
    for (const entry of document.resources) {
      expect(document.nameTable[entry.parent]).toMatch(/^urn:pulumi:production-dr::mlops-cicd::mlops-cicd:database:/);
      expect(document.nameTable[entry.provider]).toBe(
        "urn:pulumi:production-dr::mlops-cicd::mlops-cicd:database:ApplicationDatabases$pulumi:providers:postgresql::databases-admin",
      );
    }
    expect(run.stdout).toContain(
      `After the first pulumi up: pulumi import --stack production-dr --file ${importFile()} --protect=false --yes`,
    );
  });

  it("moves the database off the critical path when there is nothing to restore", () => {
    const empty = rebuildPlan(["--stack", "staging", "--import-file", path.join(work, "never.json")]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain("The database is created empty (no dbSnapshotIdentifier or dbRestoreSource).");
    expect(empty.stdout).not.toContain("Adopt the restored database's roles and databases");
    expect(empty.stdout).toContain(`Nothing to adopt: stack staging creates its database empty, so ${path.join(work, "never.json")} was not written.`);
    expect(fs.existsSync(path.join(work, "never.json"))).toBe(false);
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
