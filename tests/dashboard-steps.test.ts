/**
 * The application team's dashboards in ci-cd.yml, as rendered: the lint job's check and the deploy
 * jobs' check-then-sync, each step's script run with bash in a scratch repository, with a fake
 * `aws` on PATH that records what it was asked to upload. A refused dashboard names its problem
 * and nothing reaches the bucket.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { renderedWorkflowsByStack } from "../tools/render-workflows";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed workflow documents
type Doc = any;

const ciCd = parse(renderedWorkflowsByStack().get("production")!.get("ci-cd.yml")!) as Doc;
const stepOf = (job: string, name: string): { env: Record<string, string>; run: string; if?: string } => {
  const step = (ciCd.jobs[job].steps as Doc[]).find((candidate) => candidate.name === name);
  if (!step) throw new Error(`No step "${name}" in ci-cd.yml's ${job}.`);
  return step;
};
const LOAD = "Load the team's dashboards into Grafana";
const CHECK = "Check the team's Grafana dashboards";
const URI = "s3://mlops-cicd-staging-artifacts-abc/grafana-dashboards/";

interface Result {
  readonly status: number | null;
  readonly stdout: string;
  /** The fake aws's calls: its arguments, then every file it would upload with its content. */
  readonly uploads: { readonly args: string; readonly files: Record<string, string> }[];
}

/** The regular files under `dir` (no folders, no links), by path relative to it, in byte order. */
function regularFiles(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(name);
      else if (entry.isFile()) files[name] = fs.readFileSync(path.join(dir, name), "utf8");
    }
  };
  walk("");
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
}

