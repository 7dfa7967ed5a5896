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

/** `aws <service> <operation>` → the IAM action it needs; waiters poll a describe call. */
function iamAction(service: string, operation: string, waiter: string | undefined): string {
  const pascal = (kebab: string) => kebab.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
  if (operation === "wait") {
    const polled: Record<string, string> = { "services-stable": "DescribeServices", "tasks-stopped": "DescribeTasks" };
    return `${service}:${polled[waiter ?? ""] ?? `unknown waiter ${waiter}`}`;
  }
  return `${service}:${pascal(operation)}`;
}

function awsCalls(): { job: string; action: string }[] {
  return DEPLOY_JOBS.flatMap(([file, id]) => {
    const job = (parse(workflows.get(file)!) as Doc).jobs[id];
    return (job.steps as Doc[])
      .filter((step) => typeof step.run === "string")
      .flatMap((step) => [...String(step.run).matchAll(/\baws\s+([a-z0-9-]+)\s+([a-z0-9-]+)(?:\s+([a-z0-9-]+))?/g)])
      .map((match) => ({ job: `${file} ${id}`, action: iamAction(match[1], match[2], match[3]) }));
  });
}

function allowedActions(): Set<string> {
  const policy = JSON.parse(deployPolicy("123456789012", "eu-west-1", "mlops-cicd-production")) as { Statement: { Effect: string; Action: string | string[] }[] };
  return new Set(policy.Statement.filter((statement) => statement.Effect === "Allow").flatMap((statement) => [statement.Action].flat()));
}

it("finds the deploy jobs' AWS calls", () => {
  const actions = new Set(awsCalls().map((call) => call.action));
  // The rollout, the trial run and its timeout, the canary watch, the schedule, the logs.
  for (const action of ["ecs:UpdateService", "ecs:RunTask", "ecs:StopTask", "cloudwatch:DescribeAlarms", "scheduler:UpdateSchedule", "logs:GetLogEvents"]) {
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
