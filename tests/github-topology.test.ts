import { parse } from "yaml";
import { GITHUB_ACTIONS_INTEGRATION_ID, ISSUE_LABELS, REQUIRED_STATUS_CHECKS } from "../contracts/github";
import { ProgramRun, TYPES, runProgram } from "./harness";


describe("staging stack", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("staging");
  });

  it("creates the staging environment without reviewers or wait, deploying from main only", () => {
    const env = run.findResource(TYPES.environment, "staging");
    expect(env.inputs).toMatchObject({ repository: "trip-duration", environment: "staging", waitTimer: 0 });
    expect(env.inputs.reviewers).toBeUndefined();
    // Its deploy role trusts `environment:staging`: only the protected default branch may run there.
    expect(env.inputs.deploymentBranchPolicy).toEqual({ protectedBranches: false, customBranchPolicies: true });
    expect(run.resourcesOfType(TYPES.deploymentPolicy).map((policy) => policy.inputs)).toEqual([
      { repository: "trip-duration", environment: "staging", branchPattern: "main" },
    ]);
  });

  it("publishes STAGING_API_URL as a variable and the DB host as a secret", () => {
    expect(run.findResource(TYPES.environmentVariable, "staging-STAGING_API_URL").inputs).toEqual({
      repository: "trip-duration",
      environment: "staging",
      variableName: "STAGING_API_URL",
      value: "https://staging-api.example.com",
    });
    expect(run.findResource(TYPES.environmentSecret, "staging-STAGING_DB_HOST").inputs).toEqual({
      repository: "trip-duration",
      environment: "staging",
      secretName: "STAGING_DB_HOST",
      value: "[secret]",
    });
  });

  it("publishes no test-traffic header value: staging has no canary and no test route", () => {
    expect(run.resourcesOfType(TYPES.environmentSecret).map((secret) => secret.inputs.secretName)).not.toContain("TEST_TRAFFIC_HEADER_VALUE");
    expect(run.resourcesOfType("random:index/randomPassword:RandomPassword").map((password) => password.name)).not.toContain("test-traffic-header");
  });

  it("publishes no long-lived AWS keys without the opt-in", () => {
    const names = run.resourcesOfType(TYPES.environmentSecret).map((secret) => secret.inputs.secretName);
    expect(names).not.toContain("AWS_ACCESS_KEY_ID");
    expect(names).not.toContain("AWS_SECRET_ACCESS_KEY");
  });

  it("leaves repository-wide settings to the stack that owns them", () => {
    expect(run.resourcesOfType(TYPES.repositorySettings)).toHaveLength(0);
    expect(run.resourcesOfType(TYPES.ruleset)).toHaveLength(0);
    expect(run.files).toHaveLength(0);
    expect(run.outputs.managesRepositorySettings).toBe(false);
  });

  it("puts every GitHub resource on one explicit provider for the configured owner", () => {
    const [provider, ...others] = run.resourcesOfType(TYPES.githubProvider);
    expect(others).toHaveLength(0);
    expect(provider?.inputs.owner).toBe("nyc-taxi-mlops");
    const githubResources = run.resources.filter((resource) => resource.type.startsWith("github:"));
    expect(githubResources.length).toBeGreaterThan(0);
    for (const resource of githubResources) {
      expect(resource.provider).toBe(`${provider?.urn}::github-id`);
    }
  });
});

