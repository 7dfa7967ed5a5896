/**
 * The images this project builds: every Dockerfile passes the linter, the entrypoint passes
 * shellcheck, dependencies are pinned, and Grafana's baked-in files are the current rendering.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MLFLOW_CLIENTS, MlflowClient, alternateClientUsername, clientLoginVariables } from "../contracts/mlflow-clients";
import { GRAFANA_RDS_CA_BUNDLE, MLFLOW_RDS_CA_BUNDLE } from "../contracts/image-files";
import { lintDockerfile } from "../tools/dockerfile-lint";
import { IMAGES_DIR, renderedImageFiles } from "../tools/render-images";
import { SHELLCHECK } from "./workflow-validators";

const images = fs.readdirSync(IMAGES_DIR).filter((entry) => fs.existsSync(path.join(IMAGES_DIR, entry, "Dockerfile")));

it("finds the mlflow, grafana, dashboard-sync and bootstrap images", () => {
  expect(images.sort()).toEqual(["bootstrap", "dashboard-sync", "grafana", "mlflow"]);
});

describe("the bootstrap image's server (images/bootstrap/bootstrap.py, run with python3)", () => {
  const script = path.join(IMAGES_DIR, "bootstrap", "bootstrap.py");
  const env = { PATH: process.env.PATH ?? "", PYTHONUNBUFFERED: "1", SERVICE_NAME: "web-service", DEPLOYMENT_ENVIRONMENT: "staging", HEALTH_CHECK_PATH: "/ping" };
  const message =
    "No model is deployed to web-service in staging yet: it runs the platform's bootstrap image. Run the deploy-service workflow of the application repository to deploy one.";

  it("answers the health check with 200 and every other request with 503 not_deployed", async () => {
    const port = 20000 + (process.pid % 20000);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawn } = require("node:child_process") as typeof import("node:child_process");
    const server = spawn("python3", [script], { env: { ...env, PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"] });
    try {
      let exited: number | null | undefined;
      server.once("exit", (code) => (exited = code));
      const ask = async (pathName: string, method = "GET") => {
        for (let attempt = 0; ; attempt++) {
          try {
            const response = await fetch(`http://127.0.0.1:${port}${pathName}`, { method });
            return { status: response.status, body: (await response.json()) as unknown };
          } catch (error) {
            if (exited !== undefined) throw new Error(`bootstrap.py exited with ${exited}`);
            if (attempt >= 50) throw error;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      };
      expect(await ask("/ping")).toEqual({ status: 200, body: { status: "bootstrap", deployed: false } });
      expect(await ask("/predict", "POST")).toEqual({ status: 503, body: { error: "not_deployed", message } });
    } finally {
      server.kill();
    }
  });

  it("as a batch run (no PORT), says so and exits 0", () => {
    const run = spawnSync("python3", [script], { env, encoding: "utf8" });
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 0, stdout: `${message}\n` });
  });
});

function client(name: string): MlflowClient {
  const found = MLFLOW_CLIENTS.find((candidate) => candidate.username === name);
  if (!found) throw new Error(`no MLflow client ${name}`);
  return found;
}

type Login = { readonly username: string; readonly password: string };

/** A client's two logins as the MLflow task's environment carries them. */
function logins(name: string, current: Login, standby: Login): Record<string, string> {
  const entries: [string, string][] = [];
  for (const [which, login] of [["current", current], ["standby", standby]] as const) {
    const variables = clientLoginVariables(client(name), which);
    entries.push([variables.username, login.username], [variables.password, login.password]);
  }
  return Object.fromEntries(entries);
}

