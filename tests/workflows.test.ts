/**
 * The application's four workflows as the production stack commits them: valid for GitHub's parser,
 * actionlint and shellcheck, and holding every trigger, input, job and rule of the spec.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { REQUIRED_STATUS_CHECKS } from "../contracts/github";
import { RENDERED_DIR, renderedWorkflowsByStack } from "../tools/render-workflows";
import { actionlintFindings, describeValidators, githubParserFindings, SHELLCHECK, shellcheckFindings, runBlocks } from "./workflow-validators";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed workflow documents
type Doc = any;

const rendered = renderedWorkflowsByStack();
const files = rendered.get("production") ?? new Map<string, string>();
const docs = new Map([...files].map(([name, content]) => [name, parse(content) as Doc]));
const doc = (name: string): Doc => docs.get(name);
const allJobs = (): [string, string, Doc][] =>
  [...docs].flatMap(([file, workflow]) => Object.entries(workflow.jobs).map(([id, job]) => [file, id, job] as [string, string, Doc]));

it("renders the four workflows and the delivery-metrics recorder for the stack that commits them", () => {
  expect([...rendered.keys()]).toEqual(["production"]);
  expect([...files.keys()].sort()).toEqual(["ci-cd.yml", "deploy-service.yml", "monitor-model.yml", "record-delivery-metrics.yml", "train-model.yml"]);
});

it("keeps the committed renderings in workflows/__rendered__ current (npm run gen:workflows)", () => {
  for (const [stack, byName] of rendered) {
    for (const [name, content] of byName) {
      expect({ file: `${stack}/${name}`, content: fs.readFileSync(path.join(RENDERED_DIR, stack, name), "utf8") }).toEqual({
        file: `${stack}/${name}`,
        content,
      });
    }
  }
});

describeValidators(files);


describe("a deliberately broken workflow is rejected by each validator", () => {
  const broken = [
    "on: push",
    "permissions: {}",
    "jobs:",
    "  build:",
    "    runs-on: ubuntu-24.04",
    "    permissions: {}",
    "    timeout-minutes: 5",
    "    steps:",
    "      - name: Greet",
    "        run: echo ${{ github.event.head_commit.message }} $UNQUOTED",
    "        bogus-key: true",
    "",
  ].join("\n");

  it("GitHub's parser names the unknown key", async () => {
    expect(await githubParserFindings("broken.yml", broken)).toContain("broken.yml (Line: 11, Col: 9): Unexpected value 'bogus-key'");
  });

  it("actionlint reports the script injection", async () => {
    const findings = await actionlintFindings("broken.yml", broken);
    expect(findings.some((finding) => finding.includes('"github.event.head_commit.message" is potentially untrusted'))).toBe(true);
  });

  (SHELLCHECK || process.env.CI ? it : it.skip)("shellcheck reports the unquoted variable", () => {
    const findings = shellcheckFindings(broken);
    expect(findings.some((finding) => finding.includes("SC2086"))).toBe(true);
  });
});

describe("required status checks", () => {
  /** The check-run names a job produces: its name, with the matrix values appended. */
  function checkNames(id: string, job: Doc): string[] {
    const name: string = job.name ?? id;
    const matrix: Record<string, unknown[]> | undefined = job.strategy?.matrix;
    if (!matrix) return [name];
    const combos = Object.values(matrix).reduce<unknown[][]>((acc, values) => acc.flatMap((prefix) => values.map((v) => [...prefix, v])), [[]]);
    return combos.map((combo) => `${name} (${combo.join(", ")})`);
  }

  it("are produced by ci-cd, on pull requests, exactly as the ruleset names them", () => {
    const ciCd = doc("ci-cd.yml");
    expect(ciCd.on.pull_request).toBeDefined();
    const produced = new Map<string, string>();
    for (const [id, job] of Object.entries(ciCd.jobs) as [string, Doc][]) {
      for (const check of checkNames(id, job)) produced.set(check, id);
    }
    for (const check of REQUIRED_STATUS_CHECKS) {
      const jobId = produced.get(check);
      expect({ check, producedBy: jobId }).toEqual({ check, producedBy: expect.any(String) });
      // A job skipped on pull requests would leave its check pending forever.
      expect(ciCd.jobs[jobId as string].if).toBeUndefined();
    }
    expect([...produced.keys()].filter((check) => check.startsWith("test ("))).toEqual(["test (3.9)", "test (3.10)", "test (3.11)"]);
  });
});