describe("production stack", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("production");
  });

  it("protects the production environment: reviewers, 5-minute wait, no self-review, no admin bypass", () => {
    const env = run.findResource(TYPES.environment, "production");
    expect(env.inputs).toMatchObject({
      environment: "production",
      waitTimer: 5,
      preventSelfReview: true,
      canAdminsBypass: false,
      deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
    });
    const reviewers = env.inputs.reviewers as { teams: number[]; users: number[] }[];
    expect(reviewers).toHaveLength(1);
    expect(reviewers[0]?.teams).toHaveLength(1);
    expect(reviewers[0]?.teams[0]).toBeGreaterThan(0);
  });

  it("lets only the default branch deploy to production", () => {
    expect(run.findResource(TYPES.deploymentPolicy, "production-main-only").inputs).toEqual({
      repository: "trip-duration",
      environment: "production",
      branchPattern: "main",
    });
  });

  it("publishes the PROD_* values", () => {
    expect(run.findResource(TYPES.environmentVariable, "production-PROD_API_URL").inputs.value).toBe("https://api.example.com");
    expect(run.findResource(TYPES.environmentSecret, "production-PROD_DB_HOST").inputs.value).toBe("[secret]");
  });

  it("hands the load test the stack's generated test-traffic header value as a production secret", () => {
    const secret = run.findResource(TYPES.environmentSecret, "production-TEST_TRAFFIC_HEADER_VALUE");
    expect(secret.inputs).toEqual({ repository: "trip-duration", environment: "production", secretName: "TEST_TRAFFIC_HEADER_VALUE", value: "[secret]" });
    // The same value the canary services' test routes match (tests/serving.test.ts).
    expect(secret.dependsOn).toContain(run.findResource("random:index/randomPassword:RandomPassword", "test-traffic-header").urn);
    // Production's jobs only: no repository-wide secret any branch's workflow could read.
    expect(run.resourcesOfType(TYPES.secret).map((repositorySecret) => repositorySecret.inputs.secretName)).not.toContain("TEST_TRAFFIC_HEADER_VALUE");
  });

  it("protects main with a ruleset: reviews, the four checks on an up-to-date branch, no bypass but the App", () => {
    const ruleset = run.findResource(TYPES.ruleset, "repository-default-branch");
    expect(ruleset.inputs).toMatchObject({
      repository: "trip-duration",
      target: "branch",
      enforcement: "active",
      conditions: { refName: { includes: ["refs/heads/main"], excludes: [] } },
      bypassActors: [{ actorId: 1048576, actorType: "Integration", bypassMode: "always" }],
    });
    const rules = ruleset.inputs.rules as Record<string, unknown>;
    expect(rules).toMatchObject({
      deletion: true,
      nonFastForward: true,
      pullRequest: { requiredApprovingReviewCount: 1, dismissStaleReviewsOnPush: true, requireCodeOwnerReview: true },
      requiredStatusChecks: { strictRequiredStatusChecksPolicy: true },
    });
    const checks = (rules.requiredStatusChecks as { requiredChecks: { context: string; integrationId: number }[] }).requiredChecks;
    expect(checks.map((check) => check.context)).toEqual(["lint", "test (3.11)", "validate-notebooks", "security-scan"]);
    expect(checks.every((check) => check.integrationId === GITHUB_ACTIONS_INTEGRATION_ID)).toBe(true);
    expect(REQUIRED_STATUS_CHECKS).toEqual(checks.map((check) => check.context));
  });

  it("requires the team's own checks after the platform's, which it cannot remove", async () => {
    const extended = await runProgram("production", { "mlops-cicd:additionalRequiredChecks": ["e2e", "docs (ubuntu)"] });
    const rules = extended.findResource(TYPES.ruleset, "repository-default-branch").inputs.rules as { requiredStatusChecks: { requiredChecks: { context: string; integrationId: number }[] } };
    expect(rules.requiredStatusChecks.requiredChecks).toEqual(
      [...REQUIRED_STATUS_CHECKS, "e2e", "docs (ubuntu)"].map((context) => ({ context, integrationId: GITHUB_ACTIONS_INTEGRATION_ID })),
    );
  });

  it("creates or adopts the four labels", () => {
    const labels = run.resourcesOfType(TYPES.label);
    expect(labels.map((label) => label.inputs.name).sort()).toEqual(["alert", "drift-detection", "incident", "model-monitoring"]);
    for (const label of labels) {
      expect(label.inputs.color).toMatch(/^[0-9a-f]{6}$/);
      expect(label.inputs.description).toEqual(expect.any(String));
    }
    expect(labels).toHaveLength(ISSUE_LABELS.length);
  });

  it("commits CODEOWNERS and dependabot.yml to main, adopting existing files, without starting CI", () => {
    for (const path of [".github/CODEOWNERS", ".github/dependabot.yml"]) {
      const file = run.findResource(TYPES.file, `repository-file-${path}`);
      expect(file.inputs).toMatchObject({
        repository: "trip-duration",
        branch: "main",
        file: path,
        overwriteOnCreate: true,
        commitMessage: expect.stringContaining("[skip ci]"),
      });
    }
    const codeowners = run.files.find((file) => file.path === ".github/CODEOWNERS");
    expect(codeowners?.content).toMatch(/^\* @nyc-taxi-mlops\/mlops-team$/m);
  });

  it("commits exactly its own files, so a workflow the team adds beside them is never touched", () => {
    expect(run.resourcesOfType(TYPES.file).map((file) => file.inputs.file)).toEqual([
      ".github/CODEOWNERS",
      ".github/dependabot.yml",
      ".github/mlops-platform/mlops-load-test.cjs",
      ".github/mlops-platform/mlops-monitor.cjs",
      ".github/workflows/ci-cd.yml",
      ".github/workflows/deploy-service.yml",
      ".github/workflows/monitor-model.yml",
      ".github/workflows/record-delivery-metrics.yml",
      ".github/workflows/train-model.yml",
    ]);
  });

  it("commits the four application workflows and the delivery-metrics recorder, byte for byte as rendered", () => {
    const workflows = run.files.filter((file) => file.path.startsWith(".github/workflows/")).map((file) => file.path);
    expect(workflows).toEqual([
      ".github/workflows/ci-cd.yml",
      ".github/workflows/deploy-service.yml",
      ".github/workflows/monitor-model.yml",
      ".github/workflows/record-delivery-metrics.yml",
      ".github/workflows/train-model.yml",
    ]);
    for (const path of workflows) {
      expect(run.findResource(TYPES.file, `repository-file-${path}`).inputs.commitMessage).toBe(`chore(platform): update ${path} [skip ci]`);
    }
  });

  it("keeps pip and docker dependencies up to date, and leaves the program's workflows to the program", () => {
    const file = run.files.find((entry) => entry.path === ".github/dependabot.yml");
    const dependabot = parse(file?.content ?? "") as { version: number; updates: { "package-ecosystem": string; directories: string[] }[] };
    expect(dependabot.version).toBe(2);
    expect(dependabot.updates.map((update) => update["package-ecosystem"])).toEqual(["pip", "docker"]);
    expect(dependabot.updates.find((update) => update["package-ecosystem"] === "docker")?.directories).toEqual(["/04-deployment/web-services"]);
  });

  it("publishes the registry of record and the read-only logins as repository secrets, derived; no database credential; Slack only once set", () => {
    expect(run.resourcesOfType(TYPES.secret).map((secret) => secret.inputs)).toEqual([
      { repository: "trip-duration", secretName: "MLFLOW_DEPLOYMENT_PASSWORD", value: "[secret]" },
      { repository: "trip-duration", secretName: "MLFLOW_MONITORING_PASSWORD", value: "[secret]" },
      { repository: "trip-duration", secretName: "MLFLOW_TRACKING_URI", value: "[secret]" },
      { repository: "trip-duration", secretName: "MLFLOW_TRAINING_PASSWORD", value: "[secret]" },
    ]);
    // Each password is the one generated for that client: the secret waits for it.
    expect(run.findResource(TYPES.secret, "repository-MLFLOW_TRAINING_PASSWORD").dependsOn).toContain(
      run.findResource("random:index/randomPassword:RandomPassword", "platform-mlflow-client-training").urn,
    );
    expect([...run.missingSecrets].sort()).toEqual(["mlops-cicd:ghcrPullToken", "mlops-cicd:ghcrToken"]);
  });

  it("publishes each read-only login's current username as a repository variable, beside its password", () => {
    // At generation 0 the client itself; its twin `<client>_alt` after an odd rotation (tests/credential-rotation.test.ts).
    expect(run.resourcesOfType("github:index/actionsVariable:ActionsVariable").map((variable) => variable.inputs)).toEqual([
      { repository: "trip-duration", variableName: "MLFLOW_DEPLOYMENT_USERNAME", value: "deployment" },
      { repository: "trip-duration", variableName: "MLFLOW_MONITORING_USERNAME", value: "monitoring" },
      { repository: "trip-duration", variableName: "MLFLOW_TRAINING_USERNAME", value: "training" },
    ]);
  });

  it("keeps the registry's writing login out of every branch's reach: a secret of a default-branch-only environment alone", () => {
    expect(run.findResource(TYPES.environment, "model-registry").inputs).toMatchObject({
      repository: "trip-duration",
      environment: "model-registry",
      waitTimer: 0,
      canAdminsBypass: false,
      deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
    });
    expect(run.findResource(TYPES.deploymentPolicy, "model-registry-main-only").inputs).toMatchObject({ environment: "model-registry", branchPattern: "main" });
    const secrets = run.resourcesOfType(TYPES.environmentSecret).filter((secret) => secret.inputs.environment === "model-registry");
    expect(secrets.map((secret) => secret.inputs)).toEqual([{ repository: "trip-duration", environment: "model-registry", secretName: "MLFLOW_REGISTRY_PASSWORD", value: "[secret]" }]);
    expect(secrets[0].dependsOn).toContain(run.findResource("random:index/randomPassword:RandomPassword", "platform-mlflow-client-registry").urn);
    expect(run.resourcesOfType(TYPES.secret).map((secret) => secret.inputs.secretName)).not.toContain("MLFLOW_REGISTRY_PASSWORD");
    // Its username beside it, in the same environment: the writing login's name is never a repository variable.
    const variables = run.resourcesOfType("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable").filter((variable) => variable.inputs.environment === "model-registry");
    expect(variables.map((variable) => variable.inputs)).toEqual([{ repository: "trip-duration", environment: "model-registry", variableName: "MLFLOW_REGISTRY_USERNAME", value: "registry" }]);
    expect(run.resourcesOfType("github:index/actionsVariable:ActionsVariable").map((variable) => variable.inputs.variableName)).not.toContain("MLFLOW_REGISTRY_USERNAME");
  });
});