describe("MLflow's start-time access convergence (images/mlflow/ensure_access.py, run with python3)", () => {
  const script = path.join(IMAGES_DIR, "mlflow", "ensure_access.py");
  const harness = path.join(__dirname, "fixtures", "ensure_access_harness.py");
  const env = {
    MLFLOW_BACKEND_STORE_URI: "postgresql://mlflow@db/mlflow",
    MLFLOW_AUTH_DATABASE_URI: "postgresql://mlflow@db/mlflow_auth",
    MLFLOW_ADMIN_USERNAME: "admin",
    MLFLOW_ADMIN_PASSWORD: "new-admin",
    MLFLOW_MODEL_NAME: "taxi",
    MLFLOW_CLIENTS: "training:EDIT serving:READ",
    // The names the program gives the task (contracts/mlflow-clients.ts), so a rename on either
    // side fails here rather than at MLflow's start.
    ...logins("training", { username: "training", password: "t-pw" }, { username: alternateClientUsername(client("training")), password: "t-alt-pw" }),
    // After an odd rotation: the twin is current.
    ...logins("serving", { username: alternateClientUsername(client("serving")), password: "s-alt-pw" }, { username: "serving", password: "s-pw" }),
  };
  const converge = (scenario: Record<string, unknown>) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ensure-access-")), "scenario.json");
    fs.writeFileSync(file, JSON.stringify(scenario));
    const run = spawnSync("python3", [harness, script, file], { encoding: "utf8" });
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    if (run.status !== 0) throw new Error(run.stderr);
    return JSON.parse(run.stdout);
  };

  it("on an empty database: creates the model, the administrator and both logins of each client with its grant; the second start changes nothing but passwords", () => {
    const result = converge({ env });
    expect(result.models).toEqual(["taxi"]);
    expect(result.users).toEqual({
      admin: { password: "new-admin", is_admin: true },
      training: { password: "t-pw", is_admin: false },
      training_alt: { password: "t-alt-pw", is_admin: false },
      serving: { password: "s-pw", is_admin: false },
      serving_alt: { password: "s-alt-pw", is_admin: false },
    });
    expect(result.grants).toEqual({ "taxi/training": "EDIT", "taxi/training_alt": "EDIT", "taxi/serving": "READ", "taxi/serving_alt": "READ" });
    expect(result.runs[0].log).toEqual([
      "registered model taxi: created",
      "user admin: created",
      "user training: created",
      "user training: EDIT on registered model taxi",
      "user training_alt: created",
      "user training_alt: EDIT on registered model taxi",
      "user serving_alt: created",
      "user serving_alt: READ on registered model taxi",
      "user serving: created",
      "user serving: READ on registered model taxi",
    ]);
    expect(result.runs[1].log).toEqual([
      "user admin: password set",
      "user training: password set",
      "user training_alt: password set",
      "user serving_alt: password set",
      "user serving: password set",
    ]);
    // The users apart from the runs: before MLflow 3.6 both stores version in alembic_version.
    expect(result.opened[0]).toEqual(["postgresql://mlflow@db/mlflow", "postgresql://mlflow@db/mlflow_auth"]);
  });

  it("after a restore: sets the lost stack's passwords to this stack's, narrows a widened grant, and leaves hand-made users alone", () => {
    const result = converge({
      env,
      models: ["taxi"],
      users: { admin: { password: "old", is_admin: true }, training: { password: "old", is_admin: true }, analyst: { password: "a", is_admin: false } },
      grants: { "taxi/training": "MANAGE", "taxi/analyst": "READ" },
    });
    expect(result.users.admin.password).toBe("new-admin");
    expect(result.users.training).toEqual({ password: "t-pw", is_admin: false });
    expect(result.users.analyst).toEqual({ password: "a", is_admin: false });
    expect(result.grants).toEqual({ "taxi/training": "EDIT", "taxi/training_alt": "EDIT", "taxi/analyst": "READ", "taxi/serving": "READ", "taxi/serving_alt": "READ" });
    expect(result.runs[0].log).toContain("user training: EDIT on registered model taxi (was MANAGE)");
  });

  it.each([
    [{ MLFLOW_CLIENT_PASSWORD_SERVING: "" }, "MLFLOW_CLIENT_PASSWORD_SERVING is not set: the task definition must inject it"],
    [{ MLFLOW_CLIENT_STANDBY_USERNAME_TRAINING: "" }, "MLFLOW_CLIENT_STANDBY_USERNAME_TRAINING is not set: the task definition must inject it"],
    [
      { MLFLOW_CLIENT_STANDBY_USERNAME_TRAINING: "training" },
      'the logins of client training are "training" and "training": expected "training" and "training_alt", one each; pulumi up writes them again',
    ],
    [
      { MLFLOW_CLIENT_USERNAME_SERVING: "admin" },
      'the logins of client serving are "admin" and "serving": expected "serving" and "serving_alt", one each; pulumi up writes them again',
    ],
    [{ MLFLOW_CLIENTS: "training:ADMIN" }, 'MLFLOW_CLIENTS has "training:ADMIN": expected <username>:<READ|EDIT>'],
    [{ MLFLOW_MODEL_NAME: "" }, "MLFLOW_MODEL_NAME is not set"],
    [{ MLFLOW_AUTH_DATABASE_URI: "" }, "MLFLOW_AUTH_DATABASE_URI is not set"],
  ])("refuses %j before touching the database: %s", (change, message) => {
    const result = converge({ env: { ...env, ...change } });
    expect(result.runs[0]).toEqual({ error: message, log: [] });
    expect(result.opened).toEqual([]);
  });
});