describe("ci-cd.yml", () => {
  const ciCd = () => doc("ci-cd.yml");

  it("runs on pushes to main and develop, pull requests and by hand, with the spec's env", () => {
    expect(ciCd().on).toEqual({ push: { branches: ["main", "develop"] }, pull_request: { branches: ["main", "develop"] }, workflow_dispatch: null });
    expect(ciCd().env).toEqual({ PYTHON_VERSION: "3.11", DOCKER_REGISTRY: "ghcr.io", IMAGE_NAME: "${{ github.repository }}" });
  });

  it("has every job of the spec", () => {
    expect(Object.keys(ciCd().jobs)).toEqual([
      "lint",
      "test",
      "validate-notebooks",
      "security-scan",
      "build-image",
      "build-image-pr",
      "train-model",
      "validate-model",
      "monitoring-check",
      "integration-tests",
      "deploy-staging",
      "deploy-production",
      "notify",
    ]);
  });

  it("lints with Black, isort, Flake8 and Pylint, and scans with pip-audit, Trivy and CodeQL", () => {
    const lintSteps = ciCd().jobs.lint.steps.map((step: Doc) => step.name);
    expect(lintSteps).toEqual(expect.arrayContaining(["Black", "isort", "Flake8", "Pylint"]));
    const scan = JSON.stringify(ciCd().jobs["security-scan"].steps);
    expect(scan).toContain("pip-audit");
    expect(scan).toContain("aquasecurity/trivy-action@");
    expect(scan).toContain("github/codeql-action/init@");
    expect(scan).toContain("github/codeql-action/analyze@");
  });

  it("tests on Python 3.9, 3.10 and 3.11 with a pip cache", () => {
    const test = ciCd().jobs.test;
    expect(test.strategy.matrix).toEqual({ "python-version": ["3.9", "3.10", "3.11"] });
    expect(test.steps[1].with).toMatchObject({ "python-version": "${{ matrix.python-version }}", cache: "pip" });
  });

  it("builds and pushes to GHCR with a layer cache and signs with cosign, never for a pull request", () => {
    const build = ciCd().jobs["build-image"];
    const buildStep = build.steps.find((step: Doc) => step.id === "build");
    expect(build.if).toBe("github.event_name != 'pull_request'");
    expect(buildStep.with).toMatchObject({
      context: "04-deployment/web-services",
      push: true,
      "cache-from": "type=gha,scope=web-service",
      "cache-to": "type=gha,scope=web-service,mode=max",
    });
    expect(build.steps.some((step: Doc) => /cosign sign --yes/.test(step.run ?? ""))).toBe(true);
    expect(build.permissions).toEqual({ contents: "read", packages: "write", "id-token": "write", "security-events": "write" });
  });

  it.each([
    ["ci-cd", () => ciCd().jobs["build-image"], "web-service"],
    ["deploy-service", () => doc("deploy-service.yml").jobs.build, "${{ inputs.service_type }}"],
  ] as const)("%s scans the pushed image by digest with Trivy, uploads the findings, and signs only what passed", (_name, job, service) => {
    const steps: Doc[] = job().steps;
    const index = (name: string) => steps.findIndex((step) => step.name === name);
    const reference = steps[index("Image reference")];
    expect(reference.env).toEqual({ IMAGE_SERVICE: service, DIGEST: "${{ steps.build.outputs.digest }}" });
    expect(reference.run).toBe('set -euo pipefail\necho "ref=${DOCKER_REGISTRY}/${IMAGE_NAME,,}/${IMAGE_SERVICE}@${DIGEST}" >> "$GITHUB_OUTPUT"\n');
    expect(steps[index("Trivy image scan")]).toMatchObject({
      uses: expect.stringMatching(/^aquasecurity\/trivy-action@[0-9a-f]{40}$/),
      with: { "scan-type": "image", "image-ref": "${{ steps.image.outputs.ref }}", severity: "CRITICAL,HIGH", "exit-code": "1", format: "sarif" },
    });
    expect(steps[index("Upload Trivy image findings")]).toMatchObject({
      if: "always() && hashFiles('trivy-image.sarif') != ''",
      with: { sarif_file: "trivy-image.sarif", category: `trivy-image-${service}` },
    });
    expect(steps[index("Sign the image")].env).toEqual({ IMAGE_REF: "${{ steps.image.outputs.ref }}" });
    // Login, build and push, reference, scan, findings, then the signature.
    const order = ["Log in to GHCR", "Build and push", "Image reference", "Trivy image scan", "Upload Trivy image findings", "Sign the image"].map(index);
    expect(order.every((position) => position >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(job().permissions).toMatchObject({ "security-events": "write" });
  });

  it("builds a pull request's image with a token that can write nothing, without logging in or signing", () => {
    const build = ciCd().jobs["build-image-pr"];
    expect(build.if).toBe("github.event_name == 'pull_request'");
    expect(build.permissions).toEqual({ contents: "read" });
    expect(build.steps.find((step: Doc) => step.id === "build").with.push).toBe(false);
    expect(JSON.stringify(build.steps)).not.toMatch(/docker\/login-action|cosign|secrets\./);
  });

  it("scans a pull request's image in the runner's Docker as the pushing builds do, findings in the log", () => {
    // GIVEN a pull request moving the service to a vulnerable base image THEN its own required
    // build fails, not main's build after the push.
    const steps: Doc[] = ciCd().jobs["build-image-pr"].steps;
    const index = (name: string) => steps.findIndex((step) => step.name === name);
    const build = steps[index("Build")];
    expect(build.with).toMatchObject({ push: false, load: true, tags: "web-service:pull-request" });
    const scan = steps[index("Trivy image scan")];
    expect(scan).toEqual({
      name: "Trivy image scan",
      uses: expect.stringMatching(/^aquasecurity\/trivy-action@[0-9a-f]{40}$/),
      with: { "scan-type": "image", "image-ref": build.with.tags, severity: "CRITICAL,HIGH", "ignore-unfixed": true, format: "table", "exit-code": "1" },
    });
    // The same rule as the pushing job's scan, bar where the findings go.
    const pushed = (ciCd().jobs["build-image"].steps as Doc[]).find((step) => step.name === "Trivy image scan");
    expect({ ...scan.with, "image-ref": "", format: "" }).toEqual({ ...pushed.with, "image-ref": "", format: "", output: undefined });
    expect(index("Build")).toBeLessThan(index("Trivy image scan"));
    // No SARIF upload: it needs security-events: write, which the job must not hold.
    expect(JSON.stringify(steps)).not.toMatch(/upload-sarif|\.sarif/);
    expect(ciCd().jobs["build-image-pr"].permissions).toEqual({ contents: "read" });
  });

  it("runs integration tests against a healthy PostgreSQL service container", () => {
    const postgres = ciCd().jobs["integration-tests"].services.postgres;
    expect(postgres.image).toBe("postgres:15");
    expect(postgres.options).toContain("--health-cmd pg_isready");
  });

  it("deploys to staging, then production, through the environments, one deployment at a time", () => {
    const staging = ciCd().jobs["deploy-staging"];
    const production = ciCd().jobs["deploy-production"];
    expect(staging.environment).toEqual({ name: "staging", url: "${{ vars.STAGING_API_URL }}" });
    expect(production.environment).toEqual({ name: "production", url: "${{ vars.PROD_API_URL }}" });
    expect(production.needs).toContain("deploy-staging");
    expect(staging.concurrency).toEqual({ group: "deploy-staging", "cancel-in-progress": false });
    expect(production.concurrency).toEqual({ group: "deploy-production", "cancel-in-progress": false });
    expect(staging.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
  });

  it("cancels superseded pull-request runs only", () => {
    expect(ciCd().concurrency).toEqual({
      group: "ci-cd-${{ github.event.pull_request.number || github.ref }}",
      "cancel-in-progress": "${{ github.event_name == 'pull_request' }}",
    });
  });

  it("notifies whatever happened, on every other job, the pull request's image build included", () => {
    expect(ciCd().jobs.notify.if).toBe("always()");
    expect([...ciCd().jobs.notify.needs].sort()).toEqual(Object.keys(ciCd().jobs).filter((id) => id !== "notify").sort());
    expect(ciCd().jobs.notify.needs).toContain("build-image-pr");
  });
});

describe("train-model.yml", () => {
  const train = () => doc("train-model.yml");

  it("is dispatched by hand with the spec's three inputs", () => {
    expect(train().on).toEqual({
      workflow_dispatch: {
        inputs: {
          model_type: {
            description: "Model algorithm",
            required: true,
            type: "choice",
            default: "xgboost",
            options: ["linear_regression", "xgboost", "random_forest"],
          },
          data_month: { description: "Training data period (YYYY-MM)", required: true, type: "string" },
          experiment_name: { description: "MLflow experiment name", required: true, type: "string", default: "duration-prediction" },
        },
      },
    });
  });

  it("validates data_month before any other step", () => {
    const first = train().jobs.train.steps[0];
    expect(first.name).toBe("Validate data_month");
    expect(first.env.PATTERN).toBe("^[0-9]{4}-(0[1-9]|1[0-2])$");
  });

  it("downloads the data, trains with MLflow, registers the model, writes a model card and keeps artifacts 90 days", () => {
    const { train: training, register } = train().jobs;
    expect(training.steps.map((step: Doc) => step.name)).toEqual(expect.arrayContaining(["Download the NYC taxi data", "Train (tracked in MLflow)"]));
    expect(register.steps.map((step: Doc) => step.name)).toEqual([
      `Download ${training.steps.at(-1).with.name}`,
      "Register the model in the MLflow Model Registry",
      "Write the model card",
      "Upload model-card-${{ github.run_id }}",
    ]);
    // The registration reads what training uploaded, by the same name, from this run.
    expect(register.steps[0].with).toEqual({ name: training.steps.at(-1).with.name, path: "training-output" });
    for (const upload of [training.steps.at(-1), register.steps.at(-1)]) expect(upload.with["retention-days"]).toBe(90);
  });

  it("registers from the default branch only, in the registry's environment, with no repository code", () => {
    const { register } = train().jobs;
    expect(register).toMatchObject({ needs: ["train"], environment: "model-registry", permissions: {}, if: "github.ref_name == github.event.repository.default_branch" });
    expect(register.steps.some((step: Doc) => String(step.uses ?? "").startsWith("actions/checkout"))).toBe(false);
    expect(JSON.stringify(train().jobs.train)).not.toContain("MLFLOW_REGISTRY_PASSWORD");
  });
});

describe("monitor-model.yml", () => {
  const monitor = () => doc("monitor-model.yml");

  it("runs every 6 hours and by hand, with alert_threshold defaulting to 0.5", () => {
    expect(monitor().on.schedule).toEqual([{ cron: "0 */6 * * *" }]);
    expect(monitor().on.workflow_dispatch.inputs.alert_threshold).toMatchObject({ type: "string", default: "0.5" });
    expect(monitor().jobs.monitor.env.ALERT_THRESHOLD).toBe("${{ inputs.alert_threshold || '0.5' }}");
  });

  it("stores the metrics, alerts with the three labels, watches freshness, and uploads the report", () => {
    const steps = monitor().jobs.monitor.steps;
    const byId = (id: string) => steps.find((step: Doc) => step.id === id);
    expect(byId("drift").run).toContain('node .github/mlops-platform/mlops-monitor.cjs store --file "$METRICS_FILE" --threshold "$ALERT_THRESHOLD"');
    expect(byId("drift-issue").env).toMatchObject({
      ALERT_LABELS: "model-monitoring,alert,drift-detection",
      ALERT_ACTIVE: "${{ steps.drift.outputs.drift_detected }}",
    });
    expect(byId("freshness").if).toBe("always()");
    expect(byId("stale-issue").env.ALERT_ACTIVE).toBe("${{ steps.freshness.outputs.stale }}");
    const upload = steps.at(-1);
    expect(upload.with.name).toBe("monitoring-report-${{ github.run_id }}");
    expect(upload.if).toBe("always()");
  });

  it("runs on a hosted runner and reaches the private database only through the metrics function, after the application's code", () => {
    const job = monitor().jobs.monitor;
    expect(job["runs-on"]).toBe("ubuntu-24.04");
    expect(job.environment).toBe("monitoring");
    expect(job.permissions).toEqual({ contents: "read", issues: "write", "id-token": "write" });
    expect(job.env.METRICS_FUNCTION).toBe("${{ vars.METRICS_FUNCTION }}");
    expect(JSON.stringify(job)).not.toContain("METRICS_DATABASE_URL");
    const names = job.steps.map((step: { name: string }) => step.name);
    const credentials = job.steps[names.indexOf("Configure AWS credentials (OIDC)")];
    expect(credentials.with).toMatchObject({ "role-to-assume": "${{ vars.AWS_ROLE_ARN }}", "aws-region": "${{ vars.AWS_REGION }}" });
    expect(credentials.if).toBe("always()");
    expect(names.indexOf("Configure AWS credentials (OIDC)")).toBeGreaterThan(names.indexOf("Calculate drift and data-quality metrics"));
    expect(names.indexOf("Configure AWS credentials (OIDC)")).toBeLessThan(names.indexOf("Store the metrics and compare drift with the threshold"));
  });

  it("never overlaps itself", () => {
    expect(monitor().concurrency).toEqual({ group: "monitor-model", "cancel-in-progress": false });
  });
});

describe("deploy-service.yml", () => {
  const deploy = () => doc("deploy-service.yml");

  it("builds with the registry's login as BuildKit secrets, and keeps those layers out of the shared cache and the build record", () => {
    const build = deploy().jobs.build.steps.find((step: { id?: string }) => step.id === "build");
    expect(build.with.secrets).toBe(
      "MLFLOW_TRACKING_URI=${{ secrets.MLFLOW_TRACKING_URI }}\nMLFLOW_TRACKING_USERNAME=${{ vars.MLFLOW_DEPLOYMENT_USERNAME }}\nMLFLOW_TRACKING_PASSWORD=${{ secrets.MLFLOW_DEPLOYMENT_PASSWORD }}\n",
    );
    expect(build.with["cache-to"]).toBeUndefined();
    expect(build.env).toEqual({ DOCKER_BUILD_RECORD_UPLOAD: "false" });
    expect(JSON.stringify(build.with["build-args"])).not.toContain("secrets.");
  });

  it("is dispatched with environment, model_version and service_type", () => {
    const inputs = deploy().on.workflow_dispatch.inputs;
    expect(inputs.environment.options).toEqual(["staging", "production"]);
    expect(inputs.service_type.options).toEqual(["web-service", "batch", "mlflow-service"]);
    expect(inputs.model_version).toMatchObject({ type: "string", required: true });
  });

  it("validates the model, builds the image, then deploys in the chosen environment", () => {
    const jobs = deploy().jobs;
    expect(Object.keys(jobs)).toEqual(["validate", "build", "deploy", "promote"]);
    expect(jobs.build.needs).toEqual(["validate"]);
    expect(jobs.promote).toMatchObject({ needs: ["validate", "deploy"], environment: "model-registry", permissions: {} });
    expect(jobs.promote.steps.map((step: Doc) => step.name)).toEqual(["Update the model registry"]);
    expect(jobs.deploy.environment.name).toBe("${{ inputs.environment }}");
    expect(jobs.deploy.concurrency).toEqual({ group: "deploy-${{ inputs.environment }}", "cancel-in-progress": false });
  });

  it("promotes the image to the environment's tag only after the smoke tests, and the model only after the deployment", () => {
    const names = deploy().jobs.deploy.steps.map((step: Doc) => step.name);
    const promote = names.indexOf("Promote the image to the environment's tag");
    expect(names.indexOf("Smoke tests")).toBeGreaterThan(-1);
    expect(promote).toBeGreaterThan(names.indexOf("Smoke tests"));
    // The alias moves in its own job, which runs only when the deployment job succeeded.
    expect(names).not.toContain("Update the model registry");
    expect(deploy().jobs.promote.needs).toContain("deploy");
    expect(deploy().jobs.promote.if).toBeUndefined();
    expect(deploy().jobs.deploy.permissions.packages).toBe("write");
    const ciCd = doc("ci-cd.yml");
    for (const job of ["deploy-staging", "deploy-production"]) {
      const steps = ciCd.jobs[job].steps.map((step: Doc) => step.name);
      expect(steps.indexOf("Promote the image to the environment's tag")).toBeGreaterThan(steps.indexOf("Smoke test"));
    }
  });

  it("has the production extras: backup, canary watch; and rollback plus an incident issue on failure", () => {
    const steps = deploy().jobs.deploy.steps;
    const byName = (prefix: string) => steps.find((step: Doc) => step.name.startsWith(prefix));
    expect(byName("Back up the registry state").if).toBe("inputs.environment == 'production'");
    expect(byName("Watch the canary (10% of traffic)").if).toBe("inputs.environment == 'production' && inputs.service_type != 'batch'");
    expect(byName("Full rollout")).toBeDefined();
    expect(byName("Smoke tests")).toBeDefined();
    expect(byName("Update the model registry")).toBeUndefined();
    expect(byName("Roll back").if).toBe("failure() && steps.rollout.outputs.previous != ''");
    const incident = byName("Open or update the incident issue");
    expect(incident.if).toBe("failure()");
    expect(incident.env.ALERT_LABELS).toBe("incident");
  });
});

describe("the production load test", () => {
  const LOAD_TEST_STEPS = ["Check out the platform's tools", "Set up Node.js", "Wait for the test route to reach the new revision", "Load test the new revision"];
  const CANARY = "inputs.environment == 'production' && inputs.service_type != 'batch'";
  const stepsOf = (file: string, job: string): Doc[] => doc(file).jobs[job].steps;
  const names = (steps: Doc[]) => steps.map((step) => step.name as string);

  it("runs in deploy-service for the routed services in production, after the rollout starts and before the canary watch and the full rollout", () => {
    const steps = stepsOf("deploy-service.yml", "deploy");
    const order = names(steps);
    const start = order.indexOf("Start the rollout");
    expect(order.slice(start + 1, start + 1 + LOAD_TEST_STEPS.length)).toEqual(LOAD_TEST_STEPS);
    expect(order.indexOf("Load test the new revision")).toBeLessThan(order.indexOf("Watch the canary (10% of traffic)"));
    for (const name of LOAD_TEST_STEPS) expect({ name, if: steps.find((step) => step.name === name).if }).toEqual({ name, if: CANARY });
  });

  it("runs the committed bundle with the limits from stack config, against the API through the test route", () => {
    const steps = stepsOf("deploy-service.yml", "deploy");
    const checkout = steps.find((step) => step.name === "Check out the platform's tools");
    expect(checkout.with).toEqual({ "persist-credentials": false, "sparse-checkout": ".github/mlops-platform" });
    expect(steps.find((step) => step.name === "Set up Node.js").with).toEqual({ "node-version": "20" });
    const test = steps.find((step) => step.id === "load-test");
    // Pulumi.production.yaml sets no load-test key: the schema's defaults.
    expect(test.env).toEqual({
      API_URL: "${{ env.API_URL }}",
      SERVICE_TYPE: "${{ inputs.service_type }}",
      TEST_TRAFFIC_HEADER_NAME: "X-Mlops-Test-Traffic",
      TEST_TRAFFIC_HEADER_VALUE: "${{ secrets.TEST_TRAFFIC_HEADER_VALUE }}",
      CONCURRENCY: "10",
      DURATION_SECONDS: "60",
      MAX_P95_MS: "1000",
      MAX_P99_MS: "2000",
      MAX_ERROR_RATE: "0.01",
      MIN_THROUGHPUT: "5",
      REPORT_DIR: "load-test",
    });
    expect(test.run).toContain('node .github/mlops-platform/mlops-load-test.cjs --url "$API_URL" --service "$SERVICE_TYPE" --header "$TEST_TRAFFIC_HEADER_NAME: $TEST_TRAFFIC_HEADER_VALUE"');
    expect(test["timeout-minutes"]).toBe(3);
    const wait = steps.find((step) => step.name === "Wait for the test route to reach the new revision");
    expect(wait.env).toMatchObject({ SERVICE: "${{ steps.rollout.outputs.service }}", NEXT: "${{ steps.rollout.outputs.next }}", DEADLINE_MINUTES: "15" });
  });

  it("uploads its report whether it passed or not, before the rollback, and the incident says how it ended", () => {
    const steps = stepsOf("deploy-service.yml", "deploy");
    const order = names(steps);
    const upload = steps.find((step) => step.name === "Upload load-test-report-${{ github.run_id }}");
    expect(upload.if).toBe("always() && steps.load-test.outcome != 'skipped'");
    expect(upload.with).toMatchObject({ name: "load-test-report-${{ github.run_id }}", path: "load-test/", "if-no-files-found": "error" });
    expect(order.indexOf(upload.name)).toBeLessThan(order.indexOf("Roll back to the previous revision"));
    expect(steps.find((step) => step.name === "Open or update the incident issue").env.ALERT_BODY).toContain(
      "- load test: ${{ steps.load-test.outcome == 'skipped' && 'not run' || steps.load-test.outcome }}",
    );
  });

  it("leaves the production jobs room for every step's own time limit on the path of a routed service", () => {
    const stepLimits = (steps: Doc[]) =>
      steps
        // The batch job's trial run never shares a run with the routed services' canary steps.
        .filter((step) => step.name !== "Trial run of the batch job")
        .reduce((sum, step) => sum + (step["timeout-minutes"] ?? 0), 0);
    const deployService = doc("deploy-service.yml").jobs.deploy;
    expect(stepLimits(deployService.steps)).toBeLessThan(deployService["timeout-minutes"]);
    const production = doc("ci-cd.yml").jobs["deploy-production"];
    expect(stepLimits(production.steps)).toBeLessThan(production["timeout-minutes"]);
  });

  it("runs in ci-cd's production deployment of the web service too, never in staging's", () => {
    const production = stepsOf("ci-cd.yml", "deploy-production");
    const order = names(production);
    const start = order.indexOf("Start the rollout");
    // The job checked out the repository (bundles included) for the team's dashboards: no second checkout.
    const afterCheckout = LOAD_TEST_STEPS.slice(1);
    expect(order.slice(start + 1, start + 1 + afterCheckout.length)).toEqual(afterCheckout);
    expect(order.filter((name) => /^Check out/.test(name))).toEqual(["Check out"]);
    expect(order.indexOf("Check out")).toBeLessThan(start);
    expect(order.indexOf("Load test the new revision")).toBeLessThan(order.indexOf("Wait for the rollout"));
    const test = production.find((step) => step.id === "load-test");
    expect(test.if).toBeUndefined();
    expect(test.env).toMatchObject({ API_URL: "${{ vars.PROD_API_URL }}", SERVICE_TYPE: "web-service" });
    expect(order).toContain("Upload load-test-report-${{ github.run_id }}");
    expect(names(stepsOf("ci-cd.yml", "deploy-staging"))).not.toEqual(expect.arrayContaining(["Load test the new revision"]));
  });

  it("says in ci-cd's production incident how the load test ended, and staging's incident says nothing of one", () => {
    const body = (job: string) => stepsOf("ci-cd.yml", job).find((step) => step.id === "incident-issue")?.env.ALERT_BODY as string;
    expect(body("deploy-production")).toContain("- load test: ${{ steps.load-test.outcome == 'skipped' && 'not run' || steps.load-test.outcome }}\n");
    expect(body("deploy-staging")).not.toContain("load test");
  });

  it("sends the header's value from production's secret, which only the load test reads and no file holds", () => {
    const holders = allJobs().flatMap(([file, id, job]) =>
      (job.steps as Doc[]).filter((step) => JSON.stringify(step).includes("TEST_TRAFFIC_HEADER_VALUE")).map((step) => `${file} ${id} ${step.id}`),
    );
    expect(holders).toEqual(["ci-cd.yml deploy-production load-test", "deploy-service.yml deploy load-test"]);
    for (const [file, job] of [["ci-cd.yml", "deploy-production"], ["deploy-service.yml", "deploy"]] as const) {
      const test = stepsOf(file, job).find((step) => step.id === "load-test");
      // Through env from the secret, never an expression in the script.
      expect(test.env.TEST_TRAFFIC_HEADER_VALUE).toBe("${{ secrets.TEST_TRAFFIC_HEADER_VALUE }}");
      expect(test.run).not.toContain("${{");
      expect(doc(file).jobs[job].environment).toBeDefined();
    }
    // The header is sent with a value only from that variable: no file names one.
    for (const [file, content] of files) {
      const sent = [...content.matchAll(/X-Mlops-Test-Traffic:\s*(\S+)/gi)].map((match) => match[1]);
      expect({ file, sent }).toEqual({ file, sent: sent.map(() => "$TEST_TRAFFIC_HEADER_VALUE") });
    }
  });
});

describe("safe by construction", () => {
  it("grants nothing at the top of a workflow; every job declares its permissions and a timeout", () => {
    for (const [file, workflow] of docs) expect({ file, permissions: workflow.permissions }).toEqual({ file, permissions: {} });
    for (const [file, id, job] of allJobs()) {
      expect({ file, id, hasPermissions: job.permissions !== undefined }).toEqual({ file, id, hasPermissions: true });
      expect(job["timeout-minutes"]).toBeGreaterThan(0);
    }
  });

  it("asks for an OIDC token only where AWS or cosign needs one", () => {
    for (const [file, id, job] of allJobs()) {
      if (job.permissions["id-token"] !== "write") continue;
      const text = JSON.stringify(job.steps);
      expect({ file, id, usesOidc: /configure-aws-credentials|cosign/.test(text) }).toEqual({ file, id, usesOidc: true });
    }
  });

  it("never expands an expression inside a script, and stores no AWS keys", () => {
    for (const [file, content] of files) {
      for (const block of runBlocks(content)) expect({ file, where: block.where, expression: block.script.includes("${{") }).toEqual({ file, where: block.where, expression: false });
      expect(content).not.toContain("AWS_ACCESS_KEY_ID");
      expect(content).not.toContain("AWS_SECRET_ACCESS_KEY");
    }
  });

  it("pins every action to a full commit SHA", () => {
    for (const [, , job] of allJobs()) {
      for (const step of job.steps) if (step.uses) expect(step.uses).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
    }
  });

  it("caches pip on every Python setup", () => {
    for (const [, , job] of allJobs()) {
      for (const step of job.steps) if (String(step.uses).startsWith("actions/setup-python@")) expect(step.with.cache).toBe("pip");
    }
  });
});
