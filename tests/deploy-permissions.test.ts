/**
 * Every AWS call a deploy job's scripts make is one the environment's deploy role allows: the
 * scripts and the IAM policy are written in two places, and a call the policy forgot only fails in
 * a real deployment, on the path that was meant to save it (a rollback, a timeout).
 */
import { parse } from "yaml";
import { deployPolicy } from "../infra/identity/github-deploy-role";
import { renderedWorkflowsByStack } from "../tools/render-workflows";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed workflow documents
type Doc = any;

const workflows = renderedWorkflowsByStack().get("production")!;
/** The jobs that run as the environment's deploy role. */
const DEPLOY_JOBS: [string, string][] = [
  ["deploy-service.yml", "deploy"],
  ["ci-cd.yml", "deploy-staging"],
  ["ci-cd.yml", "deploy-production"],
];

/**
 * `aws <service> <operation>` → the IAM actions it needs; waiters poll a describe call, and the
 * high-level `aws s3` commands make several API calls.
 */
function iamActions(service: string, operation: string, waiter: string | undefined): string[] {
  const pascal = (kebab: string) => kebab.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
  if (operation === "wait") {
    const polled: Record<string, string> = { "services-stable": "DescribeServices", "tasks-stopped": "DescribeTasks" };
    return [`${service}:${polled[waiter ?? ""] ?? `unknown waiter ${waiter}`}`];
  }
  if (service === "s3") {
    // From the runner to the bucket with --delete: list the destination, upload, remove.
    const highLevel: Record<string, string[]> = { sync: ["s3:ListBucket", "s3:PutObject", "s3:DeleteObject"] };
    return highLevel[operation] ?? [`unknown s3 command ${operation}`];
  }
  return [`${service}:${pascal(operation)}`];
}

const BUCKET_ARN = "arn:aws:s3:::mlops-cicd-production-artifacts-abc";
const DASHBOARDS = { bucketArn: BUCKET_ARN, prefix: "grafana-dashboards/" };

function awsCalls(): { job: string; action: string }[] {
  return DEPLOY_JOBS.flatMap(([file, id]) => {
    const job = (parse(workflows.get(file)!) as Doc).jobs[id];
    return (job.steps as Doc[])
      .filter((step) => typeof step.run === "string")
      .flatMap((step) => [...String(step.run).matchAll(/\baws\s+([a-z0-9-]+)\s+([a-z0-9-]+)(?:\s+([a-z0-9-]+))?/g)])
      .flatMap((match) => iamActions(match[1], match[2], match[3]).map((action) => ({ job: `${file} ${id}`, action })));
  });
}

function allowedActions(): Set<string> {
  const policy = JSON.parse(deployPolicy("123456789012", "eu-west-1", "mlops-cicd-production", DASHBOARDS)) as { Statement: { Effect: string; Action: string | string[] }[] };
  return new Set(policy.Statement.filter((statement) => statement.Effect === "Allow").flatMap((statement) => [statement.Action].flat()));
}

it("finds the deploy jobs' AWS calls", () => {
  const actions = new Set(awsCalls().map((call) => call.action));
  // The rollout, the trial run and its timeout, the canary watch, the schedule, the logs.
  for (const action of ["ecs:UpdateService", "ecs:RunTask", "ecs:StopTask", "cloudwatch:DescribeAlarms", "scheduler:UpdateSchedule", "logs:GetLogEvents", "s3:PutObject"]) {
    expect(actions).toContain(action);
  }
});

it("allows every AWS call of the deploy jobs in the deploy role's policy, and nothing they never make", () => {
  const allowed = allowedActions();
  const made = new Set(awsCalls().map((call) => call.action));
  for (const call of awsCalls()) expect({ ...call, allowed: allowed.has(call.action) }).toEqual({ ...call, allowed: true });
  // Passing roles goes with registering task definitions and updating the schedule, not with a call of its own.
  const unused = [...allowed].filter((action) => !made.has(action) && action !== "iam:PassRole");
  expect(unused).toEqual([]);
});

/** IAM's ARN matching: `*` any run of characters, `?` one. */
function arnMatches(pattern: string, arn: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return regex.test(arn);
}

it("reaches only the model services: never the platform's services, one-off tasks, roles or logs", () => {
  const cluster = "mlops-cicd-production";
  const policy = JSON.parse(deployPolicy("123456789012", "eu-west-1", cluster, DASHBOARDS)) as { Statement: { Sid: string; Action: string | string[]; Resource: string | string[] }[] };
  const resources = (action: string) =>
    policy.Statement.filter((statement) => [statement.Action].flat().includes(action)).flatMap((statement) => [statement.Resource].flat());
  const allows = (action: string, arn: string) => resources(action).some((pattern) => arnMatches(pattern, arn));
  const ecs = (resource: string) => `arn:aws:ecs:eu-west-1:123456789012:${resource}`;
  for (const platform of ["mlflow", "grafana", "mlflow-upgrade", "mlflow-reset-admin", "grafana-reset-admin"]) {
    expect({ platform, run: allows("ecs:RunTask", ecs(`task-definition/${cluster}-${platform}:3`)) }).toEqual({ platform, run: false });
  }
  for (const platform of ["mlflow", "grafana"]) {
    expect(allows("ecs:UpdateService", ecs(`service/${cluster}/${cluster}-${platform}`))).toBe(false);
    expect(allows("iam:PassRole", `arn:aws:iam::123456789012:role/${cluster}-${platform}-execution`)).toBe(false);
    expect(allows("logs:GetLogEvents", `arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/${cluster}-${platform}:log-stream:x`)).toBe(false);
  }
  // What the deploy jobs do call.
  expect(allows("ecs:RunTask", ecs(`task-definition/${cluster}-batch:7`))).toBe(true);
  expect(allows("ecs:UpdateService", ecs(`service/${cluster}/${cluster}-web-service`))).toBe(true);
  expect(allows("iam:PassRole", `arn:aws:iam::123456789012:role/${cluster}-batch-execution`)).toBe(true);
  expect(allows("iam:PassRole", `arn:aws:iam::123456789012:role/${cluster}-batch-scheduler`)).toBe(true);
  expect(allows("logs:GetLogEvents", `arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/${cluster}-batch:log-stream:batch/batch/abc`)).toBe(true);
});

it("touches S3 only to replace the team's dashboards: list the prefix, put and delete under it, never read", () => {
  const policy = JSON.parse(deployPolicy("123456789012", "eu-west-1", "mlops-cicd-production", DASHBOARDS)) as { Statement: { Sid: string; Action: string | string[] }[] };
  const s3 = policy.Statement.filter((statement) => [statement.Action].flat().some((action) => action.startsWith("s3:")));
  expect(s3).toEqual([
    {
      Sid: "ListDashboards",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: BUCKET_ARN,
      Condition: { StringLike: { "s3:prefix": ["grafana-dashboards/*"] } },
    },
    { Sid: "WriteDashboards", Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: `${BUCKET_ARN}/grafana-dashboards/*` },
  ]);
});