it("puts the RDS certificate authorities where the database URIs and Grafana's config expect them", () => {
  const bundle = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem";
  expect(fs.readFileSync(path.join(IMAGES_DIR, "mlflow", "Dockerfile"), "utf8")).toMatch(new RegExp(`^ADD --chmod=0444 ${bundle.replace(/\./g, "\\.")} ${MLFLOW_RDS_CA_BUNDLE}$`, "m"));
  expect(fs.readFileSync(path.join(IMAGES_DIR, "grafana", "Dockerfile"), "utf8")).toContain(`${bundle} ${GRAFANA_RDS_CA_BUNDLE}`);
});

describe.each(images)("images/%s/Dockerfile", (image) => {
  it("passes the Dockerfile linter with no finding", () => {
    expect(lintDockerfile(fs.readFileSync(path.join(IMAGES_DIR, image, "Dockerfile"), "utf8"))).toEqual([]);
  });
});

describe("the Dockerfile linter", () => {
  it("rejects an unpinned base image, a root user and a disabled health check, by line", () => {
    expect(lintDockerfile("FROM python\nRUN echo hi\nUSER root\nHEALTHCHECK NONE\n")).toEqual([
      { line: 1, rule: "pinned-base-image", message: "Pin the base image python to a version tag or a digest, not an implicit latest." },
      { line: 3, rule: "non-root-user", message: "The last USER is root: switch to an unprivileged user." },
      { line: 4, rule: "healthcheck", message: "HEALTHCHECK NONE turns health checks off: give it a command." },
    ]);
  });

  it("rejects :latest, a missing USER and a missing HEALTHCHECK; accepts a digest", () => {
    expect(lintDockerfile("FROM nginx:latest\n").map((finding) => finding.rule)).toEqual(["pinned-base-image", "non-root-user", "healthcheck"]);
    expect(lintDockerfile(`FROM nginx@sha256:${"a".repeat(64)}\nUSER 101\nHEALTHCHECK CMD true\n`)).toEqual([]);
  });

  it("passes dockerfile-utils' own findings through", () => {
    expect(lintDockerfile("FROM alpine:3.20\nFOO bar\nUSER 1000\nHEALTHCHECK CMD true\n")).toEqual([{ line: 2, rule: "dockerfile-utils", message: "Unknown instruction: FOO" }]);
  });
});