/** Runs a step's script in a repository holding `files` (path → content, or a symlink target). */
function runStep(
  job: string,
  name: string,
  files: Record<string, string | { symlinkTo: string }>,
  vars: Record<string, string> = {},
  /** Values the step's env would have under another config. */
  override: Record<string, string> = {},
): Result {
  const step = stepOf(job, name);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "dashboards-"));
  try {
    const repository = path.join(root, "repository");
    const bin = path.join(root, "bin");
    fs.mkdirSync(repository);
    fs.mkdirSync(bin);
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(repository, file)), { recursive: true });
      if (typeof content === "string") fs.writeFileSync(path.join(repository, file), content);
      else fs.symlinkSync(content.symlinkTo, path.join(repository, file));
    }
    // `aws s3 sync <dir> <uri> …`: each call a folder under calls/, its arguments and a copy of
    // <dir> (the upload), read back below; bash builtins and one cp keep the fake cheap.
    fs.writeFileSync(
      path.join(bin, "aws"),
      [
        "#!/bin/bash",
        "shopt -s nullglob",
        `calls=("${root}/calls"/*)`,
        `call="${root}/calls/\${#calls[@]}"`,
        'mkdir -p "$call/files"',
        'printf %s "$*" > "$call/args"',
        'cp -R "$3/." "$call/files"',
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    // What GitHub would put in `env:` for this step: vars expanded, literals as rendered.
    const env = Object.fromEntries(
      Object.entries(step.env).map(([key, value]) => [key, String(value).replace(/\$\{\{ vars\.([A-Z_]+) \}\}/g, (_, variable: string) => vars[variable] ?? "")]),
    );
    const run = spawnSync("bash", ["-c", step.run], {
      cwd: repository,
      env: { PATH: `${bin}:${process.env.PATH ?? ""}`, HOME: root, TMPDIR: root, ...env, ...override },
      encoding: "utf8",
      // No socket on stdin: bash would take itself for a remote shell and read ~/.bashrc.
      stdio: ["ignore", "pipe", "pipe"],
    });
    const calls = path.join(root, "calls");
    const uploads = fs.existsSync(calls)
      ? fs
          .readdirSync(calls)
          .sort((a, b) => Number(a) - Number(b))
          .map((call) => ({ args: fs.readFileSync(path.join(calls, call, "args"), "utf8"), files: regularFiles(path.join(calls, call, "files")) }))
      : [];
    // The staging copy lives in TMPDIR and is gone once the step ends.
    expect(fs.readdirSync(root).sort()).toEqual(fs.existsSync(path.join(root, "calls")) ? ["bin", "calls", "repository"] : ["bin", "repository"]);
    return { status: run.status, stdout: run.stdout + run.stderr, uploads };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const DIR = "05-monitoring/dashboards";
const dashboard = (uid: string, title: string, extra: Record<string, unknown> = {}) => `${JSON.stringify({ uid, title, panels: [], ...extra }, null, 2)}\n`;
const VALID = {
  [`${DIR}/trips.json`]: dashboard("trips", "Trips"),
  [`${DIR}/serving/latency.json`]: dashboard("serving_latency-1", "Serving latency"),
  [`${DIR}/README.md`]: "How to add a dashboard.\n",
  "05-monitoring/other.json": dashboard("elsewhere", "Not in the folder"),
};

describe("the rendered steps", () => {
  it("checks in the lint job on every event, even after a linter failed, without AWS", () => {
    const step = stepOf("lint", CHECK);
    expect(step.if).toBe("!cancelled()");
    expect(step.env).toEqual({
      DASHBOARDS_DIR: DIR,
      RESERVED_UID_PREFIX: "mlops-",
      MAX_DASHBOARD_BYTES: "1048576",
      PLATFORM_DATASOURCE_UIDS: "mlops-metrics mlops-cloudwatch",
    });
    expect(ciCd.jobs.lint.permissions).toEqual({ contents: "read" });
  });

  it.each(["deploy-staging", "deploy-production"])("loads in %s after the checkout and the OIDC credentials, before the rollout", (job) => {
    const names = (ciCd.jobs[job].steps as Doc[]).map((step) => step.name);
    expect(names.slice(0, 4)).toEqual(["Check out", "Configure AWS credentials (OIDC)", LOAD, names[3]]);
    expect(names[3]).not.toBe(LOAD);
    expect(stepOf(job, LOAD).env).toEqual({
      DASHBOARDS_DIR: DIR,
      RESERVED_UID_PREFIX: "mlops-",
      MAX_DASHBOARD_BYTES: "1048576",
      PLATFORM_DATASOURCE_UIDS: "mlops-metrics mlops-cloudwatch",
      DASHBOARDS_URI: "${{ vars.GRAFANA_DASHBOARDS_URI }}",
    });
  });
});

describe("loading a valid set", () => {
  it("uploads exactly the checked dashboards, folders kept, with --delete to the environment's prefix", () => {
    const result = runStep("deploy-staging", LOAD, VALID, { GRAFANA_DASHBOARDS_URI: URI });
    expect(result.status).toBe(0);
    expect(result.uploads).toHaveLength(1);
    expect(result.uploads[0]!.args).toMatch(new RegExp(`^s3 sync \\S+ ${URI} --delete --no-progress --content-type application/json$`));
    expect(result.uploads[0]!.files).toEqual({ "serving/latency.json": VALID[`${DIR}/serving/latency.json`], "trips.json": VALID[`${DIR}/trips.json`] });
    expect(result.stdout).toBe(
      `2 dashboard(s) in ${DIR} checked.\nGrafana loads the dashboards from ${URI} within a few minutes (folder Application).\n`,
    );
  });

  it("takes the folder with a trailing slash as the same folder", () => {
    const result = runStep("deploy-staging", LOAD, VALID, { GRAFANA_DASHBOARDS_URI: URI }, { DASHBOARDS_DIR: `${DIR}/` });
    expect(result.status).toBe(0);
    expect(Object.keys(result.uploads[0]!.files)).toEqual(["serving/latency.json", "trips.json"]);
  });

  it("escapes what would end an annotation's file property or start an escape", () => {
    const dir = "dash,boards:100%";
    const result = runStep("lint", CHECK, { [`${dir}/a.json`]: "[]" }, {}, { DASHBOARDS_DIR: dir });
    expect(result.stdout.split("\n")[0]).toBe(
      "::error file=dash%2Cboards%3A100%25/a.json::dash,boards:100%25/a.json is not one JSON object: Grafana loads a dashboard's JSON model (check it with jq . dash,boards:100%25/a.json).",
    );
  });

  it("empties the prefix when the repository has no dashboards directory: the repository is the whole set", () => {
    const result = runStep("deploy-staging", LOAD, { "README.md": "app\n" }, { GRAFANA_DASHBOARDS_URI: URI });
    expect(result.status).toBe(0);
    expect(result.uploads).toEqual([{ args: expect.stringMatching(/ --delete /), files: {} }]);
    expect(result.stdout).toContain(`No ${DIR} in the repository: the team has no dashboards of its own.\n0 dashboard(s) in ${DIR} checked.\n`);
  });

  it("only checks in the lint job: nothing is uploaded", () => {
    const result = runStep("lint", CHECK, VALID);
    expect({ status: result.status, uploads: result.uploads, stdout: result.stdout }).toEqual({ status: 0, uploads: [], stdout: `2 dashboard(s) in ${DIR} checked.\n` });
  });

  it("warns of each data source uid the platform does not provision, once, and still loads the dashboard", () => {
    // GIVEN a dashboard moved from the spec: its panels name the spec's own data source
    const panel = (uid: string) => ({ type: "timeseries", datasource: { type: "grafana-postgresql-datasource", uid }, targets: [{ refId: "A", datasource: { uid } }] });
    const moved = dashboard("drift", "Drift", {
      panels: [panel("PostgreSQL"), panel("mlops-metrics"), panel("${ds}"), { type: "row", panels: [panel("PostgreSQL"), panel("a%b,c")] }],
      annotations: { list: [{ datasource: { type: "grafana", uid: "-- Grafana --" } }] },
      templating: { list: [{ name: "ds", type: "datasource" }, { name: "cw", datasource: { type: "cloudwatch", uid: "mlops-cloudwatch" } }] },
    });
    const result = runStep("deploy-staging", LOAD, { [`${DIR}/drift.json`]: moved }, { GRAFANA_DASHBOARDS_URI: URI });
    // THEN each unknown uid is a warning on the file, and the dashboard is loaded all the same
    const warning = (uid: string) =>
      `::warning file=${DIR}/drift.json::${DIR}/drift.json names the data source uid "${uid}", which the platform's Grafana does not provision: its panels will show no data. ` +
      "Name one of: mlops-metrics mlops-cloudwatch.";
    expect(result.status).toBe(0);
    expect(result.stdout.split("\n").slice(0, 3)).toEqual([warning("PostgreSQL"), warning("a%25b,c"), `1 dashboard(s) in ${DIR} checked.`]);
    expect(Object.keys(result.uploads[0]!.files)).toEqual(["drift.json"]);
  });

  it("refuses an environment without the stack's variable, uploading nothing", () => {
    const result = runStep("deploy-production", LOAD, VALID, {});
    expect(result.status).toBe(1);
    expect(result.uploads).toEqual([]);
    expect(result.stdout).toContain(
      '::error::The environment\'s variable GRAFANA_DASHBOARDS_URI is "", not an s3://<bucket>/<prefix>/ URI: run `pulumi up` for the environment\'s stack, which sets it.\n',
    );
  });
});

describe("refusing a dashboard: every problem named, nothing uploaded", () => {
  const BIG = dashboard("big", "Big", { description: "x".repeat(1024 * 1024) });
  const file = `${DIR}/bad.json`;
  const refused = (problem: string, at = file) => `::error file=${at}::${at} ${problem}\n`;
  const CASES: [string, Record<string, string | { symlinkTo: string }>, string[]][] = [
    ["not JSON", { [file]: "{ uid: trips }" }, [refused(`is not one JSON object: Grafana loads a dashboard's JSON model (check it with jq . ${file}).`)]],
    ["a list", { [file]: "[]" }, [refused(`is not one JSON object: Grafana loads a dashboard's JSON model (check it with jq . ${file}).`)]],
    ["two objects", { [file]: "{}\n{}" }, [refused(`is not one JSON object: Grafana loads a dashboard's JSON model (check it with jq . ${file}).`)]],
    [
      "no uid",
      { [file]: JSON.stringify({ title: "Bad" }) },
      [refused("has no uid: give it one of 1 to 40 letters, digits, '-' or '_', so Grafana keeps its links and history.")],
    ],
    [
      "an API export",
      { [file]: JSON.stringify({ dashboard: { uid: "x", title: "X" }, meta: {} }) },
      [
        refused("has no top-level uid: it looks like an export from Grafana's HTTP API, which wraps the dashboard in `dashboard`; commit the object inside it."),
        refused("has no title: Grafana lists and finds dashboards by it."),
      ],
    ],
    ["a uid of 41 characters", { [file]: dashboard("a".repeat(41), "Bad") }, [refused(`has the uid "${"a".repeat(41)}": a uid is 1 to 40 letters, digits, '-' or '_'.`)]],
    ["a uid with a line break", { [file]: dashboard("a\nb", "Bad") }, [refused(`has the uid "a\\nb": a uid is 1 to 40 letters, digits, '-' or '_'.`)]],
    ["a numeric uid", { [file]: JSON.stringify({ uid: 7, title: "Bad" }) }, [refused("has the uid 7: a uid is 1 to 40 letters, digits, '-' or '_'.")]],
    [
      "a platform uid",
      { [file]: dashboard("MLOps-model-monitoring", "Bad") },
      [refused('has the uid "MLOps-model-monitoring": uids starting with "mlops-" (in any case) belong to the platform\'s dashboards; choose another.')],
    ],
    [
      "a uid twice",
      { [`${DIR}/a.json`]: dashboard("orders", "A"), [file]: dashboard("Orders", "B") },
      [refused(`has the uid "Orders", as ${DIR}/a.json has: Grafana keeps one dashboard per uid (in any case); choose another.`)],
    ],
    [
      "a title twice",
      { [`${DIR}/a.json`]: dashboard("a", "Orders"), [file]: dashboard("b", "Orders") },
      [refused(`has the title "Orders", as ${DIR}/a.json has: titles are unique within Grafana's folder Application.`)],
    ],
    ["a blank title", { [file]: dashboard("b", "  ") }, [refused("has no title: Grafana lists and finds dashboards by it.")]],
    [
      "a file over the limit",
      { [file]: BIG },
      [refused(`is ${Buffer.byteLength(BIG)} bytes, over the limit of 1048576: split the dashboard in two.`)],
    ],
    ["a symbolic link", { [`${DIR}/a.json`]: dashboard("a", "A"), [file]: { symlinkTo: "a.json" } }, [refused("is a symbolic link: commit the dashboard's JSON itself.")]],
    [
      "a name with a space",
      { [`${DIR}/my board.json`]: dashboard("b", "B") },
      [`::error::${DIR}/my\\ board.json has a name Grafana's folder will not take: use letters, digits, '.', '_', '-' and '/' only.\n`],
    ],
    [
      "a file where the folder goes",
      { [DIR]: "not a folder" },
      [refused("is not a directory: mlops-cicd:appDashboardsDirectory names the folder that holds the dashboards' JSON files.", DIR)],
    ],
  ];

  it.each(CASES)("%s", (_, files, problems) => {
    for (const [job, name] of [["deploy-staging", LOAD], ["lint", CHECK]] as const) {
      // Among valid dashboards, which pass on their own; a folder that is a file replaces them all.
      const repository = DIR in files ? files : { ...VALID, ...files };
      const result = runStep(job, name, repository, { GRAFANA_DASHBOARDS_URI: URI });
      expect({ job, status: result.status, uploads: result.uploads }).toEqual({ job, status: 1, uploads: [] });
      expect(result.stdout).toBe(
        `${problems.join("")}::error title=Dashboards refused::${problems.length} problem(s) in ${DIR}; no dashboard was loaded into Grafana.\n`,
      );
    }
  });
});
