/**
 * up.yml: a merge to main updates every stack, staging first, each in this repository's GitHub
 * environment of the same name; production's required reviewers approve its update after
 * staging's succeeded. The state is exported after each update.
 *
 * One update of a stack at a time: each job holds the stack's concurrency group, shared with drift
 * detection and disaster recovery, and is never cancelled halfway (an interrupted update leaves
 * pending operations to clear by hand).
 */
import type { Job, Workflow } from "../model";
import { PULUMI_ENV, PULUMI_RUNNER, backUpState, pulumiJobSetup, up } from "./pulumi-steps";
import { PlatformSettings, PlatformStack } from "./settings";

/** The concurrency group of a stack: every job that writes its state or reads it for drift holds it. */
export function stackLock(stack: string): { group: string; cancelInProgress: boolean } {
  return { group: `pulumi-${stack}`, cancelInProgress: false };
}

export function upJobId(stack: string): string {
  return `up-${stack}`;
}

export function upWorkflow(settings: PlatformSettings): Workflow {
  const nodeVersion = settings.nodeVersion ?? "20";
  const job = (stack: PlatformStack, previous: PlatformStack | undefined): Job => ({
    name: `pulumi up --stack ${stack.name}`,
    needs: previous ? [upJobId(previous.name)] : undefined,
    // Only main's code updates a stack, whoever dispatches the workflow and from wherever.
    if: "github.ref == 'refs/heads/main'",
    runsOn: PULUMI_RUNNER,
    environment: { name: stack.environment, url: `https://github.com/${stack.applicationRepository}` },
    concurrency: stackLock(stack.name),
    permissions: { contents: "read", "id-token": "write" },
    timeoutMinutes: 120,
    env: { ...PULUMI_ENV },
    steps: [
      ...pulumiJobSetup(nodeVersion, settings.pulumiVersion, "PULUMI_DEPLOY_ROLE_ARN"),
      up(stack.name),
      ...backUpState(stack.name, "up"),
    ],
  });
  const jobs: Record<string, Job> = {};
  settings.stacks.forEach((stack, index) => {
    jobs[upJobId(stack.name)] = job(stack, settings.stacks[index - 1]);
  });
  return {
    fileName: "up.yml",
    name: "Update stacks",
    on: { push: { branches: ["main"] }, workflowDispatch: {} },
    permissions: {},
    jobs,
  };
}