it("pins every Python dependency of the MLflow image", () => {
  const requirements = fs.readFileSync(path.join(IMAGES_DIR, "mlflow", "requirements.txt"), "utf8").split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#"));
  expect(requirements.length).toBeGreaterThan(0);
  for (const line of requirements) expect(line).toMatch(/^[A-Za-z0-9_.-]+==\d+(\.\d+)+$/);
});

(SHELLCHECK || process.env.CI ? it : it.skip)("the MLflow entrypoint and the dashboard-sync loop pass shellcheck", () => {
  const result = spawnSync("shellcheck", [path.join(IMAGES_DIR, "mlflow", "entrypoint.sh"), path.join(IMAGES_DIR, "dashboard-sync", "sync-dashboards.sh")], { encoding: "utf8" });
  expect(result.stdout).toBe("");
  expect(result.status).toBe(0);
});

describe("the dashboard-sync loop (images/dashboard-sync/sync-dashboards.sh, against a fake aws)", () => {
  const script = path.join(IMAGES_DIR, "dashboard-sync", "sync-dashboards.sh");
  const SOURCE = "s3://mlops-cicd-staging-artifacts-abc/grafana-dashboards/";
  /**
   * Runs the loop with `aws` answering the given exit codes in turn; the fake `sleep` ends the loop
   * after as many rounds (a real one would wait the interval).
   */
  const loop = (awsExitCodes: number[], env: Record<string, string> = {}, prepare: (dir: string, bin: string) => void = () => undefined) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-sync-"));
    try {
      const bin = path.join(dir, "bin");
      fs.mkdirSync(bin);
      prepare(dir, bin);
      fs.writeFileSync(path.join(dir, "codes"), awsExitCodes.join("\n") + "\n");
      fs.writeFileSync(
        path.join(bin, "aws"),
        `#!/bin/bash\necho "aws $*" >> "${dir}/calls"\necho ready=$([ -e "${dir}/ready" ] && echo yes || echo no) >> "${dir}/calls"\ncode=$(head -n 1 "${dir}/codes"); sed -i 1d "${dir}/codes"\nexit "$code"\n`,
        { mode: 0o755 },
      );
      fs.writeFileSync(path.join(bin, "sleep"), `#!/bin/bash\necho "sleep $*" >> "${dir}/calls"\n[ -s "${dir}/codes" ] || exit 99\n`, { mode: 0o755 });
      const run = spawnSync("bash", [script], {
        env: { PATH: `${bin}:${process.env.PATH ?? ""}`, DASHBOARDS_SOURCE: SOURCE, DASHBOARDS_DIR: path.join(dir, "out"), SYNC_READY_FILE: path.join(dir, "ready"), ...env },
        encoding: "utf8",
      });
      const calls = fs.existsSync(path.join(dir, "calls")) ? fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n") : [];
      return { status: run.status, stdout: run.stdout, stderr: run.stderr, calls, ready: fs.existsSync(path.join(dir, "ready")), out: path.join(dir, "out") };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  it("copies the prefix with --delete, JSON only, every interval, and is ready after the first round", () => {
    const result = loop([0, 0], { SYNC_INTERVAL_SECONDS: "30" });
    const sync = `aws s3 sync ${SOURCE} ${result.out} --delete --no-progress --only-show-errors --exclude * --include *.json --cli-connect-timeout 10 --cli-read-timeout 30`;
    expect(result.calls).toEqual([sync, "ready=no", "sleep 30", sync, "ready=yes", "sleep 30"]);
    expect(result.stdout).toBe(`Copying ${SOURCE} into ${result.out} every 30s.\n`);
    expect(result.status).toBe(99);
    expect(result.ready).toBe(true);
  });

  it("keeps going when a copy fails, says so, and is ready all the same: Grafana must not wait on S3", () => {
    const result = loop([1, 0]);
    expect(result.stderr).toBe(`Copying ${SOURCE} failed; Grafana keeps the dashboards of the last copy. Next try in 60s.\n`);
    expect(result.calls.filter((call) => call.startsWith("aws"))).toHaveLength(2);
    expect(loop([1]).ready).toBe(true);
  });

  describe("when it cannot write the dashboards folder (ECS did not give the bind mount the image's ownership)", () => {
    const unwritable = (out: string) =>
      `${out} is not writable by user ${process.getuid?.() ?? 0}: the dashboards volume must be the image's /dashboards, owned by 10002 (images/dashboard-sync/Dockerfile), mounted read-write (infra/platform/fargate-task.ts).\n`;

    it("fails at once, before any copy and without ever reporting ready, so the essential container stops the task", () => {
      // GIVEN a folder in which creating a file is refused (a fake touch: the tests may run as root)
      const result = loop([0, 0], {}, (dir, bin) => {
        fs.mkdirSync(path.join(dir, "out"));
        fs.writeFileSync(path.join(bin, "touch"), `#!/bin/bash\ncase "$1" in "${dir}/out/"*) echo "touch: cannot touch '$1': Permission denied" >&2; exit 1;; esac\nexec /usr/bin/env -P /usr/bin:/bin touch "$@"\n`, {
          mode: 0o755,
        });
      });
      // THEN it exits non-zero with what is wrong and where it is set, calls aws never, is never ready
      expect({ status: result.status, stderr: result.stderr, calls: result.calls, ready: result.ready }).toEqual({ status: 1, stderr: unwritable(result.out), calls: [], ready: false });
    });

    it("fails the same when the folder cannot even be made", () => {
      const result = loop([0], {}, (dir) => fs.writeFileSync(path.join(dir, "out"), "a file where the folder should be"));
      expect({ status: result.status, stderr: result.stderr, calls: result.calls, ready: result.ready }).toEqual({ status: 1, stderr: unwritable(result.out), calls: [], ready: false });
    });

    it("leaves no trace of its check in a folder it can write", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-sync-probe-"));
      try {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        fs.mkdirSync(path.join(dir, "out"));
        fs.writeFileSync(path.join(bin, "aws"), "#!/bin/bash\nexit 0\n", { mode: 0o755 });
        fs.writeFileSync(path.join(bin, "sleep"), "#!/bin/bash\nexit 99\n", { mode: 0o755 });
        const run = spawnSync("bash", [script], {
          env: { PATH: `${bin}:${process.env.PATH ?? ""}`, DASHBOARDS_SOURCE: SOURCE, DASHBOARDS_DIR: path.join(dir, "out"), SYNC_READY_FILE: path.join(dir, "ready") },
          encoding: "utf8",
        });
        expect(run.status).toBe(99);
        expect(fs.readdirSync(path.join(dir, "out"))).toEqual([]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it.each([
    [{ DASHBOARDS_SOURCE: "" }, 'DASHBOARDS_SOURCE is "", not an s3://<bucket>/<prefix>/ URI: the task definition sets it (infra/platform/platform-services.ts).'],
    [{ DASHBOARDS_SOURCE: "s3://bucket/no-slash" }, 'DASHBOARDS_SOURCE is "s3://bucket/no-slash", not an s3://<bucket>/<prefix>/ URI: the task definition sets it (infra/platform/platform-services.ts).'],
    [{ SYNC_INTERVAL_SECONDS: "0" }, 'SYNC_INTERVAL_SECONDS is "0", not a whole number of seconds above 0.'],
  ])("refuses %j before copying anything", (env, message) => {
    const result = loop([0], env);
    expect({ status: result.status, stderr: result.stderr, calls: result.calls }).toEqual({ status: 2, stderr: `${message}\n`, calls: [] });
  });
});

it("bakes the current Grafana rendering into the image (npm run gen:images)", () => {
  for (const [image, files] of renderedImageFiles()) {
    for (const [file, content] of files) {
      expect({ file: `${image}/${file}`, current: fs.readFileSync(path.join(IMAGES_DIR, image, file), "utf8") === content }).toEqual({
        file: `${image}/${file}`,
        current: true,
      });
    }
  }
});