describe("the monitoring job's path to the private metrics database", () => {
  let production: ProgramRun;
  let staging: ProgramRun;
  beforeAll(async () => {
    // One after the other: the mock runtime is global.
    production = await runProgram("production");
    staging = await runProgram("staging");
  });
  const LAMBDA = "aws:lambda/function:Function";
  const ROLE = "aws:iam/role:Role";

  it("runs a function in the VPC that reads only the metrics writer's credentials", () => {
    const fn = production.findResource(LAMBDA, "metrics");
    expect(fn.inputs).toMatchObject({
      name: "mlops-cicd-production-metrics",
      handler: "index.handler",
      vpcConfig: { securityGroupIds: ["runtime-provisioner-id"] },
      environment: { variables: { WRITER_SECRET_ARN: expect.stringContaining("databases-writer"), NODE_EXTRA_CA_CERTS: "/var/runtime/ca-cert.pem" } },
    });
    const policy = JSON.parse(String(production.findResource("aws:iam/rolePolicy:RolePolicy", "metrics").inputs.policy));
    expect(policy.Statement.find((statement: { Sid: string }) => statement.Sid === "Credentials").Resource).toEqual([expect.stringContaining("databases-writer")]);
  });

  it("lets only jobs in the monitoring environment invoke it, through OIDC, and do nothing else", () => {
    const trust = JSON.parse(String(production.findResource(ROLE, "metrics-invoker").inputs.assumeRolePolicy));
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0].Condition.StringEquals).toEqual({
      "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
      "token.actions.githubusercontent.com:sub": "repo:nyc-taxi-mlops/trip-duration:environment:monitoring",
    });
    const policy = JSON.parse(String(production.findResource("aws:iam/rolePolicy:RolePolicy", "metrics-invoker").inputs.policy));
    expect(policy.Statement).toEqual([{ Sid: "InvokeMetricsFunction", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: expect.stringContaining("function:mlops-cicd-production-metrics") }]);
  });

  it("gives the monitoring job an environment of its own: default branch only, no reviewers, the function and role as its variables", () => {
    expect(production.findResource(TYPES.environment, "monitoring").inputs).toMatchObject({
      repository: "trip-duration",
      environment: "monitoring",
      waitTimer: 0,
      canAdminsBypass: false,
      deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
    });
    expect(production.findResource(TYPES.environment, "monitoring").inputs.reviewers).toBeUndefined();
    expect(production.findResource(TYPES.deploymentPolicy, "monitoring-main-only").inputs).toMatchObject({ branchPattern: "main" });
    const variables = production.resourcesOfType(TYPES.environmentVariable).filter((variable) => variable.inputs.environment === "monitoring");
    expect(variables.map((variable) => [variable.inputs.variableName, variable.inputs.value])).toEqual([
      ["AWS_REGION", "eu-west-1"],
      ["AWS_ROLE_ARN", expect.stringMatching(/^arn:aws:iam::\d{12}:role\//)],
      ["METRICS_FUNCTION", "mlops-cicd-production-metrics"],
    ]);
    expect(production.findResource(ROLE, "metrics-invoker").inputs.name).toBe("mlops-cicd-production-metrics-github");
    // The job may assume the role only once the role may invoke: the variable waits for the policy.
    expect(production.findResource(TYPES.environmentVariable, "monitoring-AWS_ROLE_ARN").dependsOn).toContain(
      production.findResource("aws:iam/rolePolicy:RolePolicy", "metrics-invoker").urn,
    );
  });

  it("serves the delivery-metrics recorder with the same role, unchanged: its jobs run in the environment the role trusts", () => {
    // GIVEN the recorder as committed, and the role's trust
    const file = production.files.find((entry) => entry.path === ".github/workflows/record-delivery-metrics.yml");
    const recorder = parse(file?.content ?? "") as { jobs: Record<string, { environment: string; permissions: Record<string, string>; steps: { uses?: string; with?: Record<string, string> }[] }> };
    const trust = JSON.parse(String(production.findResource(ROLE, "metrics-invoker").inputs.assumeRolePolicy));
    // THEN each job asks for an OIDC token in `monitoring`, whose subject the role trusts, and takes the role's ARN from there
    for (const job of Object.values(recorder.jobs)) {
      expect(job.environment).toBe("monitoring");
      expect(trust.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toBe(`repo:nyc-taxi-mlops/trip-duration:environment:${job.environment}`);
      expect(job.permissions["id-token"]).toBe("write");
      expect(job.steps.find((step) => String(step.uses).startsWith("aws-actions/configure-aws-credentials@"))?.with?.["role-to-assume"]).toBe("${{ vars.AWS_ROLE_ARN }}");
    }
  });

  it("exists only in the stack that owns the repository settings", () => {
    expect(staging.resourcesOfType(LAMBDA).map((fn) => fn.name)).toEqual(["databases-provisioner"]);
    expect(staging.resourcesOfType(TYPES.environment).map((environment) => environment.inputs.environment)).toEqual(["staging"]);
  });
});

describe("operator opt-ins", () => {
  it("publishes the Slack webhook as a repository secret when set", async () => {
    const run = await runProgram(
      "production",
      { "mlops-cicd:slackWebhookUrl": "https://hooks.slack.com/services/T000/B000/XXXX" },
      ["mlops-cicd:slackWebhookUrl"],
    );
    expect(run.findResource(TYPES.secret, "repository-SLACK_WEBHOOK_URL").inputs).toEqual({
      repository: "trip-duration",
      secretName: "SLACK_WEBHOOK_URL",
      value: "[secret]",
    });
  });

  it("publishes long-lived AWS keys only with the explicit opt-in", async () => {
    const run = await runProgram(
      "staging",
      {
        "mlops-cicd:allowLongLivedAwsKeys": true,
        "mlops-cicd:awsAccessKeyId": "AKIAABCDEFGHIJKLMNOP",
        "mlops-cicd:awsSecretAccessKey": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123",
      },
      ["mlops-cicd:awsAccessKeyId", "mlops-cicd:awsSecretAccessKey"],
    );
    expect(run.findResource(TYPES.environmentSecret, "staging-AWS_ACCESS_KEY_ID").inputs.value).toBe("[secret]");
    expect(run.findResource(TYPES.environmentSecret, "staging-AWS_SECRET_ACCESS_KEY").inputs.value).toBe("[secret]");
  });
});
